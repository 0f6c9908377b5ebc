package api

import (
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
)

// Document metadata: correspondents, document types and custom fields of
// a space. Access is decided by the document service (its access method).
func (s *Server) registerMetadata() {
	for _, l := range []struct {
		path string
		kind model.LabelKind
	}{{"/api/correspondents", model.Correspondents}, {"/api/document-types", model.DocumentTypes}} {
		k := l.kind
		s.handleFunc("GET "+l.path, s.authed(func(w http.ResponseWriter, r *http.Request, p *Principal) { s.listLabels(w, r, p, k) }))
		s.handleFunc("POST "+l.path, s.authed(func(w http.ResponseWriter, r *http.Request, p *Principal) { s.createLabel(w, r, p, k) }))
		s.handleFunc("PATCH "+l.path+"/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, p *Principal) { s.patchLabel(w, r, p, k) }))
		s.handleFunc("DELETE "+l.path+"/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, p *Principal) { s.deleteLabel(w, r, p, k) }))
	}
	s.handleFunc("GET /api/custom-fields", s.authed(s.listFields))
	s.handleFunc("POST /api/custom-fields", s.authed(s.createField))
	s.handleFunc("PATCH /api/custom-fields/{id}", s.authed(s.patchField))
	s.handleFunc("DELETE /api/custom-fields/{id}", s.authed(s.deleteField))
	s.handleFunc("POST /api/documents/bulk", s.authed(s.bulkDocuments))
	s.handleFunc("GET /api/views", s.authed(s.listViews))
	s.handleFunc("POST /api/views", s.authed(s.createView))
	s.handleFunc("PATCH /api/views/{id}", s.authed(s.patchView))
	s.handleFunc("DELETE /api/views/{id}", s.authed(s.deleteView))
}

// labelKey is the JSON name of a label kind's object.
func labelKey(k model.LabelKind) string {
	if k == model.DocumentTypes {
		return "document_type"
	}
	return "correspondent"
}

type labelJSON struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	SpaceID       string    `json:"space_id"`
	DocumentCount int64     `json:"document_count"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toLabelJSON(l *model.Label) labelJSON {
	return labelJSON{ID: l.ID, Name: l.Name, SpaceID: l.SpaceID, DocumentCount: l.DocumentCount, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// spaceParam reads ?space_id= of a metadata list, refusing other parameters.
func spaceParam(r *http.Request) (string, error) {
	if _, err := pageFrom(r, "space_id"); err != nil {
		return "", err
	}
	return r.URL.Query().Get("space_id"), nil
}

func (s *Server) listLabels(w http.ResponseWriter, r *http.Request, p *Principal, k model.LabelKind) {
	space, err := spaceParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ls, err := s.deps.Documents.ListLabels(r.Context(), actor(r, p), k, space)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]labelJSON, len(ls))
	for i, l := range ls {
		items[i] = toLabelJSON(l)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

type labelBody struct {
	Name    *string `json:"name"`
	SpaceID string  `json:"space_id"`
}

func (s *Server) createLabel(w http.ResponseWriter, r *http.Request, p *Principal, k model.LabelKind) {
	var body labelBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.deps.Documents.CreateLabel(r.Context(), actor(r, p), k, body.Name, body.SpaceID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{labelKey(k): toLabelJSON(l)})
}

func (s *Server) patchLabel(w http.ResponseWriter, r *http.Request, p *Principal, k model.LabelKind) {
	var body struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.deps.Documents.RenameLabel(r.Context(), actor(r, p), k, r.PathValue("id"), body.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{labelKey(k): toLabelJSON(l)})
}

func (s *Server) deleteLabel(w http.ResponseWriter, r *http.Request, p *Principal, k model.LabelKind) {
	if err := s.deps.Documents.DeleteLabel(r.Context(), actor(r, p), k, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type fieldJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"`
	Options   []string  `json:"options"`
	SpaceID   string    `json:"space_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toFieldJSON(f *model.CustomField) fieldJSON {
	opts := f.Options
	if opts == nil {
		opts = []string{}
	}
	return fieldJSON{ID: f.ID, Name: f.Name, Type: f.Type, Options: opts, SpaceID: f.SpaceID, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request, p *Principal) {
	space, err := spaceParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fs, err := s.deps.Documents.ListFields(r.Context(), actor(r, p), space)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]fieldJSON, len(fs))
	for i, f := range fs {
		items[i] = toFieldJSON(f)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

type fieldBody struct {
	Name    *string   `json:"name"`
	Type    *string   `json:"type"`
	Options *[]string `json:"options"`
	SpaceID string    `json:"space_id"`
}

func (s *Server) createField(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body fieldBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.deps.Documents.CreateField(r.Context(), actor(r, p), document.FieldInput(body))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"custom_field": toFieldJSON(f)})
}

func (s *Server) patchField(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Name    *string   `json:"name"`
		Type    *string   `json:"type"`
		Options *[]string `json:"options"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.deps.Documents.UpdateField(r.Context(), actor(r, p), r.PathValue("id"),
		document.FieldInput{Name: body.Name, Type: body.Type, Options: body.Options})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"custom_field": toFieldJSON(f)})
}

func (s *Server) deleteField(w http.ResponseWriter, r *http.Request, p *Principal) {
	if err := s.deps.Documents.DeleteField(r.Context(), actor(r, p), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
