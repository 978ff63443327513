package report

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes t with a header row of its column names, one row per
// feature as the table gives them; null is an empty field.
func WriteCSV(ctx context.Context, w io.Writer, t *Table) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	header := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(t.Cols))
	var buf []byte
	err := t.Each(ctx, func(f *Feature) error {
		f.Full()
		for i, c := range t.Cols {
			rec[i] = cellText(&buf, f.Props[i], c.Type)
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// cellText is a property value as a CSV field.
func cellText(buf *[]byte, v any, typ Type) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return SafeText(x)
	case bool:
		return strconv.FormatBool(x)
	}
	*buf = appendValue((*buf)[:0], v, typ)
	return string(*buf)
}

// SafeText guards a text field against spreadsheet formula injection: a
// value starting with = + - @ or a control character gets a leading
// apostrophe, which Excel and LibreOffice show as text (OWASP "CSV
// Injection"). No name in police.uk or ONS data starts so.
func SafeText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
