package data

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/stockton-csp/hotspots/geo"
)

// Layer files (layers/G-name.hsa): one area layer, written once, checked by
// a CRC-32C trailer. Stores before manifest format 2 wrote GeoJSON
// (G-name.geojson), which is still read; binary reads about ten times
// faster, which matters at restart for layers of thousands of areas.
//
//	"HSAR" | format u16 | 0 u16
//	nareas u32 | areas: code str | name str | population f64 (NaN: none)
//	         | npolygons u32 | polygons: nrings u32 | rings: npoints u32 | (lon f64, lat f64)*
//	crc32c u32 of all the bytes before it
//
// Little endian; strings are a uvarint length and the bytes.
const (
	layerMagic  = "HSAR"
	layerFormat = 1
)

func writeLayer(w io.Writer, areas []geo.Area) error {
	b := &binWriter{w: bufio.NewWriterSize(w, 1<<16)}
	b.write([]byte(layerMagic))
	b.u16(layerFormat)
	b.u16(0)
	b.u32(uint32(len(areas)))
	var buf []byte
	for _, a := range areas {
		b.str(a.Code)
		b.str(a.Name)
		pop := math.NaN()
		if a.HasPopulation {
			pop = a.Population
		}
		b.u64(math.Float64bits(pop))
		b.u32(uint32(len(a.Geometry)))
		for _, poly := range a.Geometry {
			b.u32(uint32(len(poly)))
			for _, ring := range poly {
				b.u32(uint32(len(ring)))
				buf = buf[:0]
				for _, p := range ring {
					buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(p[0]))
					buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(p[1]))
				}
				b.write(buf)
			}
		}
	}
	return b.finish()
}

var errBadLayerFile = errors.New("not a hotspots layer file")

func readLayer(data []byte) ([]geo.Area, error) {
	if len(data) < 12 || string(data[:4]) != layerMagic {
		return nil, errBadLayerFile
	}
	if v := binary.LittleEndian.Uint16(data[4:6]); v > layerFormat {
		return nil, fmt.Errorf("%w (layer file format %d; this version reads format %d): upgrade hotspots", ErrNewerFormat, v, layerFormat)
	}
	body, tail := data[:len(data)-4], data[len(data)-4:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(tail) {
		return nil, errors.New("checksum mismatch")
	}
	r := &binReader{b: body, off: 8}
	n := int(r.u32())
	if n > len(body)/8 {
		return nil, errors.New("bad area count")
	}
	areas := make([]geo.Area, n)
	for i := range areas {
		a := &areas[i]
		a.Code, a.Name = r.str(), r.str()
		if pop := math.Float64frombits(r.u64()); !math.IsNaN(pop) {
			a.Population, a.HasPopulation = pop, true
		}
		np := int(r.u32())
		if r.err != nil || np > len(body) {
			return nil, errors.New("bad polygon count")
		}
		a.Geometry = make(orb.MultiPolygon, np)
		for pi := range a.Geometry {
			nr := int(r.u32())
			if r.err != nil || nr > len(body) {
				return nil, errors.New("bad ring count")
			}
			poly := make(orb.Polygon, nr)
			for ri := range poly {
				npts := int(r.u32())
				pts := r.take(16 * npts)
				if r.err != nil || npts < 0 {
					return nil, errors.New("bad point count")
				}
				ring := make(orb.Ring, npts)
				for k := range ring {
					ring[k] = orb.Point{math.Float64frombits(binary.LittleEndian.Uint64(pts[16*k:])), math.Float64frombits(binary.LittleEndian.Uint64(pts[16*k+8:]))}
				}
				poly[ri] = ring
			}
			a.Geometry[pi] = poly
		}
		if r.err != nil {
			return nil, r.err
		}
		a.Bound = a.Geometry.Bound()
	}
	if r.off != len(body) {
		return nil, errors.New("trailing bytes")
	}
	return areas, nil
}
