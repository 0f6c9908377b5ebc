package api

import (
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

func (s *Server) registerNotes() {
	s.handleFunc("GET /api/documents/{id}/notes", s.authed(s.listNotes))
	s.handleFunc("POST /api/documents/{id}/notes", s.authed(s.createNote))
	s.handleFunc("DELETE /api/documents/{id}/notes/{note_id}", s.authed(s.deleteNote))
}

type noteJSON struct {
	ID         string       `json:"id"`
	DocumentID string       `json:"document_id"`
	Body       string       `json:"body"`
	Author     *userRefJSON `json:"author"` // null when the author's account is gone
	CreatedAt  time.Time    `json:"created_at"`
}

func toNoteJSON(n *model.Note) noteJSON {
	out := noteJSON{ID: n.ID, DocumentID: n.DocumentID, Body: n.Body, CreatedAt: n.CreatedAt.UTC()}
	if n.AuthorID != "" {
		out.Author = &userRefJSON{ID: n.AuthorID, DisplayName: n.AuthorName}
	}
	return out
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request, p *Principal) {
	pg, err := pageFrom(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	notes, next, err := s.deps.Documents.Notes(r.Context(), actor(r, p), r.PathValue("id"), pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]noteJSON, len(notes))
	for i, n := range notes {
		items[i] = toNoteJSON(n)
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Body *string `json:"body"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.deps.Documents.AddNote(r.Context(), actor(r, p), r.PathValue("id"), body.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"note": toNoteJSON(n)})
}

func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request, p *Principal) {
	if err := s.deps.Documents.DeleteNote(r.Context(), actor(r, p), r.PathValue("id"), r.PathValue("note_id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
