package api

import (
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

func (s *Server) registerTokens() {
	s.handleFunc("POST /api/tokens", s.authed(s.handleCreateToken))
	s.handleFunc("GET /api/tokens", s.authed(s.handleListTokens))
	s.handleFunc("DELETE /api/tokens/{id}", s.authed(s.handleDeleteToken))
}

type apiTokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"` // the secret, at creation only
}

func toAPITokenJSON(t *model.APIToken) apiTokenJSON {
	return apiTokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt}
}

func (s *Server) handleCreateToken(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Name      string     `json:"name"`
		ExpiresAt *time.Time `json:"expires_at"`
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
	t, secret, err := svc.CreateAPIToken(r.Context(), clientOf(r), p.UserID, in.Name, in.ExpiresAt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := toAPITokenJSON(t)
	out.Token = secret
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleListTokens(w http.ResponseWriter, r *http.Request, p *Principal) {
	page, err := pageFrom(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, next, err := svc.ListAPITokens(r.Context(), p.UserID, page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]apiTokenJSON, 0, len(list))
	for _, t := range list {
		items = append(items, toAPITokenJSON(t))
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) handleDeleteToken(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.DeleteAPIToken(r.Context(), clientOf(r), p.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
