package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/wroge/wgs84"
)

// British National Grid (EPSG:27700, OSGB36 datum, Airy 1830 ellipsoid,
// transverse Mercator) to and from WGS84.
//
// Method: Ordnance Survey's published 7-parameter Helmert transformation
// between WGS84/ETRS89 and OSGB36 and the OS transverse Mercator projection,
// as implemented by github.com/wroge/wgs84. Ordnance Survey states the
// Helmert transformation is good to about 5 m across Great Britain (3.5 m
// RMS); the tests check it against OS's published OSTN15 test points, where
// it is within 5 m. That is well inside the anonymisation of police.uk points
// (snapped to map points) and the resolution-12 H3 cells (edge ~10 m). The
// exact OSTN15 grid shift (sub-metre) is not used: it needs a 15 MB grid file
// for no gain at this precision.

var (
	bngToWGS84 = wgs84.OSGB36NationalGrid().To(wgs84.LonLat())
	wgs84ToBNG = wgs84.LonLat().To(wgs84.OSGB36NationalGrid())
)

// FromBNG converts British National Grid easting and northing (metres) to
// orb.Point{lon, lat} in WGS84 degrees.
//
// wroge/wgs84 v1.1.7's inverse projection drifts away from the central
// meridian (an integer 3/2 exponent: up to ~30 m in the far west), so its
// answer is only the starting guess: Newton steps on the forward transform,
// which is right, bring the round trip to well under a millimetre.
func FromBNG(easting, northing float64) orb.Point {
	lon, lat, _ := bngToWGS84(easting, northing, 0)
	const h = 1e-6 // degrees, for the finite-difference Jacobian
	for i := 0; i < 4; i++ {
		e, n, _ := wgs84ToBNG(lon, lat, 0)
		de, dn := easting-e, northing-n
		if math.Abs(de) < 1e-5 && math.Abs(dn) < 1e-5 {
			break
		}
		e1, n1, _ := wgs84ToBNG(lon+h, lat, 0)
		e2, n2, _ := wgs84ToBNG(lon, lat+h, 0)
		a, b := (e1-e)/h, (e2-e)/h // dE/dlon, dE/dlat
		c, d := (n1-n)/h, (n2-n)/h // dN/dlon, dN/dlat
		det := a*d - b*c
		if det == 0 || math.IsNaN(det) {
			break
		}
		lon += (d*de - b*dn) / det
		lat += (a*dn - c*de) / det
	}
	return orb.Point{lon, lat}
}

// ToBNG converts orb.Point{lon, lat} in WGS84 degrees to British National Grid
// easting and northing in metres.
func ToBNG(p orb.Point) (easting, northing float64) {
	e, n, _ := wgs84ToBNG(p[0], p[1], 0)
	return e, n
}

// ValidBNG reports whether easting and northing lie in the National Grid's
// extent (0..700 km east, 0..1300 km north).
func ValidBNG(easting, northing float64) bool {
	return !math.IsNaN(easting) && !math.IsNaN(northing) &&
		easting >= 0 && easting <= 700000 && northing >= 0 && northing <= 1300000
}
