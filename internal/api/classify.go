package api

import (
	"net/http"

	"github.com/docuvault/docuvault/internal/classify"
)

func (s *Server) registerClassify() {
	s.handleFunc("GET /api/topics/suggestions", s.authed(s.listSuggestions))
	s.handleFunc("POST /api/topics/suggestions/accept", s.authed(s.acceptSuggestion))
	s.handleFunc("GET /api/ai/providers", s.authed(s.listProviders))
	s.handleFunc("GET /api/settings/ai", s.authed(s.getAISettings))
	s.handleFunc("PUT /api/settings/ai", s.authed(s.putAISettings))
	s.handleFunc("POST /api/ai/health", s.authed(s.aiHealth))
}

func (s *Server) listSuggestions(w http.ResponseWriter, r *http.Request, p *Principal) {
	sugs, err := s.deps.Classify.Suggestions(r.Context(), p.UserID, r.URL.Query().Get("document_id"))
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

func (s *Server) acceptSuggestion(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.deps.Classify.AcceptSuggestion(r.Context(), p.UserID, body.Name)
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
