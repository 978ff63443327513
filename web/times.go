package web

import (
	"net/http"
	"strings"

	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/geo"
)

// times answers GET /api/v1/times?layer&area&cells&from&to&types&source:
// when the crimes of an area (or of H3 cells, or everywhere) happened, by
// weekday and hour, with the aoristic grid and the peak.
//
// Viewers get the peak and the totals only: a grid of a small area's crimes
// by the hour holds ones and twos that could single a crime out.
func (s *Server) times(w http.ResponseWriter, r *http.Request) error {
	p, err := readParams(r)
	if err != nil {
		return err
	}
	q := engine.TimeQuery{Layer: layerParam(r), Area: strings.TrimSpace(r.URL.Query().Get("area")), From: p.q.From, To: p.q.To, Types: p.q.Types}
	if cs := strings.TrimSpace(r.URL.Query().Get("cells")); cs != "" {
		for _, c := range strings.Split(cs, ",") {
			cell, err := geo.ParseCell(strings.TrimSpace(c))
			if err != nil {
				return badRequest("parameter cells: %q is not an H3 cell index", c)
			}
			q.Cells = append(q.Cells, cell)
		}
	}
	tp, err := s.eng(r.Context()).Times(r.Context(), q)
	if err != nil {
		return err
	}
	if suppressed(r) {
		out := *tp
		out.Grid, out.Aoristic = [7][24]float64{}, [7][24]float64{}
		out.Notes = append(append([]string(nil), tp.Notes...), "the hour by weekday grid is shown to analysts only; the peak is shown to all")
		writeJSON(w, http.StatusOK, struct {
			engine.TimeProfile
			Grid     any `json:"grid"`
			Aoristic any `json:"aoristic"`
		}{TimeProfile: out})
		return nil
	}
	return s.respond(w, r, http.StatusOK, tp)
}
