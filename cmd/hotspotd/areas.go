package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/geo"
)

const areasUsage = `Usage:
  hotspotd areas import --layer NAME [--population CSV] FILE...
  hotspotd areas list
  hotspotd areas delete --layer NAME
`

func (m *Main) areas(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, areasUsage)
		return errUsage
	}
	switch args[0] {
	case "import":
		return m.areasImport(ctx, args[1:])
	case "list":
		return m.areasList(ctx, args[1:])
	case "delete":
		return m.areasDelete(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(m.Stdout, areasUsage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "hotspotd areas: unknown command %q\n\n%s", args[0], areasUsage)
	return errUsage
}

const areasImportAbout = `Imports an area layer (wards, town centres, LSOAs, beats) from GeoJSON
Polygon/MultiPolygon features; several files make one layer. It replaces a
layer of the same name. Every incident is assigned to the area holding it.

Codes and names come from --code-field/--name-field, else are detected (ONS
WD23CD/WD23NM style, or code/name). Coordinates are WGS84 unless the file's
crs names EPSG:27700 (British National Grid) or --crs says so. An unclosed
ring is closed and said so; a self-intersecting one is refused.`

func (m *Main) areasImport(ctx context.Context, args []string) error {
	fs := m.newFlags("areas import", "areas import --layer NAME [flags] FILE...", areasImportAbout)
	sf := m.storeFlags(fs)
	layer := fs.String("layer", "", "layer name, such as wards or town-centres (required)")
	pop := fs.String("population", "", "CSV of area code and resident population, for rates per 1,000")
	codeField := fs.String("code-field", "", "feature property holding the area code")
	nameField := fs.String("name-field", "", "feature property holding the area name")
	crs := fs.String("crs", "", "coordinate system of the file: EPSG:4326 or EPSG:27700 (default: detected)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *layer == "" || fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("%w: areas import needs --layer NAME and at least one FILE", errUsage)
	}
	c, err := geo.ParseCRS(*crs)
	if err != nil {
		return err
	}
	areas, notes, err := data.ReadAreaFiles(fs.Args(), geo.ReadOptions{CodeField: *codeField, NameField: *nameField, CRS: c})
	if err != nil {
		return err
	}
	var missing []string
	if *pop != "" {
		p, err := data.ReadPopulation(*pop, "", "")
		if err != nil {
			return err
		}
		missing = data.ApplyPopulation(areas, p)
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	meta := data.LayerMeta{Source: fmt.Sprint(fs.Args()), Population: *pop}
	if err := store.PutLayer(ctx, *layer, areas, meta); err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(map[string]any{"layer": *layer, "areas": len(areas), "notes": notes, "no_population": missing})
		fmt.Fprintln(m.Stdout, string(b))
		return nil
	}
	fmt.Fprintf(m.Stdout, "Layer %q: %d areas imported.\n", *layer, len(areas))
	for _, n := range notes {
		fmt.Fprintln(m.Stdout, "Repaired:", n)
	}
	if len(missing) > 0 {
		fmt.Fprintf(m.Stdout, "No population for %d areas (rates per 1,000 will be blank): %v\n", len(missing), missing)
	}
	return nil
}

func (m *Main) areasList(ctx context.Context, args []string) error {
	fs := m.newFlags("areas list", "areas list [flags]", "Lists the area layers.")
	sf := m.storeFlags(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	ls, err := store.Layers(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.Marshal(ls)
		fmt.Fprintln(m.Stdout, string(b))
		return nil
	}
	if len(ls) == 0 {
		fmt.Fprintln(m.Stdout, "No area layers. Add one with: hotspotd areas import --layer wards FILE.geojson")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAYER\tAREAS\tWITH POPULATION\tIMPORTED\tSOURCE")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", l.Name, l.Areas, l.WithPop, l.Meta.Imported.Format("2006-01-02 15:04"), l.Meta.Source)
	}
	return tw.Flush()
}

func (m *Main) areasDelete(ctx context.Context, args []string) error {
	fs := m.newFlags("areas delete", "areas delete --layer NAME", "Removes an area layer.")
	sf := m.storeFlags(fs)
	layer := fs.String("layer", "", "layer to remove")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *layer == "" {
		fs.Usage()
		return fmt.Errorf("%w: areas delete needs --layer", errUsage)
	}
	store, err := m.openStore(sf)
	if err != nil {
		return err
	}
	if err := store.DeleteLayer(ctx, *layer); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Layer %q removed.\n", *layer)
	return nil
}
