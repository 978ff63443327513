package engine

import (
	"context"
	"slices"
	"testing"
)

// TestDescribeTypes: the heading's words for a type filter on the Cleveland
// months, which hold ASB beside 13 crime types.
func TestDescribeTypes(t *testing.T) {
	s := realStore(t, false)
	e := newEngine(t, s, Options{})
	ctx := context.Background()
	sum, err := e.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var crime []string
	for _, tc := range sum.Types {
		if tc.Type != asbType {
			crime = append(crime, tc.Type)
		}
	}
	if len(crime) != len(sum.Types)-1 {
		t.Fatalf("types %v: want ASB among them", sum.Types)
	}
	slices.Reverse(crime) // order does not matter
	for _, tt := range []struct {
		name  string
		types []string
		want  string
	}{
		{"no filter resolved: every crime type", crime, "all crime (anti-social behaviour left out)"},
		{"every stored type", append(slices.Clone(crime), asbType), "all crime and anti-social behaviour"},
		{"one type", []string{"Burglary"}, "Burglary"},
		{"ASB alone", []string{asbType}, asbType},
		{"crime but one type", crime[1:], joinTypes(crime[1:])},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.DescribeTypes(ctx, tt.types); got != tt.want {
				t.Errorf("DescribeTypes(%v) = %q, want %q", tt.types, got, tt.want)
			}
		})
	}
}

func joinTypes(ts []string) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += ", "
		}
		out += t
	}
	return out
}
