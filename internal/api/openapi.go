package api

import (
	_ "embed"
	"net/http"
)

// openAPI describes every route of the API. TestOpenAPICoversRoutes keeps it
// in step with the registered routes.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPI)
}
