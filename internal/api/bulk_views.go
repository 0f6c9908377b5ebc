package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
)

// bulkDocuments answers POST /api/documents/bulk: one change to many
// documents, all or nothing.
func (s *Server) bulkDocuments(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		DocumentIDs     []string        `json:"document_ids"`
		Action          string          `json:"action"`
		TopicIDs        []string        `json:"topic_ids"`
		CorrespondentID json.RawMessage `json:"correspondent_id"`
		DocumentTypeID  json.RawMessage `json:"document_type_id"`
		FieldID         string          `json:"field_id"`
		Value           json.RawMessage `json:"value"`
		DocumentDate    json.RawMessage `json:"document_date"`
		SpaceID         string          `json:"space_id"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	b := document.Bulk{DocumentIDs: body.DocumentIDs, Action: body.Action, TopicIDs: body.TopicIDs, SpaceID: body.SpaceID}
	var err error
	switch body.Action {
	case "set_correspondent":
		_, b.Meta.CorrespondentID, err = nullableString(body.CorrespondentID, "correspondent_id")
		b.Meta.SetCorrespondent = true
	case "set_document_type":
		_, b.Meta.DocumentTypeID, err = nullableString(body.DocumentTypeID, "document_type_id")
		b.Meta.SetDocumentType = true
	case "set_date":
		_, b.Meta.Date, err = nullableString(body.DocumentDate, "document_date")
		b.Meta.SetDate = true
	case "set_field":
		b.Meta.Fields = []document.FieldSet{{FieldID: body.FieldID, Value: body.Value}}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.deps.Documents.Bulk(r.Context(), actor(r, p), b)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"updated": n})
}

type viewJSON struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Query           map[string]any `json:"query"`
	Sort            string         `json:"sort"`
	ShowOnDashboard bool           `json:"show_on_dashboard"`
	SpaceID         string         `json:"space_id"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

func toViewJSON(v *model.SavedView) viewJSON {
	q := map[string]any{}
	_ = json.Unmarshal([]byte(v.Query), &q) // written by viewBody.input; a bad row shows no filters
	return viewJSON{ID: v.ID, Name: v.Name, Query: q, Sort: v.Sort, ShowOnDashboard: v.ShowOnDashboard, SpaceID: v.SpaceID,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

type viewBody struct {
	Name            *string         `json:"name"`
	Query           *map[string]any `json:"query"`
	Sort            *string         `json:"sort"`
	ShowOnDashboard *bool           `json:"show_on_dashboard"`
	SpaceID         string          `json:"space_id"`
}

// input checks the body's query with the list's own parser and its sort
// against the list's sorts.
func (s *Server) viewInput(r *http.Request, p *Principal, b viewBody) (document.ViewInput, error) {
	in := document.ViewInput{Name: b.Name, Sort: b.Sort, ShowOnDashboard: b.ShowOnDashboard, SpaceID: b.SpaceID}
	if b.Sort != nil && *b.Sort != "" && !slices.Contains(documentSorts, *b.Sort) {
		return in, apperr.Fields("The sort cannot be used.", map[string]string{"sort": strings.Join(documentSorts, ", ")})
	}
	if b.Query != nil {
		q, err := s.viewQuery(r.Context(), p.UserID, *b.Query)
		if err != nil {
			return in, err
		}
		stored := map[string]any{}
		for name, vals := range q {
			if slices.Contains(repeatableFilters, name) {
				stored[name] = vals
			} else {
				stored[name] = vals[0]
			}
		}
		raw, _ := json.Marshal(stored)
		js := string(raw)
		in.Query = &js
	}
	return in, nil
}

func (s *Server) listViews(w http.ResponseWriter, r *http.Request, p *Principal) {
	space, err := spaceParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	vs, err := s.deps.Documents.ListViews(r.Context(), actor(r, p), space)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]viewJSON, len(vs))
	for i, v := range vs {
		items[i] = toViewJSON(v)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) createView(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body viewBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.Query == nil {
		s.writeError(w, r, apperr.Fields("The saved view needs a query.", map[string]string{"query": "An object of list filters ({} for all documents)."}))
		return
	}
	in, err := s.viewInput(r, p, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.deps.Documents.CreateView(r.Context(), actor(r, p), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"view": toViewJSON(v)})
}

func (s *Server) patchView(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body viewBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.SpaceID != "" {
		s.writeError(w, r, apperr.Fields("A view stays in its space.", map[string]string{"space_id": "cannot change"}))
		return
	}
	in, err := s.viewInput(r, p, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.deps.Documents.UpdateView(r.Context(), actor(r, p), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"view": toViewJSON(v)})
}

func (s *Server) deleteView(w http.ResponseWriter, r *http.Request, p *Principal) {
	if err := s.deps.Documents.DeleteView(r.Context(), actor(r, p), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
