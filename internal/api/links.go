package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/share"
)

func (s *Server) registerLinks() {
	s.handleFunc("POST /api/documents/{id}/links", s.authed(s.createLink))
	s.handleFunc("GET /api/documents/{id}/links", s.authed(s.listLinks))
	s.handleFunc("DELETE /api/links/{id}", s.authed(s.revokeLink))
	// The public side: no session, the token in the path is the credential.
	s.handleFunc("GET /s/{token}", s.sharePage)
	s.handleFunc("GET /s/{token}/download", s.shareDownload)
	s.handleFunc("POST /s/{token}/download", s.shareDownload)
}

func (s *Server) share() (*share.Service, error) {
	if s.deps.Share == nil {
		return nil, apperr.New(apperr.Unavailable, "share links are not configured on this server")
	}
	return s.deps.Share, nil
}

type linkJSON struct {
	ID            string      `json:"id"`
	URL           string      `json:"url,omitempty"` // the secret, at creation only
	DocumentID    string      `json:"document_id"`
	ExpiresAt     *time.Time  `json:"expires_at"`
	HasPassword   bool        `json:"has_password"`
	MaxDownloads  *int        `json:"max_downloads"`
	DownloadCount int         `json:"download_count"`
	CreatedBy     userRefJSON `json:"created_by"`
	CreatedAt     time.Time   `json:"created_at"`
}

func toLinkJSON(l *model.ShareLink) linkJSON {
	return linkJSON{ID: l.ID, DocumentID: l.DocumentID, ExpiresAt: l.ExpiresAt, HasPassword: l.PasswordHash != "",
		MaxDownloads: l.MaxDownloads, DownloadCount: l.DownloadCount,
		CreatedBy: userRefJSON{ID: l.CreatedBy, DisplayName: l.CreatorName}, CreatedAt: l.CreatedAt}
}

func (s *Server) createLink(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		ExpiresAt    *time.Time      `json:"expires_at"`
		Password     *string         `json:"password"`
		MaxDownloads json.RawMessage `json:"max_downloads"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var maxDL *int
	if raw := bytes.TrimSpace(in.MaxDownloads); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			s.writeError(w, r, apperr.Fields("The link cannot be created.",
				map[string]string{"max_downloads": "The download limit must be a whole number."}))
			return
		}
		maxDL = &n
	}
	svc, err := s.share()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, url, err := svc.Create(r.Context(), actor(r, p), r.PathValue("id"), share.CreateInput{
		ExpiresAt: in.ExpiresAt, Password: in.Password, MaxDownloads: maxDL})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := toLinkJSON(l)
	out.URL = url
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"link": out})
}

func (s *Server) listLinks(w http.ResponseWriter, r *http.Request, p *Principal) {
	page, err := pageFrom(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.share()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, next, err := svc.List(r.Context(), actor(r, p), r.PathValue("id"), page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]linkJSON, 0, len(list))
	for _, l := range list {
		items = append(items, toLinkJSON(l))
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) revokeLink(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.share()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.Revoke(r.Context(), actor(r, p), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
