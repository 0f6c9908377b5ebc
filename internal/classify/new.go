package classify

import (
	"fmt"
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/classify/local"
)

// ProviderConfig selects and configures a provider. Zero values mean the defaults.
type ProviderConfig struct {
	// Name is "local", "anthropic", "openai", "ollama" or "lmstudio".
	Name string
	// Model overrides the provider's default model.
	Model string
	// APIKey is required for anthropic and openai; ollama and lmstudio get a stub.
	APIKey string
	// BaseURL overrides the provider's endpoint (an OpenAI-compatible server, a proxy, a test server);
	// ollama and lmstudio have no default and need it.
	BaseURL string
	// Timeout bounds each attempt (default 60 s).
	Timeout time.Duration
	// HTTPClient is used for every request; pass an SSRF-guarded client for user-supplied base URLs.
	HTTPClient *http.Client
	// MaxRetries after the first attempt on 429, 5xx and network errors (default 3; negative: none).
	MaxRetries int
	// RetryBaseDelay is the first backoff delay, doubled each retry, with jitter (default 500 ms).
	RetryBaseDelay time.Duration
	// MaxRetryAfter caps how long a Retry-After is honoured in process; a longer one is returned as
	// ErrRateLimited with RetryAfter set (default 30 s).
	MaxRetryAfter time.Duration
	// MaxConcurrency limits requests in flight through this Provider (default 4).
	MaxConcurrency int
	// LocalModel is the user's trained model for "local"; nil until one has been trained.
	LocalModel *local.Model
}

// Default models. Anthropic and OpenAI default to their own endpoints; a local server (ollama,
// lmstudio) has no default address: the operator names it.
const (
	DefaultAnthropicModel = "claude-sonnet-4-6"
	DefaultOpenAIModel    = "gpt-4o"
	DefaultOllamaModel    = "llama3.2"
	DefaultLMStudioModel  = "gemma-4-e4b-it"
)

// providerSpec is one provider: building it, listing it and checking its configuration all loop over
// the one table, providers.
type providerSpec struct {
	name         string
	defaultModel string
	// needsKey: anthropic and openai need an API key.
	needsKey bool
	// localServer: ollama and lmstudio have no address of their own; the operator or the user names one.
	localServer bool
	// operator returns the system key and endpoint the operator set for it.
	operator func(Defaults) (key, baseURL string)
	build    func(ProviderConfig) (Provider, error)
}

// providers is every provider, in the order users see them.
var providers = []providerSpec{
	{name: "local", defaultModel: LocalModelName,
		operator: func(Defaults) (string, string) { return "", "" },
		build:    func(cfg ProviderConfig) (Provider, error) { return NewLocal(cfg.LocalModel), nil }},
	{name: "anthropic", defaultModel: DefaultAnthropicModel, needsKey: true,
		operator: func(d Defaults) (string, string) { return d.AnthropicKey, d.AnthropicURL },
		build:    func(cfg ProviderConfig) (Provider, error) { return newAnthropic(cfg) }},
	{name: "openai", defaultModel: DefaultOpenAIModel, needsKey: true,
		operator: func(d Defaults) (string, string) { return d.OpenAIKey, d.OpenAIURL },
		build:    func(cfg ProviderConfig) (Provider, error) { return newOpenAI(cfg, "openai", DefaultOpenAIModel, true) }},
	{name: "ollama", defaultModel: DefaultOllamaModel, localServer: true,
		operator: func(d Defaults) (string, string) { return "", d.OllamaURL },
		build:    func(cfg ProviderConfig) (Provider, error) { return newOpenAI(cfg, "ollama", DefaultOllamaModel, false) }},
	{name: "lmstudio", defaultModel: DefaultLMStudioModel, localServer: true,
		operator: func(d Defaults) (string, string) { return "", d.LMStudioURL },
		build: func(cfg ProviderConfig) (Provider, error) {
			return newOpenAI(cfg, "lmstudio", DefaultLMStudioModel, false)
		}},
}

// Providers are the names a user may choose.
var Providers = func() []string {
	out := make([]string, len(providers))
	for i, p := range providers {
		out[i] = p.name
	}
	return out
}()

// LookupProvider reports whether name is a provider, and whether it is a server with no address of its
// own (ollama, lmstudio: the operator's <NAME>_BASE_URL or the user's base URL names it). Configuration
// checks loop over Providers with it.
func LookupProvider(name string) (known, localServer bool) {
	p, ok := spec(name)
	return ok && name != "", p.localServer
}

// spec returns the provider called name ("" is local).
func spec(name string) (providerSpec, bool) {
	if name == "" {
		name = "local"
	}
	for _, p := range providers {
		if p.name == name {
			return p, true
		}
	}
	return providerSpec{}, false
}

// New builds the provider cfg names. It returns ErrUnknownProvider for an unknown name and
// ErrNotConfigured when anthropic or openai lack an API key or ollama or lmstudio a BaseURL.
func New(cfg ProviderConfig) (Provider, error) {
	p, ok := spec(cfg.Name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProvider, cfg.Name)
	}
	return p.build(cfg)
}
