package api

import (
	"net/http"
)

func (s *Server) registerMe() {
	s.handleFunc("GET /api/me", s.authed(s.handleGetMe))
	s.handleFunc("PATCH /api/me", s.authed(s.handlePatchMe))
}

func (s *Server) handleGetMe(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := svc.User(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u)})
}

// handlePatchMe changes only the caller's display name; any other field
// (role, quota, email) is an unknown field and refused with 400.
func (s *Server) handlePatchMe(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		DisplayName *string `json:"display_name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := svc.UpdateProfile(r.Context(), p.UserID, in.DisplayName)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(u)})
}
