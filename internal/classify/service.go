package classify

import (
	"container/list"
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
	"github.com/docuvault/docuvault/internal/model"
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
	if p, ok := spec(name); ok {
		return p.operator(d)
	}
	return "", ""
}

// needsKey reports whether a provider needs an API key; localServer whether
// it is a server with no address of its own, which the operator names.
func needsKey(name string) bool    { p, _ := spec(name); return p.needsKey }
func localServer(name string) bool { p, _ := spec(name); return p.localServer }

// urlVariable names the setting of a local server's address, for messages.
func urlVariable(name string) string { return strings.ToUpper(name) + "_BASE_URL" }

// Store is the part of *store.Store the Service uses outside its
// transactions (inside them it works on the transaction's *store.Store).
type Store interface {
	// Documents.
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
	RawDocumentText(ctx context.Context, id string) (string, error)
	UnfiledDocuments(ctx context.Context, spaceID string, limit, maxText int) ([]store.UnfiledDoc, error)
	SetClassification(ctx context.Context, docID string, c model.Classification) error
	SetAITopics(ctx context.Context, docID string, topics []model.AITopic) error
	SetDocumentError(ctx context.Context, id, msg string) error

	// Spaces and topics.
	SpaceByID(ctx context.Context, id string) (*model.Space, error)
	ListTopics(ctx context.Context, spaceID string) ([]*model.Topic, error)
	Topic(ctx context.Context, spaceID, id string) (*model.Topic, error)

	// Labels and their generation.
	ListLabels(ctx context.Context, k model.LabelKind, spaceIDs []string) ([]*model.Label, error)
	SetAutoLabel(ctx context.Context, k model.LabelKind, docID, labelID string) (bool, error)
	LabelGeneration(ctx context.Context, spaceID string) (int64, time.Time, error)
	BumpLabelGeneration(ctx context.Context, spaceID string) error
	DocumentsToReclassify(ctx context.Context, spaceID string, generation int64) ([]string, error)

	// Topic suggestions.
	Suggestions(ctx context.Context, spaceID, documentID string) ([]model.TopicSuggestion, error)
	AddSuggestions(ctx context.Context, spaceID string, sugs []model.TopicSuggestion) error

	// Training and the local classifier's models.
	TrainingExamples(ctx context.Context, spaceID string, maxText int) ([]model.TrainingExample, error)
	LabelExamples(ctx context.Context, k model.LabelKind, spaceID string, maxText int) ([]model.TrainingExample, error)
	DueTrainings(ctx context.Context, settledBefore time.Time) ([]string, error)
	ClassifierModel(ctx context.Context, spaceID string) (*model.ClassifierModel, error)
	ClassifierModelVersion(ctx context.Context, spaceID string) (int64, error)
	SaveClassifierModels(ctx context.Context, spaceID string, m *model.ClassifierModel) (bool, error)

	// AI settings.
	AISettings(ctx context.Context, userID string) (*model.AISettings, error)
	PutAISettings(ctx context.Context, a *model.AISettings) error

	// Transactions.
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// Service classifies stored documents with the provider of their space's owner, trains each space's
// local classifier from the assignments people made there, and keeps suggestions per space.
type Service struct {
	store    Store
	sealer   Sealer
	defaults Defaults
	log      *slog.Logger
	// guarded is the SSRF-guarded client for user-supplied base URLs; nil
	// uses the default client.
	guarded *http.Client
	timeout time.Duration

	trainMu sync.Map // space id -> *sync.Mutex: one training per space at a time
	models  modelCache
	jobs    Enqueuer
	// afterExamples, when set (tests), runs between reading the training examples and saving the model.
	afterExamples func()
}

// Enqueuer queues the service's background work; without one (tests, tools) training runs in the
// caller and nothing is reclassified after it.
type Enqueuer interface {
	EnqueueClassify(ctx context.Context, tx *store.Store, documentID string) error
	EnqueueTrain(ctx context.Context, spaceID string) error
}

// SetEnqueuer sets where trainings and reclassifications are queued.
func (s *Service) SetEnqueuer(e Enqueuer) { s.jobs = e }

// modelCacheSize is how many spaces' decoded models a node keeps (a model of 10,000 documents holds
// about 10 MB); the least recently used one goes first.
const modelCacheSize = 32

// modelCache keeps the most recently used spaces' models.
type modelCache struct {
	mu    sync.Mutex
	order *list.List // of *cacheEntry, most recent first
	byID  map[string]*list.Element
}

type cacheEntry struct {
	spaceID string
	model   *cachedModel
}

func (c *modelCache) get(spaceID string) *cachedModel {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[spaceID]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).model
	}
	return nil
}

func (c *modelCache) put(spaceID string, m *cachedModel) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.order, c.byID = list.New(), map[string]*list.Element{}
	}
	if e, ok := c.byID[spaceID]; ok {
		e.Value.(*cacheEntry).model = m
		c.order.MoveToFront(e)
		return
	}
	c.byID[spaceID] = c.order.PushFront(&cacheEntry{spaceID: spaceID, model: m})
	for c.order.Len() > modelCacheSize {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byID, last.Value.(*cacheEntry).spaceID)
	}
}

// cachedModel is a space's decoded model as stored at version; model is nil when there was nothing to
// learn from.
type cachedModel struct {
	version, generation int64
	model               *local.Model
	// labels are the models of the space's correspondents and document types (nil: none learned).
	labels labelModels
}

// NewService builds the service.
func NewService(st Store, sealer Sealer, d Defaults, guarded *http.Client, log *slog.Logger) *Service {
	if d.Provider == "" {
		d.Provider = "local"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, sealer: sealer, defaults: d, guarded: guarded, log: log, timeout: DefaultTimeout}
}

func knownProvider(name string) bool {
	_, ok := spec(name)
	return ok && name != ""
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
		return Settings{}, apperr.Fields("Choose a provider.", map[string]string{"provider": "Choose one of " + strings.Join(Providers, ", ") + "."})
	}
	if len(in.Model) > 200 {
		return Settings{}, apperr.Fields("The model name is too long.", map[string]string{"model": "The model name must be at most 200 characters."})
	}
	if in.BaseURL != "" {
		if err := checkBaseURL(in.BaseURL); err != nil {
			return Settings{}, err
		}
	}
	a := &model.AISettings{UserID: userID, Provider: in.Provider, Model: in.Model, BaseURL: in.BaseURL}
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

// ProviderFor builds the user's provider (name "" means their own choice); a local one uses the
// model of the user's personal space.
func (s *Service) ProviderFor(ctx context.Context, userID, name string) (Provider, error) {
	p, _, err := s.providerFor(ctx, userID, userID, name)
	return p, err
}

// providerFor builds userID's provider (the space's owner: their choice and key serve the space)
// and, for the local one, returns the space's cached model it uses (nil when none was ever stored).
func (s *Service) providerFor(ctx context.Context, userID, spaceID, name string) (Provider, *cachedModel, error) {
	set, err := s.Settings(ctx, userID)
	if err != nil {
		return nil, nil, err
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
				return nil, nil, fmt.Errorf("open api key: %w", err)
			}
			userKey = string(key)
		}
	}
	if err := s.route(&cfg, userKey); err != nil {
		return nil, nil, err
	}
	var cm *cachedModel
	if cfg.Name == "local" || cfg.Name == "" {
		if cm, err = s.model(ctx, spaceID); err != nil {
			return nil, nil, err
		}
		if cm != nil {
			cfg.LocalModel = cm.model
		}
	}
	p, err := New(cfg)
	return p, cm, err
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

// TrainDelay is how long a space's labels must stay unchanged before their model is retrained: a
// burst of uploads or re-filings costs one training, run when it is over.
const TrainDelay = 10 * time.Second

// Candidates of the local model: at most maxCandidates topics with at least candidateFloor confidence.
const (
	maxCandidates  = 5
	candidateFloor = 0.05
)

// model returns the space's stored model, decoded once and kept in memory: each use costs one cheap
// query for the stored version, and a newer model saved by any node replaces the cached one. It never
// trains (TrainDue and RequestTraining do); nil means no model was ever stored.
func (s *Service) model(ctx context.Context, spaceID string) (*cachedModel, error) {
	v, err := s.store.ClassifierModelVersion(ctx, spaceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c := s.models.get(spaceID); c != nil && c.version == v {
		return c, nil
	}
	stored, err := s.store.ClassifierModel(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	c := &cachedModel{version: stored.Version, generation: stored.Generation}
	var decodeErr error
	if len(stored.Data) > 0 {
		var m local.Model
		if decodeErr = m.UnmarshalBinary(stored.Data); decodeErr == nil {
			c.model = &m
		}
	}
	if c.labels, err = decodeLabels(stored); err != nil {
		decodeErr = err
	}
	if decodeErr != nil {
		// Unreadable (e.g. from a newer build): count it as changed labels so it is retrained.
		s.log.Warn("stored classifier model unreadable; retraining", "space", spaceID, "error", decodeErr)
		if err := s.store.BumpLabelGeneration(ctx, spaceID); err != nil {
			return nil, err
		}
	}
	s.models.put(spaceID, c)
	return c, nil
}

// TrainDue trains every space whose labels changed since its model was trained and have not changed
// for TrainDelay before now; it returns how many it trained. The jobs engine runs it every few
// seconds on one node.
func (s *Service) TrainDue(ctx context.Context, now time.Time) (int, error) {
	spaces, err := s.store.DueTrainings(ctx, now.Add(-TrainDelay))
	if err != nil {
		return 0, err
	}
	for i, sp := range spaces {
		if _, err := s.Train(ctx, sp); err != nil {
			return i, fmt.Errorf("train %s: %w", sp, err)
		}
	}
	return len(spaces), nil
}

// TrainingDue reports whether TrainDue(now) would train any space (a cheap check before queueing it).
func (s *Service) TrainingDue(ctx context.Context, now time.Time) (bool, error) {
	spaces, err := s.store.DueTrainings(ctx, now.Add(-TrainDelay))
	return len(spaces) > 0, err
}

// RequestTraining trains the space's model now: queued when the service has an Enqueuer, else at
// once. The caller has checked the requester may (editor of the space).
func (s *Service) RequestTraining(ctx context.Context, spaceID string) error {
	if s.jobs != nil {
		return s.jobs.EnqueueTrain(ctx, spaceID)
	}
	_, err := s.Train(ctx, spaceID)
	return err
}

// Train fits the space's local classifier on every labelled, processed document of the space and
// stores it with the label generation it read (read before the examples, so a label changed while it
// trains leaves the model stale). Documents waiting for a model, or answered by an older one, are
// queued for classification again. It returns nil, nil when nobody labelled anything there.
func (s *Service) Train(ctx context.Context, spaceID string) (*local.Model, error) {
	mu, _ := s.trainMu.LoadOrStore(spaceID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	gen, _, err := s.store.LabelGeneration(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	ex, err := s.store.TrainingExamples(ctx, spaceID, 64<<10)
	if err != nil {
		return nil, err
	}
	if s.afterExamples != nil {
		s.afterExamples()
	}
	start := time.Now()
	var m *local.Model
	var data []byte
	if len(ex) > 0 {
		in := make([]local.Example, len(ex))
		for i, e := range ex {
			in[i] = local.Example{Text: e.Text, TopicIDs: e.TopicIDs}
		}
		if m, err = local.Train(in); err != nil {
			return nil, fmt.Errorf("train classifier: %w", err)
		}
		if data, err = m.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	stored := &model.ClassifierModel{Data: data, ExampleCount: len(ex), Generation: gen}
	if err := s.trainLabels(ctx, spaceID, stored); err != nil {
		return nil, err
	}
	saved, err := s.store.SaveClassifierModels(ctx, spaceID, stored)
	if err != nil {
		return nil, err
	}
	s.log.Info("classifier trained", "space", spaceID, "documents", len(ex), "generation", gen, "saved", saved,
		"duration", time.Since(start))
	if saved && s.jobs != nil {
		ids, err := s.store.DocumentsToReclassify(ctx, spaceID, gen)
		if err != nil {
			return nil, err
		}
		err = s.store.WithTx(ctx, func(tx *store.Store) error {
			for _, id := range ids {
				if err := s.jobs.EnqueueClassify(ctx, tx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ClassifyDocument assigns topics of its space to one ready document with the provider of its space's
// owner (a local one uses the space's model) and records on the
// document whether classification ran (done), waits for a model (waiting), had nothing to go on
// (declined) or failed, with the ranked candidates. Temporary provider failures are returned so the
// job retries.
func (s *Service) ClassifyDocument(ctx context.Context, documentID string) error {
	waitedOn, err := s.classifyOnce(ctx, documentID)
	if err != nil || waitedOn < 0 {
		return err
	}
	// Waiting: a training that finished while this ran queued the documents waiting before this one
	// was recorded; if a model was saved meanwhile, classify with it now.
	if v, err := s.store.ClassifierModelVersion(ctx, s.spaceOf(ctx, documentID)); err == nil && v != waitedOn {
		_, err = s.classifyOnce(ctx, documentID)
		return err
	}
	return nil
}

// spaceOf returns the document's space ("" when it is gone).
func (s *Service) spaceOf(ctx context.Context, documentID string) string {
	if d, err := s.store.DocumentForJob(ctx, documentID); err == nil {
		return d.SpaceID
	}
	return ""
}

// classifyOnce classifies the document; when it was left waiting for a model it returns the version
// of the model it saw (0: none), else -1.
func (s *Service) classifyOnce(ctx context.Context, documentID string) (int64, error) {
	waitedOn := int64(-1)
	d, err := s.store.DocumentForJob(ctx, documentID)
	if errors.Is(err, store.ErrNotFound) {
		return -1, nil
	}
	if err != nil {
		return -1, err
	}
	if d.Status != model.StatusReady || d.DeletedAt != nil {
		return -1, nil
	}
	topics, err := s.store.ListTopics(ctx, d.SpaceID)
	if err != nil {
		return -1, err
	}
	// The space's owner chooses its provider (documents.owner_id is the space's owner).
	p, cm, err := s.providerFor(ctx, d.OwnerID, d.SpaceID, "")
	c := model.Classification{State: model.ClassificationDone}
	var text *string // read once, when needed
	readText := func() (string, error) {
		if text == nil {
			t, err := s.store.RawDocumentText(ctx, d.ID)
			if err != nil {
				return "", err
			}
			text = &t
		}
		return *text, nil
	}
	if p != nil {
		c.Provider = p.Name()
	}
	switch {
	case err != nil:
	case len(topics) == 0:
		c.State, c.Reason = model.ClassificationDeclined, "you have no topics yet"
	case c.Provider == "local" && (cm == nil || cm.model == nil || len(cm.model.Topics()) == 0):
		gen, _, gerr := s.store.LabelGeneration(ctx, d.SpaceID)
		if gerr != nil {
			return -1, gerr
		}
		c.State, c.Reason = model.ClassificationDeclined, "no topic is learned yet: a topic needs at least 3 documents filed under it, and 3 under other topics"
		modelGen := int64(0)
		if cm != nil {
			modelGen = cm.generation
		}
		if gen > modelGen {
			c.State, c.Reason = model.ClassificationWaiting, "the classifier trains once your topic changes settle; this document is classified then"
			waitedOn = 0
			if cm != nil {
				waitedOn = cm.version
			}
		}
		if cm != nil {
			c.ModelGeneration = cm.generation
		}
	default:
		text, terr := readText()
		if terr != nil {
			return -1, terr
		}
		req := Request{Title: d.Title, Text: text}
		for _, t := range topics {
			req.Topics = append(req.Topics, Topic{ID: t.ID, Name: t.Name, Description: t.Description})
		}
		var res Result
		if res, err = p.Classify(ctx, req); err != nil {
			break
		}
		if cm != nil {
			c.ModelGeneration = cm.generation
		}
		as := make([]model.AITopic, len(res.Assignments))
		for i, a := range res.Assignments {
			as[i] = model.AITopic{TopicID: a.TopicID, Confidence: a.Confidence}
		}
		cands := res.Candidates
		if cands == nil {
			cands = res.Assignments // an outside model answers only above its own cut
		}
		for _, a := range cands {
			c.Candidates = append(c.Candidates, model.AITopic{TopicID: a.TopicID, Confidence: a.Confidence})
		}
		if len(as) == 0 {
			c.Reason = "no topic reached its cut"
		}
		if err := s.store.SetAITopics(ctx, d.ID, as); err != nil {
			return -1, err
		}
		if err := s.addSuggestions(ctx, d.SpaceID, d.ID, res.Suggestions); err != nil {
			return -1, err
		}
	}
	if err != nil {
		c.State, c.Reason = model.ClassificationFailed, err.Error()
		msg := "classification failed: " + err.Error()
		if ctx.Err() != nil {
			msg = "classification failed: it took longer than the job's time limit"
		}
		// Written even when the job's time is up, so the document says why.
		wctx := context.WithoutCancel(ctx)
		if serr := s.store.SetClassification(wctx, d.ID, c); serr != nil {
			return -1, serr
		}
		if serr := s.store.SetDocumentError(wctx, d.ID, msg); serr != nil {
			return -1, serr
		}
		if errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) {
			return -1, err // retried by the job with backoff
		}
		s.log.Warn("classification failed", "document", d.ID, "error", err)
		return -1, nil
	}
	// The space's local model proposes the correspondent and type whatever the provider of topics.
	lm := cm
	if lm == nil {
		if lm, err = s.model(ctx, d.SpaceID); err != nil {
			return -1, err
		}
	}
	if lm != nil {
		if c.Proposals, err = s.proposeLabels(ctx, d, lm.labels, readText); err != nil {
			return -1, err
		}
	}
	c.Proposals = append(c.Proposals, dateProposal(d)...)
	if err := s.store.SetClassification(ctx, d.ID, c); err != nil {
		return -1, err
	}
	return waitedOn, s.store.SetDocumentError(ctx, d.ID, "")
}

// State is the local classifier's state for a space, as GET /api/classifier shows it.
type State struct {
	Provider      string
	TrainedAt     *time.Time
	DocumentsUsed int
	Topics        []TopicState
	// Correspondents and DocumentTypes are the space's, as the correspondent and type models learned them.
	Correspondents, DocumentTypes []TopicState
	Stale                         bool
}

// TopicState says how many labelled documents a topic had at the last training and whether the
// model learned it (Note says why not).
type TopicState struct {
	ID, Name string
	Examples int
	Learned  bool
	Note     string
}

// ClassifierState returns the provider of the space (its owner's choice) and the space's local
// model's state. The caller has checked the requester is a member.
func (s *Service) ClassifierState(ctx context.Context, spaceID string) (State, error) {
	sp, err := s.store.SpaceByID(ctx, spaceID)
	if err != nil {
		return State{}, err
	}
	set, err := s.Settings(ctx, sp.OwnerID)
	if err != nil {
		return State{}, err
	}
	st := State{Provider: set.Provider, Topics: []TopicState{}}
	topics, err := s.store.ListTopics(ctx, spaceID)
	if err != nil {
		return State{}, err
	}
	reports := map[string]local.TopicReport{}
	var labels labelModels
	stored, err := s.store.ClassifierModel(ctx, spaceID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		gen, _, gerr := s.store.LabelGeneration(ctx, spaceID)
		if gerr != nil {
			return State{}, gerr
		}
		st.Stale = gen > 0
	case err != nil:
		return State{}, err
	default:
		t := stored.TrainedAt
		st.TrainedAt, st.DocumentsUsed, st.Stale = &t, stored.ExampleCount, stored.Stale
		cm, err := s.model(ctx, spaceID)
		if err != nil {
			return State{}, err
		}
		if cm != nil && cm.model != nil {
			for _, r := range cm.model.Report().Topics {
				reports[r.TopicID] = r
			}
		}
		if cm != nil {
			labels = cm.labels
		}
	}
	for i, lk := range labelKinds {
		ls, err := s.labelStates(ctx, spaceID, lk.kind, labels[i])
		if err != nil {
			return State{}, err
		}
		if lk.kind == model.DocumentTypes {
			st.DocumentTypes = ls
		} else {
			st.Correspondents = ls
		}
	}
	for _, t := range topics {
		r := reports[t.ID]
		ts := TopicState{ID: t.ID, Name: t.Name, Examples: r.Examples, Learned: r.Trained, Note: r.Note}
		if r.TopicID == "" {
			ts.Note = "no labelled document at the last training"
		}
		st.Topics = append(st.Topics, ts)
	}
	return st, nil
}

func (s *Service) addSuggestions(ctx context.Context, spaceID, docID string, sugs []Suggestion) error {
	if len(sugs) == 0 {
		return nil
	}
	out := make([]model.TopicSuggestion, len(sugs))
	for i, sg := range sugs {
		ids := sg.DocumentIDs
		if len(ids) == 0 {
			ids = []string{docID}
		}
		out[i] = model.TopicSuggestion{Name: sg.Name, Reason: sg.Reason, DocumentIDs: ids}
	}
	return s.store.AddSuggestions(ctx, spaceID, out)
}

// Suggestions lists the topics proposed for the space: those providers made while classifying its
// documents, and the local classifier's groups of its unfiled documents.
func (s *Service) Suggestions(ctx context.Context, spaceID, documentID string) ([]model.TopicSuggestion, error) {
	docs, err := s.store.UnfiledDocuments(ctx, spaceID, 2000, 16<<10)
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
		if err := s.addSuggestions(ctx, spaceID, "", sugs); err != nil {
			return nil, err
		}
	}
	return s.store.Suggestions(ctx, spaceID, documentID)
}

// AcceptSuggestion creates the suggested topic in the space and files its documents under it.
func (s *Service) AcceptSuggestion(ctx context.Context, spaceID, name string) (*model.Topic, error) {
	var topic *model.Topic
	err := s.store.WithTx(ctx, func(tx *store.Store) error {
		sg, err := tx.TakeSuggestion(ctx, spaceID, name)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.New(apperr.NotFound, "there is no suggested topic named %q", name)
		}
		if err != nil {
			return err
		}
		topic = &model.Topic{SpaceID: spaceID, Name: sg.Name, Description: sg.Reason}
		if err := tx.CreateTopic(ctx, topic); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return apperr.New(apperr.Conflict, "the space already has a topic named %q", sg.Name)
			}
			return err
		}
		for _, id := range sg.DocumentIDs {
			if err := tx.AddUserTopic(ctx, spaceID, id, topic.ID); err != nil {
				return err
			}
		}
		return tx.BumpLabelGeneration(ctx, spaceID)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Topic(ctx, spaceID, topic.ID)
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
	for _, p := range providers {
		name := p.name
		info := ProviderInfo{Name: name, Configured: true, Model: p.defaultModel}
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
