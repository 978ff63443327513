// Package pmtilesfixture writes a small PMTiles archive in the Protomaps
// basemap schema for tests: the zoom-0 tile, land only ("earth"), and the
// zoom-10 tile over Stockton (MaxZoom, over-zoomed by the map beyond) with
// land, a stretch of water by the Tees ("water") and one road through the
// town centre ("roads"). It is built in code so that no test needs a real
// basemap file.
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

// MaxZoom is the archive's last zoom.
const MaxZoom = 10

// StocktonTile is the zoom-10 tile the archive has over Stockton.
var StocktonTile = maptile.At(Water.Center(), MaxZoom)

// Tile is the fixture's tile at zoom 0 (land only) or its StocktonTile, as
// uncompressed MVT.
func Tile(t maptile.Tile) ([]byte, error) {
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
	if t.Z == 0 {
		ls = ls[:1]
	}
	ls.ProjectToTile(t)
	ls.Clip(mvt.MapboxGLDefaultExtentBound)
	return mvt.Marshal(ls)
}

// Write writes the archive to path.
func Write(path string) error {
	t0, err := Tile(maptile.New(0, 0, 0))
	if err != nil {
		return fmt.Errorf("pmtilesfixture: %w", err)
	}
	t10, err := Tile(StocktonTile)
	if err != nil {
		return fmt.Errorf("pmtilesfixture: %w", err)
	}
	tile := append(append([]byte{}, t0...), t10...)
	root := pmtiles.SerializeEntries([]pmtiles.EntryV3{
		{TileID: pmtiles.ZxyToID(0, 0, 0), Offset: 0, Length: uint32(len(t0)), RunLength: 1},
		{TileID: pmtiles.ZxyToID(uint8(StocktonTile.Z), StocktonTile.X, StocktonTile.Y), Offset: uint64(len(t0)), Length: uint32(len(t10)), RunLength: 1},
	}, pmtiles.Gzip)
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
		AddressedTilesCount: 2, TileEntriesCount: 2, TileContentsCount: 2, Clustered: true,
		InternalCompression: pmtiles.Gzip, TileCompression: pmtiles.NoCompression, TileType: pmtiles.Mvt,
		MinZoom: 0, MaxZoom: MaxZoom, MinLonE7: -1800000000, MinLatE7: -850000000, MaxLonE7: 1800000000, MaxLatE7: 850000000,
		CenterZoom: 0, CenterLonE7: -13000000, CenterLatE7: 545600000,
	}
	var buf bytes.Buffer
	buf.Write(pmtiles.SerializeHeader(h))
	buf.Write(root)
	buf.Write(meta)
	buf.Write(tile)
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
