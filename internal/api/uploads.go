package api

import (
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
)

func (s *Server) startUpload(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Filename    string `json:"filename"`
		Title       string `json:"title"`
		Size        int64  `json:"size"`
		ContentType string `json:"content_type"`
		SHA256      string `json:"sha256"`
		SpaceID     string `json:"space_id"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.actorIn(r, p, body.SpaceID, model.RoleEditor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.deps.Documents.StartUpload(r.Context(), a, document.StartRequest{Filename: body.Filename,
		Title: body.Title, Size: body.Size, ContentType: body.ContentType, SHA256: body.SHA256, BaseURL: requestBase(r)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"upload_id": t.UploadID, "document_id": t.DocumentID,
		"method": t.Method, "url": t.URL, "headers": t.Headers, "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339)})
}

// putUploadContent is the local store's stand-in for a presigned PUT: it is
// authorised by the URL's signature, not by a session.
func (s *Server) putUploadContent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	err := s.deps.Documents.PutContent(r.Context(), r.PathValue("id"), q.Get("expires"), q.Get("sig"), r.Body, r.ContentLength)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) completeUpload(w http.ResponseWriter, r *http.Request, p *Principal) {
	allowDup, err := boolQuery(r, "allow_duplicate")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Still an editor of the upload's space (a member removed since the
	// start cannot complete it).
	up, err := s.deps.Store.Upload(r.Context(), p.UserID, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.authorize(r.Context(), p.UserID, up.SpaceID, model.RoleEditor); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.deps.Documents.CompleteUpload(r.Context(), actor(r, p), up.ID, allowDup)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": toDocumentJSON(d)})
}

// requestBase is the scheme and host the client used to reach this server.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
