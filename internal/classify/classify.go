// Package classify assigns a user's topics to documents and proposes new topics. Provider is the one
// interface the application uses; New builds it from a ProviderConfig for the built-in local classifier
// (package local, no network) or an outside model: Anthropic (Messages API with a forced tool), OpenAI
// (Chat Completions with a strict JSON schema) and the OpenAI-compatible Ollama and LM Studio servers.
//
// At most MaxOutboundChars characters of document text leave the process; document text is fenced in
// the prompt as untrusted data, and answers are parsed strictly: only the request's topic IDs can be
// assigned, confidences are clamped to [0,1].
package classify

import (
	"context"
	"time"
)

// MaxOutboundChars is how many characters of document text (all documents together, for Suggest) are
// sent to an outside provider.
const MaxOutboundChars = 8000

// Provider classifies documents into topics and suggests new topics.
type Provider interface {
	// Classify assigns topics from req.Topics to the document. Errors wrap ErrUnauthorized,
	// ErrRateLimited (see RetryAfter), ErrUnavailable, ErrBadRequest or ErrBadResponse.
	Classify(ctx context.Context, req Request) (Result, error)
	// Suggest proposes new topics for documents that have none.
	Suggest(ctx context.Context, docs []Doc) ([]Suggestion, error)
	// Health checks the provider answers with the configured key and model.
	Health(ctx context.Context) error
	// Name is "local", "anthropic", "openai", "ollama" or "lmstudio".
	Name() string
	// Model is the model in use.
	Model() string
}

// Topic is one of the user's topics.
type Topic struct {
	ID          string
	Name        string
	Description string
}

// Request asks for the topics of one document.
type Request struct {
	Title  string
	Text   string
	Topics []Topic
}

// Result is a classification: assignments (the topics applied) and candidates only ever name a topic
// of the request.
type Result struct {
	Assignments []Assignment
	// Candidates ranks every topic above the provider's own cut for candidates, best first; nil means
	// the assignments are the candidates (outside providers answer only above their cut).
	Candidates  []Assignment
	Suggestions []Suggestion
}

// Assignment gives a document one topic with a confidence in [0,1].
type Assignment struct {
	TopicID    string
	Confidence float64
}

// Suggestion proposes a new topic; DocumentIDs lists the documents it would hold (Suggest only).
type Suggestion struct {
	Name        string
	Reason      string
	DocumentIDs []string
}

// Doc is an unassigned document offered to Suggest.
type Doc struct {
	ID    string
	Title string
	Text  string
}

// Default settings of outside providers.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxRetries     = 3
	DefaultMaxConcurrency = 4
	DefaultMaxRetryAfter  = 30 * time.Second
	DefaultRetryBaseDelay = 500 * time.Millisecond
)
