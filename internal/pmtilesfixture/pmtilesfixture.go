// Package pmtilesfixture writes a small PMTiles archive in the Protomaps
// basemap schema for tests: one zoom-0 tile, over-zoomed by the map, with
// land ("earth"), a stretch of water over the Tees at Stockton ("water")
// and one road through the town centre ("roads"). It is built in code so
// that no test needs a real basemap file.
package pmtilesfixture

import (
	"bytes"
	"fmt"
	"os"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/protomaps/go-pmtiles/pmtiles"
)

// Water is the fixture's water polygon: a box over the Tees by Stockton
// town centre, west, south, east, north (degrees).
var Water = orb.Bound{Min: orb.Point{-1.32, 54.555}, Max: orb.Point{-1.29, 54.575}}

// Tile is the fixture's one tile as an uncompressed MVT.
func Tile() ([]byte, error) {
	earth := geojson.NewFeatureCollection()
	earth.Append(geojson.NewFeature(orb.Polygon{{{-179, -80}, {179, -80}, {179, 80}, {-179, 80}, {-179, -80}}}))
	earth.Features[0].Properties = geojson.Properties{"kind": "earth"}
	water := geojson.NewFeatureCollection()
	water.Append(geojson.NewFeature(Water.ToPolygon()))
	water.Features[0].Properties = geojson.Properties{"kind": "water"}
	roads := geojson.NewFeatureCollection()
	roads.Append(geojson.NewFeature(orb.LineString{{-1.33, 54.565}, {-1.28, 54.565}}))
	roads.Features[0].Properties = geojson.Properties{"kind": "major_road", "name": "Fixture Road"}
	ls := mvt.Layers{mvt.NewLayer("earth", earth), mvt.NewLayer("water", water), mvt.NewLayer("roads", roads)} // in a fixed order
	ls.ProjectToTile(maptile.New(0, 0, 0))
	return mvt.Marshal(ls)
}

// Write writes the archive to path.
func Write(path string) error {
	tile, err := Tile()
	if err != nil {
		return fmt.Errorf("pmtilesfixture: %w", err)
	}
	root := pmtiles.SerializeEntries([]pmtiles.EntryV3{{TileID: pmtiles.ZxyToID(0, 0, 0), Offset: 0, Length: uint32(len(tile)), RunLength: 1}}, pmtiles.Gzip)
	meta, err := pmtiles.SerializeMetadata(map[string]any{
		"name": "hotspots test basemap", "attribution": "test data",
		"vector_layers": []map[string]any{{"id": "earth", "fields": map[string]string{}}, {"id": "water", "fields": map[string]string{}}, {"id": "roads", "fields": map[string]string{}}},
	}, pmtiles.Gzip)
	if err != nil {
		return fmt.Errorf("pmtilesfixture: %w", err)
	}
	const headerLen = 127
	h := pmtiles.HeaderV3{
		SpecVersion: 3, RootOffset: headerLen, RootLength: uint64(len(root)),
		MetadataOffset: headerLen + uint64(len(root)), MetadataLength: uint64(len(meta)),
		LeafDirectoryOffset: headerLen + uint64(len(root)+len(meta)),
		TileDataOffset:      headerLen + uint64(len(root)+len(meta)), TileDataLength: uint64(len(tile)),
		AddressedTilesCount: 1, TileEntriesCount: 1, TileContentsCount: 1, Clustered: true,
		InternalCompression: pmtiles.Gzip, TileCompression: pmtiles.NoCompression, TileType: pmtiles.Mvt,
		MinZoom: 0, MaxZoom: 0, MinLonE7: -1800000000, MinLatE7: -850000000, MaxLonE7: 1800000000, MaxLatE7: 850000000,
		CenterZoom: 0, CenterLonE7: -13000000, CenterLatE7: 545600000,
	}
	var buf bytes.Buffer
	buf.Write(pmtiles.SerializeHeader(h))
	buf.Write(root)
	buf.Write(meta)
	buf.Write(tile)
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

