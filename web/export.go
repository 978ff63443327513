package web

import "github.com/go-chi/chi/v5"

// mountExports adds the export endpoints under /api/v1 to r.
func (s *Server) mountExports(r chi.Router) {}
