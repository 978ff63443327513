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
// Viewers of a restricted source get the grid in bands (disclosure.View.Times),
// without the aoristic grid and the peak.
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
	e := s.eng(r.Context())
	tp, err := e.Times(r.Context(), q)
	if err != nil {
		return err
	}
	return s.answer(w, r, e, tp)
}
