package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/hotspot"
)

// weightFlags are --weights and --costs, the harm and cost tables that
// replace the defaults at run time (the Cambridge index's official
// spreadsheet saved as CSV, a force's own weights).
type weightFlags struct{ harm, cost string }

func weightsFlags(fs *flag.FlagSet, w *weightFlags) {
	fs.StringVar(&w.harm, "weights", "", "harm weights CSV (crime_type,weight,police_generated,source; default: the shipped CCHI table)")
	fs.StringVar(&w.cost, "costs", "", "cost weights CSV, same columns (default: the shipped Home Office 2018 unit costs)")
}

// apply loads the files named into opts; a malformed file is refused
// naming its line and field.
func (w *weightFlags) apply(opts *engine.Options) error {
	for _, f := range []struct {
		flag, path string
		dst        **hotspot.Weights
	}{{"--weights", w.harm, &opts.Harm}, {"--costs", w.cost, &opts.Cost}} {
		if f.path == "" {
			continue
		}
		file, err := os.Open(f.path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", f.flag, f.path, err)
		}
		t, err := hotspot.ParseWeights(filepath.Base(f.path), file)
		file.Close()
		if err != nil {
			return fmt.Errorf("%s %s: %w; fix the file or leave out %s to use the default table", f.flag, f.path, err, f.flag)
		}
		*f.dst = t
	}
	return nil
}
