package api

import (
	"context"
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/model"
)

func (s *Server) registerClassify() {
	s.handleFunc("GET /api/topics/suggestions", s.authed(s.listSuggestions))
	s.handleFunc("POST /api/topics/suggestions/accept", s.authed(s.acceptSuggestion))
	s.handleFunc("GET /api/ai/providers", s.authed(s.listProviders))
	s.handleFunc("GET /api/settings/ai", s.authed(s.getAISettings))
	s.handleFunc("PUT /api/settings/ai", s.authed(s.putAISettings))
	s.handleFunc("POST /api/ai/health", s.authed(s.aiHealth))
	s.handleFunc("GET /api/classifier", s.authed(s.getClassifier))
	s.handleFunc("POST /api/classifier/train", s.authed(s.trainClassifier))
}

type classificationJSON struct {
	State  string     `json:"state"`
	At     *time.Time `json:"at,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

type candidateJSON struct {
	TopicID    string  `json:"topic_id"`
	Name       string  `json:"name"`
	Confidence float64 `json:"confidence"`
}

// proposalJSON is the local model's answer for a correspondent or type (id, name) or the date (value).
type proposalJSON struct {
	ID         string  `json:"id,omitempty"`
	Name       string  `json:"name,omitempty"`
	Value      string  `json:"value,omitempty"`
	Confidence float64 `json:"confidence"`
	Applied    bool    `json:"applied"`
}

// addProposals fills the items' proposals from their classifications; a correspondent or type
// deleted since is left out.
func (s *Server) addProposals(ctx context.Context, items []documentJSON, cs map[string]*model.Classification) error {
	ids := map[model.LabelKind][]string{}
	for _, c := range cs {
		for _, pr := range c.Proposals {
			if pr.ID != "" {
				k := proposalKind(pr.Kind)
				ids[k] = append(ids[k], pr.ID)
			}
		}
	}
	names := map[model.LabelKind]map[string]model.Label{}
	for k, list := range ids {
		n, err := s.deps.Store.LabelNames(ctx, k, list)
		if err != nil {
			return err
		}
		names[k] = n
	}
	for i := range items {
		it := &items[i]
		c, ok := cs[it.ID]
		if !ok {
			continue
		}
		for _, pr := range c.Proposals {
			p := proposalJSON{ID: pr.ID, Value: pr.Value, Confidence: pr.Confidence, Applied: pr.Applied}
			if pr.ID != "" {
				l, ok := names[proposalKind(pr.Kind)][pr.ID]
				if !ok || l.SpaceID != it.SpaceID {
					continue
				}
				p.Name = l.Name
			}
			if it.Proposals == nil {
				it.Proposals = map[string]proposalJSON{}
			}
			it.Proposals[pr.Kind] = p
		}
	}
	return nil
}

// proposalKind is the label kind a proposal of a correspondent or type names.
func proposalKind(kind string) model.LabelKind {
	if kind == model.ProposalDocumentType {
		return model.DocumentTypes
	}
	return model.Correspondents
}

// addClassification fills each item's classification and candidates. A processed document not
// classified yet is waiting (its job is queued); a failed one has none.
func (s *Server) addClassification(ctx context.Context, userID string, items []documentJSON) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	cs, err := s.deps.Store.Classifications(ctx, userID, ids)
	if err != nil {
		return err
	}
	if err := s.addProposals(ctx, items, cs); err != nil {
		return err
	}
	var names map[string]string
	for i := range items {
		it := &items[i]
		c, ok := cs[it.ID]
		if !ok {
			if it.Status != model.StatusFailed {
				it.Classification = &classificationJSON{State: model.ClassificationWaiting}
			}
			continue
		}
		at := c.At.UTC()
		it.Classification = &classificationJSON{State: c.State, At: &at, Reason: c.Reason}
		if len(c.Candidates) == 0 {
			continue
		}
		if names == nil {
			// Candidates name topics of their document's space: any space the caller is in.
			topics, err := s.deps.Store.MemberTopics(ctx, userID, "")
			if err != nil {
				return err
			}
			names = make(map[string]string, len(topics))
			for _, t := range topics {
				names[t.ID] = t.Name
			}
		}
		it.Candidates = []candidateJSON{}
		for _, cand := range c.Candidates {
			if name, ok := names[cand.TopicID]; ok { // a topic deleted since is left out
				it.Candidates = append(it.Candidates, candidateJSON{TopicID: cand.TopicID, Name: name, Confidence: cand.Confidence})
			}
		}
	}
	return nil
}

// classifierSpace reads the space of a classifier request (default: the caller's personal space)
// and checks the caller has need there: 404 for a space they are not a member of, 403 for too low
// a role.
func (s *Server) classifierSpace(r *http.Request, p *Principal, spaceID string, need model.SpaceRole) (string, error) {
	if spaceID == "" {
		spaceID = p.UserID
	}
	if _, err := s.authorize(r.Context(), p.UserID, spaceID, need); err != nil {
		return "", err
	}
	return spaceID, nil
}

// getClassifier shows the local classifier's state for a space (?space_id=, default the caller's
// personal space): each space has its own model, trained on the labels people gave its documents.
func (s *Server) getClassifier(w http.ResponseWriter, r *http.Request, p *Principal) {
	space, err := s.classifierSpace(r, p, r.URL.Query().Get("space_id"), model.RoleViewer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.deps.Classify.ClassifierState(r.Context(), space)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type topic struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Examples int    `json:"examples"`
		Learned  bool   `json:"learned"`
		Note     string `json:"note,omitempty"`
	}
	states := func(ts []classify.TopicState) []topic {
		out := make([]topic, len(ts))
		for i, t := range ts {
			out[i] = topic{ID: t.ID, Name: t.Name, Examples: t.Examples, Learned: t.Learned, Note: t.Note}
		}
		return out
	}
	var trained *time.Time
	if st.TrainedAt != nil {
		t := st.TrainedAt.UTC()
		trained = &t
	}
	writeJSON(w, http.StatusOK, map[string]any{"space_id": space, "provider": st.Provider, "trained_at": trained,
		"documents_used": st.DocumentsUsed, "topics": states(st.Topics), "stale": st.Stale,
		"correspondents": states(st.Correspondents), "document_types": states(st.DocumentTypes)})
}

// trainClassifier queues a training of a space's model on every labelled, processed document of the
// space: space_id in the JSON body or the query (default the caller's personal space); editor or above.
func (s *Server) trainClassifier(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		SpaceID string `json:"space_id"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if body.SpaceID == "" {
		body.SpaceID = r.URL.Query().Get("space_id")
	}
	space, err := s.classifierSpace(r, p, body.SpaceID, model.RoleEditor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deps.Classify.RequestTraining(r.Context(), space); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "queued", "space_id": space})
}

// listSuggestions lists the topics proposed for a space (?space_id=, default the caller's personal
// space); with ?document_id= only those naming that document.
func (s *Server) listSuggestions(w http.ResponseWriter, r *http.Request, p *Principal) {
	space, err := s.classifierSpace(r, p, r.URL.Query().Get("space_id"), model.RoleViewer)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sugs, err := s.deps.Classify.Suggestions(r.Context(), space, r.URL.Query().Get("document_id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type item struct {
		Name        string   `json:"name"`
		Reason      string   `json:"reason"`
		DocumentIDs []string `json:"document_ids"`
	}
	items := make([]item, len(sugs))
	for i, sg := range sugs {
		items[i] = item{Name: sg.Name, Reason: sg.Reason, DocumentIDs: sg.DocumentIDs}
		if items[i].DocumentIDs == nil {
			items[i].DocumentIDs = []string{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// acceptSuggestion creates a suggested topic in its space (space_id, default the caller's personal
// space; editor or above) and files the suggestion's documents under it.
func (s *Server) acceptSuggestion(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Name    string `json:"name"`
		SpaceID string `json:"space_id"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	space, err := s.classifierSpace(r, p, body.SpaceID, model.RoleEditor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.deps.Classify.AcceptSuggestion(r.Context(), space, body.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"topic": toTopicJSON(t)})
}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request, p *Principal) {
	def, list, err := s.deps.Classify.ProviderList(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type item struct {
		Name       string `json:"name"`
		Model      string `json:"model"`
		Configured bool   `json:"configured"`
		Reason     string `json:"reason,omitempty"`
	}
	items := make([]item, len(list))
	for i, pi := range list {
		items[i] = item{Name: pi.Name, Model: pi.Model, Configured: pi.Configured, Reason: pi.Reason}
	}
	writeJSON(w, http.StatusOK, map[string]any{"default": def, "items": items})
}

func settingsJSON(st classify.Settings) map[string]any {
	return map[string]any{"provider": st.Provider, "model": st.Model, "base_url": st.BaseURL,
		"api_key_set": st.APIKeySet, "system_default": st.Default}
}

func (s *Server) getAISettings(w http.ResponseWriter, r *http.Request, p *Principal) {
	st, err := s.deps.Classify.Settings(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsJSON(st))
}

func (s *Server) putAISettings(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Provider string  `json:"provider"`
		Model    string  `json:"model"`
		APIKey   *string `json:"api_key"`
		BaseURL  string  `json:"base_url"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.deps.Classify.PutSettings(r.Context(), p.UserID, classify.SettingsInput{Provider: body.Provider,
		Model: body.Model, APIKey: body.APIKey, BaseURL: body.BaseURL})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsJSON(st))
}

func (s *Server) aiHealth(w http.ResponseWriter, r *http.Request, p *Principal) {
	// {provider} alone checks that provider as saved or as the server
	// offers it; with any of model, api_key or base_url it checks the
	// settings form's unsaved values, routed by the rules of saving.
	var body struct {
		Provider string  `json:"provider"`
		Model    *string `json:"model"`
		APIKey   *string `json:"api_key"`
		BaseURL  *string `json:"base_url"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var h classify.HealthResult
	var err error
	if body.Model != nil || body.APIKey != nil || body.BaseURL != nil {
		in := classify.SettingsInput{Provider: body.Provider, APIKey: body.APIKey}
		if body.Model != nil {
			in.Model = *body.Model
		}
		if body.BaseURL != nil {
			in.BaseURL = *body.BaseURL
		}
		h, err = s.deps.Classify.HealthOf(r.Context(), p.UserID, in)
	} else {
		h, err = s.deps.Classify.Health(r.Context(), p.UserID, body.Provider)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"provider": h.Provider, "model": h.Model, "ok": h.OK, "latency_ms": h.Latency.Milliseconds()}
	if h.Error != "" {
		out["error"] = h.Error
	}
	writeJSON(w, http.StatusOK, out)
}
