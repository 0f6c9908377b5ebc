package classify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/classify/local"
	"github.com/docuvault/docuvault/internal/store"
)

// Sealer encrypts per-user secrets at rest (the cloud package's AES-GCM
// sealer under a key derived from CLOUD_CREDS_KEY).
type Sealer interface {
	Seal(userID, purpose, id string, plaintext []byte) ([]byte, error)
	Open(userID, purpose, id string, sealed []byte) ([]byte, error)
}

// sealPurpose names API keys among the sealed secrets.
const sealPurpose = "ai-key" // seal.PurposeAIKey

// Defaults are the system-wide choices from the environment. The operator's
// endpoints are trusted: they are reached without the SSRF guard, and the
// system keys go nowhere else.
type Defaults struct {
	Provider     string // DEFAULT_AI_PROVIDER
	Model        string // DEFAULT_AI_MODEL
	AnthropicKey string // ANTHROPIC_API_KEY
	OpenAIKey    string // OPENAI_API_KEY
	AnthropicURL string // ANTHROPIC_BASE_URL; empty: Anthropic's API
	OpenAIURL    string // OPENAI_BASE_URL; empty: OpenAI's API
	OllamaURL    string // OLLAMA_BASE_URL; empty: ollama is unavailable without a user's base URL
	LMStudioURL  string // LMSTUDIO_BASE_URL; empty: lmstudio is unavailable without a user's base URL
}

// operator returns the system key and the endpoint the operator set for a provider.
func (d Defaults) operator(name string) (key, baseURL string) {
	switch name {
	case "anthropic":
		return d.AnthropicKey, d.AnthropicURL
	case "openai":
		return d.OpenAIKey, d.OpenAIURL
	case "ollama":
		return "", d.OllamaURL
	case "lmstudio":
		return "", d.LMStudioURL
	}
	return "", ""
}

// needsKey reports whether a provider needs an API key; localServer whether
// it is a server with no address of its own, which the operator names.
func needsKey(name string) bool    { return name == "anthropic" || name == "openai" }
func localServer(name string) bool { return name == "ollama" || name == "lmstudio" }

// urlVariable names the setting of a local server's address, for messages.
func urlVariable(name string) string { return strings.ToUpper(name) + "_BASE_URL" }

// Service classifies stored documents with each user's provider, trains
// the local classifier from their own assignments, and keeps suggestions.
type Service struct {
	store    *store.Store
	sealer   Sealer
	defaults Defaults
	log      *slog.Logger
	// guarded is the SSRF-guarded client for user-supplied base URLs; nil
	// uses the default client.
	guarded *http.Client
	timeout time.Duration

	trainMu sync.Map // user id -> *sync.Mutex: one training per user at a time
}

// NewService builds the service.
func NewService(st *store.Store, sealer Sealer, d Defaults, guarded *http.Client, log *slog.Logger) *Service {
	if d.Provider == "" {
		d.Provider = "local"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, sealer: sealer, defaults: d, guarded: guarded, log: log, timeout: DefaultTimeout}
}

// Providers are the names a user may choose.
var Providers = []string{"local", "anthropic", "openai", "ollama", "lmstudio"}

func knownProvider(name string) bool {
	for _, p := range Providers {
		if p == name {
			return true
		}
	}
	return false
}

// Settings is a user's choice as shown to them (the key never leaves).
type Settings struct {
	Provider  string
	Model     string
	BaseURL   string
	APIKeySet bool
	Default   bool // true when the user never chose and the system default applies
}

// Settings returns the user's choice or the system default.
func (s *Service) Settings(ctx context.Context, userID string) (Settings, error) {
	a, err := s.store.AISettings(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return Settings{Provider: s.defaults.Provider, Model: s.defaults.Model, Default: true}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	return Settings{Provider: a.Provider, Model: a.Model, BaseURL: a.BaseURL, APIKeySet: len(a.APIKey) > 0}, nil
}

// SettingsInput changes the user's choice; a nil APIKey keeps the stored one,
// an empty one removes it.
type SettingsInput struct {
	Provider string
	Model    string
	APIKey   *string
	BaseURL  string
}

// PutSettings validates and stores the user's choice, sealing the key.
func (s *Service) PutSettings(ctx context.Context, userID string, in SettingsInput) (Settings, error) {
	if !knownProvider(in.Provider) {
		return Settings{}, apperr.Fields("Choose a provider.", map[string]string{"provider": "Choose one of local, anthropic, openai, ollama or lmstudio."})
	}
	if len(in.Model) > 200 {
		return Settings{}, apperr.Fields("The model name is too long.", map[string]string{"model": "The model name must be at most 200 characters."})
	}
	if in.BaseURL != "" {
		if err := checkBaseURL(in.BaseURL); err != nil {
			return Settings{}, err
		}
	}
	a := &store.AISettings{UserID: userID, Provider: in.Provider, Model: in.Model, BaseURL: in.BaseURL}
	switch {
	case in.APIKey == nil:
		if old, err := s.store.AISettings(ctx, userID); err == nil {
			a.APIKey = old.APIKey
		}
	case *in.APIKey != "":
		if len(*in.APIKey) > 1000 {
			return Settings{}, apperr.Fields("The API key is too long.", map[string]string{"api_key": "The API key must be at most 1000 characters."})
		}
		sealed, err := s.sealer.Seal(userID, sealPurpose, userID, []byte(*in.APIKey))
		if err != nil {
			return Settings{}, fmt.Errorf("seal api key: %w", err)
		}
		a.APIKey = sealed
	}
	// The system key never goes to a URL a user chose, and a local server is one the operator named.
	if in.BaseURL != "" && needsKey(in.Provider) && len(a.APIKey) == 0 {
		return Settings{}, apperr.Fields("A base URL of your own needs your own API key.",
			map[string]string{"api_key": "Enter your own API key: this server's key only goes to " + in.Provider + "'s own endpoint."})
	}
	if _, sysURL := s.defaults.operator(in.Provider); in.BaseURL == "" && localServer(in.Provider) && sysURL == "" {
		return Settings{}, apperr.Fields(in.Provider+" is not available on this server.",
			map[string]string{"base_url": "Enter the address of your " + in.Provider + " server: this server names none (" + urlVariable(in.Provider) + ")."})
	}
	if err := s.store.PutAISettings(ctx, a); err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx, userID)
}

// checkBaseURL accepts absolute http(s) URLs; the guarded client checks the
// address at dial time.
func checkBaseURL(raw string) error {
	u, err := parseHTTPURL(raw)
	if err != nil || u == nil {
		return apperr.Fields("The base URL is not valid.", map[string]string{"base_url": "Enter a full address starting with http:// or https://."})
	}
	return nil
}

// ProviderFor builds the user's provider (name "" means their own choice).
func (s *Service) ProviderFor(ctx context.Context, userID, name string) (Provider, error) {
	set, err := s.Settings(ctx, userID)
	if err != nil {
		return nil, err
	}
	cfg := ProviderConfig{Name: set.Provider, Model: set.Model, BaseURL: set.BaseURL, Timeout: s.timeout}
	if name != "" && name != set.Provider {
		cfg = ProviderConfig{Name: name, Timeout: s.timeout}
	}
	if cfg.Name == s.defaults.Provider && cfg.Model == "" {
		cfg.Model = s.defaults.Model
	}
	var userKey string
	if cfg.Name == set.Provider && !set.Default {
		if a, err := s.store.AISettings(ctx, userID); err == nil && len(a.APIKey) > 0 {
			key, err := s.sealer.Open(userID, sealPurpose, userID, a.APIKey)
			if err != nil {
				return nil, fmt.Errorf("open api key: %w", err)
			}
			userKey = string(key)
		}
	}
	if err := s.route(&cfg, userKey); err != nil {
		return nil, err
	}
	if cfg.Name == "local" || cfg.Name == "" {
		m, err := s.model(ctx, userID)
		if err != nil {
			return nil, err
		}
		cfg.LocalModel = m
	}
	return New(cfg)
}

// route sets where cfg's requests go, with which key and client. A base URL
// the user chose is reached through the SSRF-guarded client with the user's
// own key or none: the system key goes only to the provider's own endpoint or
// the one the operator set, which is trusted (no guard). ollama and lmstudio
// have no endpoint unless the user or the operator names one. It returns
// ErrNotConfigured when the provider cannot be used so.
func (s *Service) route(cfg *ProviderConfig, userKey string) error {
	sysKey, sysURL := s.defaults.operator(cfg.Name)
	if cfg.BaseURL != "" {
		cfg.APIKey, cfg.HTTPClient = userKey, s.guarded
		if needsKey(cfg.Name) && userKey == "" {
			return fmt.Errorf("%w: %s at your own base URL needs your own API key", ErrNotConfigured, cfg.Name)
		}
		return nil
	}
	if localServer(cfg.Name) && sysURL == "" {
		return fmt.Errorf("%w: %s is not available on this server (no %s); set your own base URL", ErrNotConfigured,
			cfg.Name, urlVariable(cfg.Name))
	}
	cfg.BaseURL, cfg.APIKey = sysURL, userKey
	if cfg.APIKey == "" {
		cfg.APIKey = sysKey
	}
	return nil
}

// model returns the user's local model, training it first when it is
// missing or stale. nil means there is nothing to learn from yet.
func (s *Service) model(ctx context.Context, userID string) (*local.Model, error) {
	mu, _ := s.trainMu.LoadOrStore(userID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	stored, err := s.store.ClassifierModel(ctx, userID)
	if err == nil && !stored.Stale {
		var m local.Model
		if err := m.UnmarshalBinary(stored.Data); err == nil {
			return &m, nil
		}
		s.log.Warn("stored classifier model unreadable; retraining", "user", userID)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return s.Train(ctx, userID)
}

// Train fits the user's local classifier on the documents they filed
// themselves and stores it. It returns nil, nil when they filed none.
func (s *Service) Train(ctx context.Context, userID string) (*local.Model, error) {
	ex, err := s.store.TrainingExamples(ctx, userID, 64<<10)
	if err != nil {
		return nil, err
	}
	if len(ex) == 0 {
		return nil, nil
	}
	in := make([]local.Example, len(ex))
	for i, e := range ex {
		in[i] = local.Example{Text: e.Text, TopicIDs: e.TopicIDs}
	}
	start := time.Now()
	m, err := local.Train(in)
	if err != nil {
		return nil, fmt.Errorf("train classifier: %w", err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if err := s.store.SaveClassifierModel(ctx, userID, data, len(ex)); err != nil {
		return nil, err
	}
	s.log.Info("classifier trained", "user", userID, "documents", len(ex), "duration", time.Since(start))
	return m, nil
}

// ClassifyDocument assigns topics to one ready document with its owner's
// provider. A provider failure is written on the document (which stays
// ready); temporary failures are returned so the job retries.
func (s *Service) ClassifyDocument(ctx context.Context, documentID string) error {
	d, err := s.store.DocumentForJob(ctx, documentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status != store.StatusReady || d.DeletedAt != nil {
		return nil
	}
	topics, err := s.store.ListTopics(ctx, d.OwnerID)
	if err != nil {
		return err
	}
	text, err := s.store.RawDocumentText(ctx, d.ID)
	if err != nil {
		return err
	}
	p, err := s.ProviderFor(ctx, d.OwnerID, "")
	if err == nil && len(topics) > 0 {
		req := Request{Title: d.Title, Text: text}
		for _, t := range topics {
			req.Topics = append(req.Topics, Topic{ID: t.ID, Name: t.Name, Description: t.Description})
		}
		var res Result
		res, err = p.Classify(ctx, req)
		if err == nil {
			as := make([]store.AITopic, len(res.Assignments))
			for i, a := range res.Assignments {
				as[i] = store.AITopic{TopicID: a.TopicID, Confidence: a.Confidence}
			}
			if err := s.store.SetAITopics(ctx, d.ID, as); err != nil {
				return err
			}
			if err := s.addSuggestions(ctx, d.OwnerID, d.ID, res.Suggestions); err != nil {
				return err
			}
		}
	}
	if err != nil {
		msg := "classification failed: " + err.Error()
		if ctx.Err() != nil {
			msg = "classification failed: it took longer than the job's time limit"
		}
		// Written even when the job's time is up, so the document says why.
		if serr := s.store.SetDocumentError(context.WithoutCancel(ctx), d.ID, msg); serr != nil {
			return serr
		}
		if errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) {
			return err // retried by the job with backoff
		}
		s.log.Warn("classification failed", "document", d.ID, "error", err)
		return nil
	}
	return s.store.SetDocumentError(ctx, d.ID, "")
}

func (s *Service) addSuggestions(ctx context.Context, owner, docID string, sugs []Suggestion) error {
	if len(sugs) == 0 {
		return nil
	}
	out := make([]store.TopicSuggestion, len(sugs))
	for i, sg := range sugs {
		ids := sg.DocumentIDs
		if len(ids) == 0 {
			ids = []string{docID}
		}
		out[i] = store.TopicSuggestion{Name: sg.Name, Reason: sg.Reason, DocumentIDs: ids}
	}
	return s.store.AddSuggestions(ctx, owner, out)
}

// Suggestions lists proposed topics: those providers made while
// classifying, and the local classifier's groups of unfiled documents.
func (s *Service) Suggestions(ctx context.Context, userID, documentID string) ([]store.TopicSuggestion, error) {
	docs, err := s.store.UnfiledDocuments(ctx, userID, 2000, 16<<10)
	if err != nil {
		return nil, err
	}
	if len(docs) > 0 {
		in := make([]Doc, len(docs))
		for i, d := range docs {
			in[i] = Doc{ID: d.ID, Title: d.Title, Text: d.Text}
		}
		sugs, err := NewLocal(nil).Suggest(ctx, in)
		if err != nil {
			return nil, err
		}
		if err := s.addSuggestions(ctx, userID, "", sugs); err != nil {
			return nil, err
		}
	}
	return s.store.Suggestions(ctx, userID, documentID)
}

// AcceptSuggestion creates the suggested topic and files its documents under it.
func (s *Service) AcceptSuggestion(ctx context.Context, userID, name string) (*store.Topic, error) {
	var topic *store.Topic
	err := s.store.WithTx(ctx, func(tx *store.Store) error {
		sg, err := tx.TakeSuggestion(ctx, userID, name)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.New(apperr.NotFound, "there is no suggested topic named %q", name)
		}
		if err != nil {
			return err
		}
		topic = &store.Topic{OwnerID: userID, Name: sg.Name, Description: sg.Reason}
		if err := tx.CreateTopic(ctx, topic); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return apperr.New(apperr.Conflict, "you already have a topic named %q", sg.Name)
			}
			return err
		}
		for _, id := range sg.DocumentIDs {
			if err := tx.AddUserTopic(ctx, userID, id, topic.ID); err != nil {
				return err
			}
		}
		return tx.MarkClassifierStale(ctx, userID)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Topic(ctx, userID, topic.ID)
}

// HealthResult is the outcome of a provider check.
type HealthResult struct {
	Provider string
	Model    string
	OK       bool
	Latency  time.Duration
	Error    string
}

// Health checks the user's provider (or the named one).
func (s *Service) Health(ctx context.Context, userID, name string) (HealthResult, error) {
	p, err := s.ProviderFor(ctx, userID, name)
	if err != nil {
		if errors.Is(err, ErrNotConfigured) || errors.Is(err, ErrUnknownProvider) {
			if name == "" {
				if set, serr := s.Settings(ctx, userID); serr == nil {
					name = set.Provider
				}
			}
			return HealthResult{Provider: name, OK: false, Error: err.Error()}, nil
		}
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

// ProviderInfo describes one provider for the user; Reason says why one is
// not configured.
type ProviderInfo struct {
	Name       string
	Model      string
	Configured bool
	Reason     string
}

// ProviderList says which providers the user can use.
func (s *Service) ProviderList(ctx context.Context, userID string) (string, []ProviderInfo, error) {
	set, err := s.Settings(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	var out []ProviderInfo
	for _, name := range Providers {
		info := ProviderInfo{Name: name, Configured: true}
		switch name {
		case "local":
			info.Model = LocalModelName
		case "anthropic":
			info.Model = DefaultAnthropicModel
		case "openai":
			info.Model = DefaultOpenAIModel
		case "ollama":
			info.Model = DefaultOllamaModel
		case "lmstudio":
			info.Model = DefaultLMStudioModel
		}
		mine := name == set.Provider && !set.Default
		sysKey, sysURL := s.defaults.operator(name)
		switch {
		case mine && set.BaseURL != "" && needsKey(name):
			info.Configured = set.APIKeySet
			info.Reason = "your own base URL needs your own API key"
		case needsKey(name):
			info.Configured = sysKey != "" || (mine && set.APIKeySet)
			info.Reason = "this server has no " + strings.ToUpper(name) + "_API_KEY: give your own API key"
		case localServer(name):
			info.Configured = sysURL != "" || (mine && set.BaseURL != "")
			info.Reason = "this server names no " + name + " server (" + urlVariable(name) + "): give your own base URL"
		}
		if info.Configured {
			info.Reason = ""
		}
		if name == set.Provider && set.Model != "" {
			info.Model = set.Model
		}
		out = append(out, info)
	}
	return set.Provider, out, nil
}
