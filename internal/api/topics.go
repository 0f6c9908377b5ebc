package api

import (
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
)

type topicJSON struct {
	ID            string    `json:"id"`
	SpaceID       string    `json:"space_id"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	Color         string    `json:"color"`
	DocumentCount int64     `json:"document_count"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toTopicJSON(t *model.Topic) topicJSON {
	return topicJSON{ID: t.ID, SpaceID: t.SpaceID, Name: t.Name, Description: t.Description, Color: t.Color,
		DocumentCount: t.DocumentCount, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

type topicBody struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Color       *string `json:"color"`
}

func (s *Server) listTopics(w http.ResponseWriter, r *http.Request, p *Principal) {
	if _, err := pageFrom(r, "space_id"); err != nil {
		s.writeError(w, r, err)
		return
	}
	space, err := s.spaceFilter(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ts, err := s.deps.Store.MemberTopics(r.Context(), p.UserID, space)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]topicJSON, len(ts))
	for i, t := range ts {
		items[i] = toTopicJSON(t)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
}

func (s *Server) createTopic(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Color       *string `json:"color"`
		SpaceID     string  `json:"space_id"`
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
	t, err := s.deps.Documents.CreateTopic(r.Context(), a, document.TopicInput{Name: body.Name, Description: body.Description, Color: body.Color})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"topic": toTopicJSON(t)})
}

func (s *Server) patchTopic(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body topicBody
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.topicAccess(r, p, r.PathValue("id"), model.RoleEditor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err = s.deps.Documents.UpdateTopic(r.Context(), s.inSpace(r, p, t.SpaceID, t.OwnerID), t.ID, document.TopicInput(body))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"topic": toTopicJSON(t)})
}

func (s *Server) deleteTopic(w http.ResponseWriter, r *http.Request, p *Principal) {
	t, err := s.topicAccess(r, p, r.PathValue("id"), model.RoleEditor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deps.Store.DeleteTopic(r.Context(), t.SpaceID, t.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
