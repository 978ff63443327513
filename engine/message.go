package engine

import "strings"

// UserMessage is an error's text as a user should read it: without the
// package prefixes and sentinel words ("engine: invalid query: ", "data: no
// such area in the layer: ") that help a developer, not an analyst. The
// detail after them already says what is wrong and what to do.
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	for {
		trimmed := msg
		for _, p := range []string{"engine: ", "data: ", "geo: ", "hotspot: ", "tiles: ", "web: ", "report: ",
			"invalid query: ", "disclosure: ", "withheld: ", "month not loaded: ", "no such area in the layer: "} {
			trimmed = strings.TrimPrefix(trimmed, p)
		}
		if trimmed == msg {
			return msg
		}
		msg = trimmed
	}
}
