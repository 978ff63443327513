package main

import (
	"slices"
	"testing"
)

func TestPublicSources(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{{"police.uk", []string{"police.uk"}}, {"police.uk, cleveland-rms", []string{"police.uk", "cleveland-rms"}}, {"none", []string{}}, {"", []string{}}} {
		if got := publicSources(c.in); !slices.Equal(got, c.want) || got == nil {
			t.Errorf("publicSources(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
