package api

import (
	"net/http"
)

// registerSetup adds the public first-run and sign-in page routes.
func (s *Server) registerSetup() {
	s.handleFunc("GET /api/setup", s.handleSetupStatus)
	s.handleFunc("POST /api/setup", s.handleSetup)
	s.handleFunc("GET /api/config", s.handleConfig)
}

func (s *Server) handleSetupStatus(w http.ResponseWriter, r *http.Request) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	needed, err := svc.SetupNeeded(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"needed": needed})
}

// handleSetup creates the first admin with the one-time token from the
// serve log: 201 {user}, 404 when an admin exists, 403 for a wrong token.
func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token       string `json:"token"`
		Email       string `json:"email"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
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
	u, err := svc.CompleteSetup(r.Context(), clientOf(r), in.Token, in.Email, in.Password, in.DisplayName)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": toUserJSON(u)})
}

// handleConfig is what the sign-in page needs to know, without signing in.
func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	open := false
	if s.deps.Accounts != nil {
		open = s.deps.Accounts.RegistrationOpen()
	}
	writeJSON(w, http.StatusOK, map[string]any{"registration_open": open, "oidc_enabled": false, "version": s.deps.Version})
}
