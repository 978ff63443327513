package web

import "github.com/go-chi/chi/v5"

// mountTiles adds the vector tile endpoints (/tiles/...) to r.
func (s *Server) mountTiles(r chi.Router) {}
