package data

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paulmach/orb/geojson"
)

// TestLayerFileRoundTrip: a layer written in the binary layer format reads
// back exactly (codes, names, populations, every coordinate), and a damaged
// file is refused as damaged.
func TestLayerFileRoundTrip(t *testing.T) {
	areas := threeLayers(t)["lsoa-2011"]
	areas[0].Population, areas[0].HasPopulation = 1234.5, true
	areas[1].Population, areas[1].HasPopulation = 0, true
	var buf bytes.Buffer
	if err := writeLayer(&buf, areas); err != nil {
		t.Fatal(err)
	}
	got, err := readLayer(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, areas) {
		t.Fatal("the layer read back differs from the one written")
	}
	b := buf.Bytes()
	b[len(b)/2] ^= 1
	if _, err := readLayer(b); err == nil {
		t.Error("a damaged layer file was read")
	}
}

// TestGeoJSONLayerFilesStillRead: a data folder written before manifest
// format 2 (its layers stored as GeoJSON) opens with the same areas, and
// its next layer change writes format 2.
func TestGeoJSONLayerFilesStillRead(t *testing.T) {
	areas := threeLayers(t)["wards"]
	dir := t.TempDir()
	fc := geojson.NewFeatureCollection()
	for _, a := range areas {
		f := geojson.NewFeature(a.Geometry)
		f.Properties["code"] = a.Code
		f.Properties["name"] = a.Name
		fc.Append(f)
	}
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	rel := filepath.Join("layers", "00000001-wards.geojson")
	os.MkdirAll(filepath.Join(dir, "layers"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, rel), b, 0o644); err != nil {
		t.Fatal(err)
	}
	man, _ := json.Marshal(manifest{Format: 1, Generation: 1, Layers: []manLayer{{Name: "wards", File: rel}}})
	if err := os.WriteFile(filepath.Join(dir, manifestName), man, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenMem(dir, MemOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, _, err := s.Layer(context.Background(), "wards")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Areas, areas) {
		t.Fatal("the GeoJSON layer file read back differs")
	}
	if err := s.PutLayer(context.Background(), "other", areas[:3], LayerMeta{}); err != nil {
		t.Fatal(err)
	}
	var m manifest
	mb, _ := os.ReadFile(filepath.Join(dir, manifestName))
	if err := json.Unmarshal(mb, &m); err != nil || m.Format != manifestFormat || filepath.Ext(m.Layers[0].File) != ".hsa" {
		t.Errorf("after a change the manifest is format %d naming %v (err %v)", m.Format, m.Layers, err)
	}
}
