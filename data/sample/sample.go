// Package sample embeds the bundled data set `hotspotd serve` loads into an
// empty data directory, so the service shows Stockton-on-Tees at once on a
// machine with nothing else: 35 months (2023-01..2025-11) of police.uk
// street-level crime for Cleveland Police, Stockton-on-Tees 2023 wards,
// 2013 wards and 2011 LSOAs of the four Cleveland authorities, Tees Valley
// authorities, and Census 2021 populations.
//
// Contains public sector information licensed under the Open Government
// Licence v3.0. Contains OS data (c) Crown copyright and database right.
// Source: Office for National Statistics licensed under the Open Government
// Licence v3.0.
package sample

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed policeuk boundaries population
var files embed.FS

// FS is the bundled data set.
func FS() fs.FS { return files }

// Attribution is the licence statement to show with the data.
const Attribution = "Contains public sector information licensed under the Open Government Licence v3.0. " +
	"Contains OS data © Crown copyright and database right. " +
	"Source: Office for National Statistics licensed under the Open Government Licence v3.0."

// Layer is one bundled area layer.
type Layer struct {
	Name        string
	Files       []string // paths inside FS
	Population  string   // path inside FS of a population CSV, or ""
	Description string
}

// Incidents is the folder of police.uk files inside FS.
const Incidents = "policeuk"

// Layers are the bundled area layers, in the order to load them.
var Layers = []Layer{
	{Name: "wards", Files: []string{"boundaries/stockton_wards_2023.geojson.gz"},
		Population:  "population/stockton_ward2023_population_census2021_bestfit.csv",
		Description: "Stockton-on-Tees wards (2023 boundaries), Census 2021 residents by best-fit LSOA"},
	{Name: "wards-2013", Files: []string{"boundaries/wards_2013/E06000001.geojson.gz", "boundaries/wards_2013/E06000002.geojson.gz", "boundaries/wards_2013/E06000003.geojson.gz", "boundaries/wards_2013/E06000004.geojson.gz"},
		Description: "Wards of Hartlepool, Middlesbrough, Redcar and Cleveland, Stockton-on-Tees (2013 boundaries, the names of the partnership's 2022 papers)"},
	{Name: "lsoa-2011", Files: []string{"boundaries/lsoa_2011/E06000001.geojson.gz", "boundaries/lsoa_2011/E06000002.geojson.gz", "boundaries/lsoa_2011/E06000003.geojson.gz", "boundaries/lsoa_2011/E06000004.geojson.gz"},
		Population:  "population/tees_lsoa21_population_census2021.csv",
		Description: "2011 LSOAs of the four Cleveland authorities, Census 2021 residents where the 2021 LSOA code is unchanged"},
	{Name: "authorities", Files: []string{"boundaries/tees_valley_lads_2024.geojson.gz"},
		Population:  "population/tees_lad24_population_census2021_lsoa_sum.csv",
		Description: "Tees Valley local authorities (December 2024), Census 2021 residents of the four Cleveland authorities (their 2021 LSOAs summed; Darlington has none here)"},
}

// TownCentre is one of the borough's six town centres as Cleveland Police
// report them: by the ward holding each (its town-centre tables, Oct 2024,
// name the ward, such as "Thornaby Town Centre (Stainsby Hill)").
type TownCentre struct {
	Name  string // as the police tables name it
	Layer string // the bundled layer holding the ward
	Ward  string // the ward's code in that layer
}

// TownCentres are the six town centres of Stockton-on-Tees. Ingleby Barwick's
// is the 2013 ward the police table names (Ingleby Barwick West): the 2023
// boundaries split the town differently.
var TownCentres = []TownCentre{
	{Name: "Billingham Central", Layer: "wards", Ward: "E05014858"},
	{Name: "Stockton Town Centre", Layer: "wards", Ward: "E05014882"},
	{Name: "Norton Central", Layer: "wards", Ward: "E05014875"},
	{Name: "Thornaby Town Centre (Stainsby Hill)", Layer: "wards", Ward: "E05014881"},
	{Name: "Ingleby Barwick Town Centre (Ingleby Barwick West)", Layer: "wards-2013", Ward: "E05001539"},
	{Name: "Yarm Town Centre", Layer: "wards", Ward: "E05014884"},
}

// Extract writes the bundled files under dir (which must exist) and returns
// dir, so readers that take OS paths can read them.
func Extract(dir string) error {
	return fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
