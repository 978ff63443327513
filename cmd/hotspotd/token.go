package main

import (
	"context"
	"fmt"

	"github.com/stockton-csp/hotspots/data"
)

const tokenUsage = `Usage:
  hotspotd token create --role viewer|analyst|admin --name NAME   prints the token once
  hotspotd token list
  hotspotd token revoke --name NAME

Roles: viewer (maps, aggregates, tasking; counts of 1 or 2 show as "<3"),
analyst (also incidents, point exports, imports), admin (also tokens and
area layers). With no token the server is a single-user tool on this
computer (loopback only) and everyone is an admin. A server that has seen a
token never goes back to that: revoking the last token locks it until a new
one is created.
`

func (m *Main) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, tokenUsage)
		return errUsage
	}
	fs := m.newFlags("token "+args[0], "token "+args[0]+" [flags]", tokenUsage)
	dataDir := fs.String("data-dir", defaultDataDir(), "data folder")
	role := fs.String("role", "", "viewer, analyst or admin")
	name := fs.String("name", "", "who or what uses the token")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	toks, err := data.OpenTokens(*dataDir, m.Now)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		if *role == "" || *name == "" {
			fs.Usage()
			return fmt.Errorf("%w: token create needs --role and --name", errUsage)
		}
		r, err := data.ParseRole(*role)
		if err != nil {
			return err
		}
		secret, err := toks.Create(*name, r)
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, secret)
		fmt.Fprintf(m.Stderr, "Token %q (%s) created. It is shown this once: store it safely. Send it as the header \"Authorization: Bearer <token>\".\n", *name, *role)
		return nil
	case "list":
		list, err := toks.List()
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(m.Stdout, "No tokens: the server answers only on this computer (loopback) and everyone is an admin.")
			return nil
		}
		t := &table{head: []string{"Name", "Role", "Starts", "Created"}, right: []bool{false, false, false, false}}
		for _, x := range list {
			t.add(x.Name, x.Role.String(), x.Prefix+"...", x.Created.Format("2006-01-02 15:04"))
		}
		return t.write(m.Stdout)
	case "revoke":
		if *name == "" {
			fs.Usage()
			return fmt.Errorf("%w: token revoke needs --name", errUsage)
		}
		if err := toks.Revoke(*name); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Token %q revoked.\n", *name)
		return nil
	}
	fmt.Fprintf(m.Stderr, "hotspotd token: unknown command %q\n\n%s", args[0], tokenUsage)
	return errUsage
}
