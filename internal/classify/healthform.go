package classify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
)

// HealthOf checks the provider as a settings form describes it, before it is
// saved: the same validation and routing as PutSettings and ProviderFor, so
// the operator's key never goes to a base URL the user typed. A nil APIKey
// means the user's stored key when the stored choice is the same provider.
func (s *Service) HealthOf(ctx context.Context, userID string, in SettingsInput) (HealthResult, error) {
	if !knownProvider(in.Provider) {
		return HealthResult{}, apperr.Fields("Choose a provider.", map[string]string{"provider": "Choose one of local, anthropic, openai, ollama or lmstudio."})
	}
	if len(in.Model) > 200 {
		return HealthResult{}, apperr.Fields("The model name is too long.", map[string]string{"model": "The model name must be at most 200 characters."})
	}
	if in.BaseURL != "" {
		if err := checkBaseURL(in.BaseURL); err != nil {
			return HealthResult{}, err
		}
	}
	var userKey string
	switch {
	case in.APIKey != nil:
		userKey = *in.APIKey
	default:
		if a, err := s.store.AISettings(ctx, userID); err == nil && a.Provider == in.Provider && len(a.APIKey) > 0 {
			key, err := s.sealer.Open(userID, sealPurpose, userID, a.APIKey)
			if err != nil {
				return HealthResult{}, fmt.Errorf("open api key: %w", err)
			}
			userKey = string(key)
		}
	}
	cfg := ProviderConfig{Name: in.Provider, Model: in.Model, BaseURL: in.BaseURL, Timeout: s.timeout}
	if cfg.Name == s.defaults.Provider && cfg.Model == "" {
		cfg.Model = s.defaults.Model
	}
	err := s.route(&cfg, userKey)
	if errors.Is(err, ErrNotConfigured) {
		return HealthResult{Provider: in.Provider, OK: false, Error: err.Error()}, nil
	}
	if err != nil {
		return HealthResult{}, err
	}
	if cfg.Name == "local" {
		cm, err := s.model(ctx, userID)
		if err != nil {
			return HealthResult{}, err
		}
		if cm != nil {
			cfg.LocalModel = cm.model
		}
	}
	p, err := New(cfg)
	if errors.Is(err, ErrNotConfigured) {
		return HealthResult{Provider: in.Provider, OK: false, Error: err.Error()}, nil
	}
	if err != nil {
		return HealthResult{}, err
	}
	start := time.Now()
	herr := p.Health(ctx)
	r := HealthResult{Provider: p.Name(), Model: p.Model(), OK: herr == nil, Latency: time.Since(start)}
	if herr != nil {
		r.Error = herr.Error()
	}
	return r, nil
}
