package tiles

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// EncodePolygon draws mp (orb.Point{lon, lat}) as the only feature, id 1,
// of tile t, as Render draws areas and zones: for tests of clipping and
// winding on rings the sample data lacks (holes, either orientation).
func EncodePolygon(t Tile, mp orb.MultiPolygon) ([]byte, error) {
	const extent, buffer = 4096, 64
	b := newTileBuilder(extent, buffer)
	f := newFrame(t, extent, buffer)
	wmp := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		for _, r := range p {
			wr := make(orb.Ring, len(r))
			for k, pt := range r {
				wr[k] = world(pt)
			}
			wmp[i] = append(wmp[i], wr)
		}
	}
	if g := b.polygons(&f, wmp); g != nil {
		b.add(1, g, geojson.Properties{})
	}
	return b.encode("test")
}
