package web

import "github.com/go-chi/chi/v5"

// mountOGC adds OGC API - Features (/ogc/...) to r.
func (s *Server) mountOGC(r chi.Router) {}
