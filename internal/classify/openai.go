package classify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// OpenAI talks to Chat Completions with a strict json_schema response format. Ollama and LM Studio
// use it through their OpenAI-compatible endpoints.
type OpenAI struct {
	client openai.Client
	name   string
	model  string
	// completionTokens sends max_completion_tokens (OpenAI) instead of max_tokens (local servers).
	completionTokens bool
	call             *caller
}

// stubAPIKey is sent to local OpenAI-compatible servers, which ignore it.
const stubAPIKey = "docuvault-local"

// newOpenAI builds the openai provider (needKey: an API key is required, the endpoint defaults to
// OpenAI's) or a local OpenAI-compatible server (no key needed, cfg.BaseURL required).
func newOpenAI(cfg ProviderConfig, name, model string, needKey bool) (*OpenAI, error) {
	key := cfg.APIKey
	if key == "" {
		if needKey {
			return nil, fmt.Errorf("%w: %s needs an API key", ErrNotConfigured, name)
		}
		key = stubAPIKey
	}
	if !needKey && cfg.BaseURL == "" {
		return nil, fmt.Errorf("%w: %s needs the address of a server", ErrNotConfigured, name)
	}
	if cfg.Model != "" {
		model = cfg.Model
	}
	opts := []option.RequestOption{option.WithAPIKey(key), option.WithMaxRetries(0)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &OpenAI{client: openai.NewClient(opts...), name: name, model: model, completionTokens: needKey,
		call: newCaller(name, cfg, openaiStatus)}, nil
}

func openaiStatus(err error) (int, http.Header, bool) {
	var e *openai.Error
	if !errors.As(err, &e) {
		return 0, nil, false
	}
	var h http.Header
	if e.Response != nil {
		h = e.Response.Header
	}
	return e.StatusCode, h, true
}

// Name returns "openai", "ollama" or "lmstudio".
func (o *OpenAI) Name() string { return o.name }

// Model returns the model in use.
func (o *OpenAI) Model() string { return o.model }

// Classify asks for the classification schema and parses the answer strictly.
func (o *OpenAI) Classify(ctx context.Context, req Request) (Result, error) {
	raw, err := o.complete(ctx, 1024, classifySystem, classifyPrompt(req), "classification", classifySchema)
	if err != nil {
		return Result{}, err
	}
	res, err := parseClassify(raw, req.Topics)
	if err != nil {
		return Result{}, o.call.badResponse("message content: %w", err)
	}
	return res, nil
}

// Suggest asks for new topics over documents without topics.
func (o *OpenAI) Suggest(ctx context.Context, docs []Doc) ([]Suggestion, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	prompt, sent := suggestPrompt(docs)
	raw, err := o.complete(ctx, 256, suggestSystem, prompt, "topic_suggestions", suggestSchema)
	if err != nil {
		return nil, err
	}
	out, err := parseSuggest(raw, sent)
	if err != nil {
		return nil, o.call.badResponse("message content: %w", err)
	}
	return out, nil
}

// Health sends a tiny request (5 tokens) with the configured key and model.
func (o *OpenAI) Health(ctx context.Context) error {
	params := openai.ChatCompletionNewParams{
		Model:    shared.ChatModel(o.model),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(healthPrompt)},
	}
	o.limit(&params, 5)
	return o.call.do(ctx, func(ctx context.Context) error {
		_, err := o.client.Chat.Completions.New(ctx, params)
		return err
	})
}

func (o *OpenAI) limit(p *openai.ChatCompletionNewParams, n int64) {
	if o.completionTokens {
		p.MaxCompletionTokens = openai.Int(n)
	} else {
		p.MaxTokens = openai.Int(n)
	}
}

// complete runs one chat completion constrained to schema and returns the message content.
func (o *OpenAI) complete(ctx context.Context, maxTokens int64, system, user, name string, schema map[string]any) ([]byte, error) {
	params := openai.ChatCompletionNewParams{
		Model:    shared.ChatModel(o.model),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(system), openai.UserMessage(user)},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: name, Strict: openai.Bool(true), Schema: schema},
		}},
	}
	o.limit(&params, maxTokens)
	var raw []byte
	err := o.call.do(ctx, func(ctx context.Context) error {
		resp, err := o.client.Chat.Completions.New(ctx, params)
		if err != nil {
			return err
		}
		if len(resp.Choices) == 0 {
			return o.call.badResponse("no choices in the answer")
		}
		ch := resp.Choices[0]
		if ch.Message.Refusal != "" {
			return o.call.badResponse("model refused: %.200s", ch.Message.Refusal)
		}
		if ch.FinishReason == "length" {
			return o.call.badResponse("answer cut off at %d tokens", maxTokens)
		}
		raw = []byte(ch.Message.Content)
		return nil
	})
	return raw, err
}
