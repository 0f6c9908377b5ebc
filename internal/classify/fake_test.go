package classify

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// reply is one scripted answer of a fake provider server.
type reply struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration // wait before answering (or until the client gives up)
}

// fakeServer is a real HTTP server on loopback that answers with a script (the last reply repeats)
// and records every request body.
type fakeServer struct {
	t      *testing.T
	srv    *httptest.Server
	path   string
	mu     sync.Mutex
	script []reply
	bodies [][]byte
	heads  []http.Header
	gate   chan struct{} // when set, requests wait for it to close
	flight int
	peak   int
}

func newFakeServer(t *testing.T, path string, script ...reply) *fakeServer {
	f := &fakeServer{t: t, path: path, script: script}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != f.path {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.bodies)
	f.bodies = append(f.bodies, body)
	f.heads = append(f.heads, r.Header.Clone())
	rep := f.script[min(n, len(f.script)-1)]
	f.flight++
	f.peak = max(f.peak, f.flight)
	gate := f.gate
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.flight--; f.mu.Unlock() }()
	if gate != nil {
		<-gate
	}
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (f *fakeServer) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

func (f *fakeServer) lastBody() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		f.t.Fatal("no request received")
	}
	var m map[string]any
	if err := json.Unmarshal(f.bodies[len(f.bodies)-1], &m); err != nil {
		f.t.Fatalf("request body is not JSON: %v", err)
	}
	return m
}

// wire describes one provider's wire format.
type wire struct {
	name string
	path string
	// ok wraps the structured answer (a JSON object) the way the provider returns it.
	ok func(answer string) string
	// errBody is the provider's error document.
	errBody func(kind string) string
	// newProvider points the provider at base.
	newProvider func(t *testing.T, base string, cfg ProviderConfig) Provider
	// prompt returns the system prompt and the user message of a recorded request.
	prompt func(t *testing.T, body map[string]any) (system, user string)
	// maxTokens returns the token limit of a recorded request.
	maxTokens func(body map[string]any) float64
}

var anthropicWire = wire{
	name: "anthropic",
	path: "/v1/messages",
	ok: func(answer string) string {
		return fmt.Sprintf(`{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-6",
			"content":[{"type":"tool_use","id":"toolu_01","name":%q,"input":%s}],
			"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":120,"output_tokens":40}}`,
			toolNameFor(answer), answer)
	},
	errBody: func(kind string) string {
		return fmt.Sprintf(`{"type":"error","error":{"type":%q,"message":"scripted %s"}}`, kind, kind)
	},
	newProvider: func(t *testing.T, base string, cfg ProviderConfig) Provider {
		cfg.Name, cfg.APIKey, cfg.BaseURL = "anthropic", "sk-ant-test", base
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	},
	prompt: func(t *testing.T, body map[string]any) (string, string) {
		var req struct {
			System   []struct{ Text string }
			Messages []struct {
				Role    string
				Content []struct{ Type, Text string }
			}
		}
		remarshal(t, body, &req)
		sys := ""
		if len(req.System) > 0 {
			sys = req.System[0].Text
		}
		if len(req.Messages) != 1 || len(req.Messages[0].Content) != 1 {
			t.Fatalf("want one user message with one block, got %+v", req.Messages)
		}
		return sys, req.Messages[0].Content[0].Text
	},
	maxTokens: func(body map[string]any) float64 { f, _ := body["max_tokens"].(float64); return f },
}

var openaiWire = wire{
	name: "openai",
	path: "/v1/chat/completions",
	ok: func(answer string) string {
		return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o",
			"choices":[{"index":0,"message":{"role":"assistant","content":%q,"refusal":null},"finish_reason":"stop","logprobs":null}],
			"usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160}}`, answer)
	},
	errBody: func(kind string) string {
		return fmt.Sprintf(`{"error":{"message":"scripted %s","type":%q,"param":null,"code":%q}}`, kind, kind, kind)
	},
	newProvider: func(t *testing.T, base string, cfg ProviderConfig) Provider {
		cfg.Name, cfg.APIKey, cfg.BaseURL = "openai", "sk-test", base+"/v1"
		p, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	},
	prompt: func(t *testing.T, body map[string]any) (string, string) {
		var req struct {
			Messages []struct{ Role, Content string }
		}
		remarshal(t, body, &req)
		if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Role != "user" {
			t.Fatalf("want system + user messages, got %+v", req.Messages)
		}
		return req.Messages[0].Content, req.Messages[1].Content
	},
	maxTokens: func(body map[string]any) float64 { f, _ := body["max_completion_tokens"].(float64); return f },
}

// toolNameFor picks the tool the fake Anthropic model "calls", from the answer's shape.
func toolNameFor(answer string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(answer), &m) == nil {
		if _, ok := m["assignments"]; !ok {
			if _, ok := m["suggestions"]; ok {
				return anthropicSuggestTool
			}
		}
	}
	return anthropicClassifyTool
}

func remarshal(t *testing.T, in any, out any) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}
