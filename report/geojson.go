package report

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb/geojson"
)

// WriteGeoJSON writes t as an RFC 7946 FeatureCollection, feature by feature
// as the table gives them, its Meta as foreign members before the features.
func WriteGeoJSON(ctx context.Context, w io.Writer, t *Table) error {
	return WriteFeatures(w, t.Meta, t.Cols, func(fn func(*Feature) error) error { return t.Each(ctx, fn) })
}

// WriteFeatures writes a FeatureCollection of members and the features that
// each gives, one at a time (a page of OGC API items is written so).
func WriteFeatures(w io.Writer, members []Member, cols []Column, each func(func(*Feature) error) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"FeatureCollection"`)
	for _, m := range members {
		b, err := json.Marshal(m.Value)
		if err != nil {
			return fmt.Errorf("report: member %s: %w", m.Name, err)
		}
		bw.WriteByte(',')
		bw.Write(appendString(nil, m.Name))
		bw.WriteByte(':')
		bw.Write(b)
	}
	bw.WriteString(`,"features":[`)
	first := true
	var buf []byte
	err := each(func(f *Feature) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		var err error
		if buf, err = AppendFeature(buf[:0], f.Full(), cols, nil); err != nil {
			return err
		}
		_, err = bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

// AppendFeature appends f as a GeoJSON Feature; extra members (links) go
// after the properties.
func AppendFeature(b []byte, f *Feature, cols []Column, extra []Member) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendString(b, f.ID)
	b = append(b, `,"geometry":`...)
	if f.Geom == nil {
		b = append(b, "null"...)
	} else {
		g, err := json.Marshal(geojson.NewGeometry(f.Geom))
		if err != nil {
			return b, fmt.Errorf("report: geometry of %s: %w", f.ID, err)
		}
		b = append(b, g...)
	}
	b = append(b, `,"properties":{`...)
	n := 0
	for i, c := range cols {
		if c.CSVOnly {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = appendString(b, c.Name)
		b = append(b, ':')
		b = appendValue(b, f.Props[i], c.Type)
	}
	b = append(b, '}')
	for _, m := range extra {
		v, err := json.Marshal(m.Value)
		if err != nil {
			return b, err
		}
		b = append(b, ',')
		b = appendString(b, m.Name)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// appendValue appends a property value; a number column's values always
// carry a decimal point, so GDAL and QGIS type the column real even when a
// value happens to be whole.
func appendValue(b []byte, v any, typ Type) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		return appendNumber(b, x, typ)
	}
	j, _ := json.Marshal(v)
	return append(b, j...)
}

func appendNumber(b []byte, x float64, typ Type) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	if typ == Integer {
		return strconv.AppendInt(b, int64(math.Round(x)), 10)
	}
	start := len(b)
	b = strconv.AppendFloat(b, x, 'f', -1, 64)
	if !strings.ContainsAny(string(b[start:]), ".eE") {
		b = append(b, ".0"...)
	}
	return b
}

// appendString appends s as a JSON string (invalid UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
