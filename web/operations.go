package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/stockton-csp/hotspots/data"
	"github.com/stockton-csp/hotspots/engine"
	"github.com/stockton-csp/hotspots/report"
)

// mountOperations adds the operation endpoints under /api/v1 to r:
//
//	GET    /operations                       list (viewer)
//	POST   /operations                       create from a tasking sheet or drawn zones (analyst)
//	GET    /operations/{id}                  one operation (viewer)
//	GET    /operations/{id}/zones.geojson    its zones (viewer)
//	DELETE /operations/{id}                  remove (analyst)
//	GET    /operations/{id}/evaluation[.csv] did it work? (analyst: exact counts)
func (s *Server) mountOperations(r chi.Router) {
	r.Get("/operations", s.adapt(s.listOperations))
	r.With(s.heavy).Post("/operations", s.adapt(s.createOperation))
	r.Get("/operations/{id}", s.adapt(s.getOperation))
	r.Get("/operations/{id}/zones.geojson", s.adapt(s.operationZones))
	r.Delete("/operations/{id}", s.adapt(s.deleteOperation))
	r.With(s.heavy).Get("/operations/{id}/evaluation", s.adapt(s.operationEvaluation))
	r.With(s.heavy).Get("/operations/{id}/evaluation.csv", s.adapt(s.operationEvaluation))
}

func (s *Server) listOperations(w http.ResponseWriter, r *http.Request) error {
	ops, err := s.engine.Operations(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ops)
	return nil
}

func (s *Server) getOperation(w http.ResponseWriter, r *http.Request) error {
	op, err := s.engine.Operation(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, op)
	return nil
}

func (s *Server) operationZones(w http.ResponseWriter, r *http.Request) error {
	op, err := s.engine.Operation(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", op.ID+"-zones.geojson"))
	return report.WriteOperationZones(w, op)
}

func (s *Server) deleteOperation(w http.ResponseWriter, r *http.Request) error {
	if err := require(r, data.RoleAnalyst, "operation changes"); err != nil {
		return err
	}
	if err := s.engine.DeleteOperation(r.Context(), chi.URLParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// OperationRequest is the body of POST /api/v1/operations: a name, a start month, and either
// FromTasking (the zones of that tasking sheet) or Zones (a GeoJSON FeatureCollection of
// polygons, drawn or uploaded; properties "label" and "owner" are read).
type OperationRequest struct {
	Name        string            `json:"name"`
	Start       string            `json:"start"`
	End         string            `json:"end"`
	Notes       string            `json:"notes"`
	Previous    string            `json:"previous"`
	Owners      map[string]string `json:"owners"`
	Layer       string            `json:"layer"`
	CrimeTypes  []string          `json:"crime_types"`
	FromTasking *struct {
		Layer      string   `json:"layer"`
		From       string   `json:"from"`
		To         string   `json:"to"`
		Res        int      `json:"res"`
		K          int      `json:"k"`
		Top        int      `json:"top"`
		MaxWidth   float64  `json:"max_width"`
		Measure    string   `json:"measure"`
		CrimeTypes []string `json:"crime_types"`
	} `json:"from_tasking"`
	Zones json.RawMessage `json:"zones"`
}

func (s *Server) createOperation(w http.ResponseWriter, r *http.Request) error {
	if err := require(r, data.RoleAnalyst, "operation changes"); err != nil {
		return err
	}
	var req OperationRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.opts.MaxUpload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("the operation is larger than %d bytes", s.opts.MaxUpload)}
		}
		return badRequest("the body is not an operation (%s); send JSON with name, start and from_tasking or zones", userMessage(err))
	}
	month := func(what, v string) (data.Month, error) {
		if strings.TrimSpace(v) == "" {
			return 0, nil
		}
		m, err := data.ParseMonth(v)
		if err != nil {
			return 0, badRequest("%s: %q is not a month; use YYYY-MM, such as 2025-12", what, v)
		}
		return m, nil
	}
	start, err := month("start", req.Start)
	if err != nil {
		return err
	}
	end, err := month("end", req.End)
	if err != nil {
		return err
	}
	var op data.Operation
	switch {
	case req.FromTasking != nil && len(req.Zones) > 0:
		return badRequest("give either from_tasking or zones, not both")
	case req.FromTasking != nil:
		ft := req.FromTasking
		from, err := month("from_tasking.from", ft.From)
		if err != nil {
			return err
		}
		to, err := month("from_tasking.to", ft.To)
		if err != nil {
			return err
		}
		meas, err := engine.ParseMeasure(ft.Measure)
		if err != nil {
			return badRequest("from_tasking.measure: %q is not a measure; use count or harm", ft.Measure)
		}
		layer := ft.Layer
		if layer == "" {
			layer = "wards"
		}
		op, err = s.engine.PlanOperation(r.Context(), engine.PlanQuery{Name: req.Name, Notes: req.Notes, Start: start, End: end,
			Previous: req.Previous, Owners: req.Owners, Tasking: engine.TaskingQuery{Layer: layer, Res: ft.Res, K: ft.K,
				From: from, To: to, Types: ft.CrimeTypes, Measure: meas, Top: ft.Top, MaxWidthM: ft.MaxWidth}})
		if err != nil {
			return err
		}
	case len(req.Zones) > 0:
		zones, err := report.ReadOperationZones(req.Zones)
		if err != nil {
			return badRequest("zones: %s", userMessage(err))
		}
		layer := req.Layer
		if layer == "" {
			layer = "wards"
		}
		op = data.Operation{Name: req.Name, Start: start, End: end, Notes: req.Notes, Previous: req.Previous,
			Layer: layer, Types: req.CrimeTypes, Zones: zones}
	default:
		return badRequest("say where the zones come from: from_tasking (such as {\"layer\": \"wards\", \"from\": \"2025-11\", \"to\": \"2025-11\", \"top\": 10}) or zones (a GeoJSON FeatureCollection of polygons)")
	}
	op, err = s.engine.CreateOperation(r.Context(), op)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/operations/"+op.ID)
	writeJSON(w, http.StatusCreated, op)
	return nil
}

func (s *Server) operationEvaluation(w http.ResponseWriter, r *http.Request) error {
	if err := require(r, data.RoleAnalyst, "operation evaluations (they show exact small counts)"); err != nil {
		return err
	}
	q := engine.EvaluationQuery{ID: chi.URLParam(r, "id")}
	v := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *data.Month
	}{{"before_from", &q.BeforeFrom}, {"before_to", &q.BeforeTo}, {"after_from", &q.AfterFrom}, {"after_to", &q.AfterTo}} {
		if s := strings.TrimSpace(v.Get(p.name)); s != "" {
			m, err := data.ParseMonth(s)
			if err != nil {
				return badRequest("parameter %s: %q is not a month; use YYYY-MM, such as 2025-06", p.name, s)
			}
			*p.dst = m
		}
	}
	if s := strings.TrimSpace(v.Get("buffer_k")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return badRequest("parameter buffer_k: %q is not a whole number", s)
		}
		q.BufferK = n
	}
	if s := strings.TrimSpace(v.Get("control")); s != "" {
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				q.ControlAreas = append(q.ControlAreas, a)
			}
		}
	}
	ev, err := s.engine.EvaluateOperation(r.Context(), q)
	if err != nil {
		return err
	}
	if strings.HasSuffix(r.URL.Path, ".csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", ev.ID+"-evaluation.csv"))
		return report.WriteEvaluationCSV(w, ev)
	}
	writeJSON(w, http.StatusOK, ev)
	return nil
}
