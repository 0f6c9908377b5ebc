package classify

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// Anthropic talks to the Messages API and gets structured output through a forced tool call.
type Anthropic struct {
	client anthropic.Client
	model  string
	call   *caller
}

const (
	anthropicClassifyTool = "record_classification"
	anthropicSuggestTool  = "record_topic_suggestions"
)

func newAnthropic(cfg ProviderConfig) (*Anthropic, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%w: anthropic needs an API key", ErrNotConfigured)
	}
	opts := []option.RequestOption{option.WithAPIKey(cfg.APIKey), option.WithMaxRetries(0)}
	if cfg.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(cfg.BaseURL))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	model := cfg.Model
	if model == "" {
		model = DefaultAnthropicModel
	}
	return &Anthropic{client: anthropic.NewClient(opts...), model: model, call: newCaller("anthropic", cfg, anthropicStatus)}, nil
}

func anthropicStatus(err error) (int, http.Header, bool) {
	var e *anthropic.Error
	if !errors.As(err, &e) {
		return 0, nil, false
	}
	var h http.Header
	if e.Response != nil {
		h = e.Response.Header
	}
	return e.StatusCode, h, true
}

// Name returns "anthropic".
func (a *Anthropic) Name() string { return "anthropic" }

// Model returns the model in use.
func (a *Anthropic) Model() string { return a.model }

// Classify asks the model to call the classification tool and parses its input strictly.
func (a *Anthropic) Classify(ctx context.Context, req Request) (Result, error) {
	raw, err := a.tool(ctx, 1024, classifySystem, classifyPrompt(req), anthropicClassifyTool,
		"Record the topics of the document and any proposed new topics.", classifySchema)
	if err != nil {
		return Result{}, err
	}
	res, err := parseClassify(raw, req.Topics)
	if err != nil {
		return Result{}, a.call.badResponse("tool input: %w", err)
	}
	return res, nil
}

// Suggest asks for new topics over documents without topics.
func (a *Anthropic) Suggest(ctx context.Context, docs []Doc) ([]Suggestion, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	prompt, sent := suggestPrompt(docs)
	raw, err := a.tool(ctx, 256, suggestSystem, prompt, anthropicSuggestTool,
		"Record the proposed new topics.", suggestSchema)
	if err != nil {
		return nil, err
	}
	out, err := parseSuggest(raw, sent)
	if err != nil {
		return nil, a.call.badResponse("tool input: %w", err)
	}
	return out, nil
}

// Health sends a tiny request (5 tokens) with the configured key and model.
func (a *Anthropic) Health(ctx context.Context) error {
	return a.call.do(ctx, func(ctx context.Context) error {
		_, err := a.client.Messages.New(ctx, anthropic.MessageNewParams{
			Model:     anthropic.Model(a.model),
			MaxTokens: 5,
			Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(healthPrompt))},
		})
		return err
	})
}

// tool runs one Messages request that must answer with a call of the named tool, and returns its input.
func (a *Anthropic) tool(ctx context.Context, maxTokens int64, system, user, name, desc string, schema map[string]any) ([]byte, error) {
	params := anthropic.MessageNewParams{
		Model:     anthropic.Model(a.model),
		MaxTokens: maxTokens,
		System:    []anthropic.TextBlockParam{{Text: system}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(user))},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        name,
			Description: anthropic.String(desc),
			InputSchema: anthropic.ToolInputSchemaParam{
				Properties:  schema["properties"],
				Required:    schema["required"].([]string),
				ExtraFields: map[string]any{"additionalProperties": false},
			},
		}}},
		ToolChoice: anthropic.ToolChoiceParamOfTool(name),
	}
	var raw []byte
	err := a.call.do(ctx, func(ctx context.Context) error {
		msg, err := a.client.Messages.New(ctx, params)
		if err != nil {
			return err
		}
		for _, block := range msg.Content {
			if block.Type == "tool_use" {
				tu := block.AsToolUse()
				if tu.Name != name {
					return a.call.badResponse("model called tool %q, want %q", tu.Name, name)
				}
				raw = tu.Input
				return nil
			}
		}
		return a.call.badResponse("no %s tool call in the answer (stop reason %q)", name, msg.StopReason)
	})
	return raw, err
}
