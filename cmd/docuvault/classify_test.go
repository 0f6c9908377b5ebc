package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeLLM is a local HTTP server that speaks the Anthropic Messages and the
// OpenAI Chat Completions wire formats (the hosted models cannot run here).
// It "reads" the prompt like a model would: it picks the topic whose
// description keyword occurs in the document, by the exact id it was given.
type fakeLLM struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []llmRequest
}

type llmRequest struct {
	path, model, key string
	health           bool
}

var (
	topicsRE   = regexp.MustCompile(`(?s)<topics>\n(.*?)\n</topics>`)
	documentRE = regexp.MustCompile(`(?s)<document>\n(.*?)\n</document>`)
)

func startFakeLLM(t *testing.T) *fakeLLM {
	f := &fakeLLM{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) requests() []llmRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]llmRequest(nil), f.got...)
}

// answer is the structured output for the user message of a classification.
func (f *fakeLLM) answer(user string) string {
	var topics []struct{ ID, Name, Description string }
	if m := topicsRE.FindStringSubmatch(user); m != nil {
		_ = json.Unmarshal([]byte(m[1]), &topics)
	}
	doc := ""
	if m := documentRE.FindStringSubmatch(user); m != nil {
		doc = strings.ToLower(m[1])
	}
	type assignment struct {
		TopicID    string  `json:"topic_id"`
		TopicName  string  `json:"topic_name"`
		Confidence float64 `json:"confidence"`
	}
	as := []assignment{}
	for _, tp := range topics {
		kw := strings.TrimPrefix(tp.Description, "keyword: ")
		if kw != "" && strings.Contains(doc, kw) {
			as = append(as, assignment{tp.ID, tp.Name, 0.93})
		}
	}
	b, _ := json.Marshal(map[string]any{"assignments": as, "suggestions": []any{}})
	return string(b)
}

func (f *fakeLLM) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req struct {
		Model    string `json:"model"`
		Tools    []any  `json:"tools"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"bad request"}}`, 400)
		return
	}
	// The user message: a string (OpenAI) or content blocks (Anthropic).
	last := req.Messages[len(req.Messages)-1].Content
	user := ""
	if json.Unmarshal(last, &user) != nil {
		var blocks []struct{ Text string }
		_ = json.Unmarshal(last, &blocks)
		for _, b := range blocks {
			user += b.Text
		}
	}
	key := r.Header.Get("X-Api-Key")
	if key == "" {
		key = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	health := !strings.Contains(user, "<document>")
	f.mu.Lock()
	f.got = append(f.got, llmRequest{path: r.URL.Path, model: req.Model, key: key, health: health})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v1/messages":
		if health {
			fmt.Fprintf(w, `{"id":"msg_h","type":"message","role":"assistant","model":%q,"content":[{"type":"text","text":"ok"}],
				"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}`, req.Model)
			return
		}
		fmt.Fprintf(w, `{"id":"msg_01","type":"message","role":"assistant","model":%q,
			"content":[{"type":"tool_use","id":"toolu_01","name":"record_classification","input":%s}],
			"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":120,"output_tokens":40}}`, req.Model, f.answer(user))
	case "/v1/chat/completions":
		content := "ok"
		if !health {
			content = f.answer(user)
		}
		fmt.Fprintf(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":%q,
			"choices":[{"index":0,"message":{"role":"assistant","content":%q,"refusal":null},"finish_reason":"stop","logprobs":null}],
			"usage":{"prompt_tokens":120,"completion_tokens":40,"total_tokens":160}}`, req.Model, content)
	default:
		http.Error(w, `{"error":{"message":"not found"}}`, 404)
	}
}

var topicWords = map[string][]string{
	"invoice": {"invoice", "amount", "due", "payment", "vat", "total", "bank", "transfer", "iban", "customer", "number", "net", "days", "reminder", "billing"},
	"oven":    {"oven", "flour", "sugar", "bake", "minutes", "tablespoon", "butter", "eggs", "stir", "dough", "preheat", "bowl", "whisk", "salt", "recipe"},
	"flight":  {"flight", "boarding", "hotel", "reservation", "passport", "airport", "gate", "check-in", "itinerary", "seat", "luggage", "departure", "arrival", "terminal", "booking"},
}

// paper writes a short document about kw: its keyword and words of its field among common ones.
func paper(rng *rand.Rand, kw string) string {
	common := []string{"the", "and", "please", "your", "for", "with", "this", "on", "we", "letter", "date", "thank", "you"}
	words := []string{kw}
	field := topicWords[kw]
	for i := 0; i < 60; i++ {
		if i%3 == 0 {
			words = append(words, common[rng.IntN(len(common))])
		} else {
			words = append(words, field[rng.IntN(len(field))])
		}
	}
	return strings.Join(words, " ") + ".\n"
}

// waitTopics waits until the classifier has given document id a topic.
func (c *client) waitTopics(id string) []any {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		doc := c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)
		if ts, _ := doc["topics"].([]any); len(ts) > 0 {
			return ts
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("document %s never classified: %v", id, doc)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestClassificationThroughBinary is the "done when" of the classification
// issue through the real binary: a new user with no AI configured creates
// topics and files a few documents under each; from then on new documents
// are sorted for them by the built-in classifier; switching to each of the
// four outside providers in settings (pointed at a local server speaking
// their wire format: the operator's OLLAMA_BASE_URL, or the user's base URL
// and sealed key) sorts new documents the same way, with each provider's
// default model.
func TestClassificationThroughBinary(t *testing.T) {
	llm := startFakeLLM(t)
	// Ollama is the operator's server (OLLAMA_BASE_URL, trusted); the other
	// three are reached at a base URL the user gives, through the SSRF guard
	// (loopback exempted by CLOUD_ALLOWED_HOSTS).
	p := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "CLOUD_ALLOWED_HOSTS=127.0.0.1",
		"OLLAMA_BASE_URL="+llm.srv.URL+"/v1")
	c := newClient(t, p.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "sorter@example.test", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "sorter@example.test", "password": "a long enough passphrase"}, 200)["access_token"].(string)

	if s := c.json("GET", "/api/settings/ai", nil, 200); s["provider"] != "local" {
		t.Fatalf("default provider: %v", s)
	}
	topics := map[string]string{} // keyword -> topic id
	for name, kw := range map[string]string{"Invoices": "invoice", "Recipes": "oven", "Travel": "flight"} {
		topics[kw] = c.json("POST", "/api/topics", map[string]any{"name": name, "description": "keyword: " + kw}, 201)["topic"].(map[string]any)["id"].(string)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	n := 0
	upload := func(kw string) string {
		n++
		return c.upload(fmt.Sprintf("%s-%d.txt", kw, n), []byte(paper(rng, kw)))["id"].(string)
	}
	// File five documents under each topic by hand.
	for kw, tid := range topics {
		for i := 0; i < 5; i++ {
			id := upload(kw)
			c.waitReady(id)
			c.json("PATCH", "/api/documents/"+id, map[string]any{"topic_ids": []string{tid}}, 200)
		}
	}
	check := func(provider, id, kw string) {
		t.Helper()
		c.waitReady(id)
		ts := c.waitTopics(id)
		if len(ts) != 1 {
			t.Fatalf("%s: document about %s got topics %v", provider, kw, ts)
		}
		tp := ts[0].(map[string]any)
		if tp["id"] != topics[kw] || tp["source"] != "ai" || tp["confidence"] == nil {
			t.Fatalf("%s: document about %s got %v, want topic %s from ai", provider, kw, tp, topics[kw])
		}
	}
	// From then on, new documents are sorted by the built-in classifier.
	for kw := range topics {
		check("local", upload(kw), kw)
	}
	if len(llm.requests()) != 0 {
		t.Fatalf("the local classifier called out: %v", llm.requests())
	}

	// Each outside provider, chosen in settings, sorts the same way.
	for _, pc := range []struct{ provider, base, key, model, path string }{
		{"anthropic", llm.srv.URL, "sk-ant-e2e-key", "claude-sonnet-4-6", "/v1/messages"},
		{"openai", llm.srv.URL + "/v1", "sk-openai-e2e-key", "gpt-4o", "/v1/chat/completions"},
		{"ollama", "", "", "llama3.2", "/v1/chat/completions"},
		{"lmstudio", llm.srv.URL + "/v1", "", "gemma-4-e4b-it", "/v1/chat/completions"},
	} {
		in := map[string]any{"provider": pc.provider, "base_url": pc.base}
		if pc.key != "" {
			in["api_key"] = pc.key
		}
		s := c.json("PUT", "/api/settings/ai", in, 200)
		if s["provider"] != pc.provider || strings.Contains(mustJSON(s), "e2e-key") || (pc.key != "" && s["api_key_set"] != true) {
			t.Fatalf("settings for %s: %v", pc.provider, s)
		}
		h := c.json("POST", "/api/ai/health", map[string]any{}, 200)
		if h["provider"] != pc.provider || h["ok"] != true || h["model"] != pc.model {
			t.Fatalf("health of %s: %v", pc.provider, h)
		}
		before := len(llm.requests())
		for _, kw := range []string{"invoice", "flight"} {
			check(pc.provider, upload(kw), kw)
		}
		calls := llm.requests()[before:]
		if len(calls) < 2 {
			t.Fatalf("%s: %d classification calls", pc.provider, len(calls))
		}
		for _, r := range calls {
			if r.path != pc.path || r.model != pc.model || (pc.key != "" && r.key != pc.key) {
				t.Fatalf("%s called %+v, want path %s model %s key %s", pc.provider, r, pc.path, pc.model, pc.key)
			}
		}
	}
	if strings.Contains(p.logs.String(), "e2e-key") {
		t.Fatal("an API key appears in the logs")
	}
	p.stop(t)
}

// TestUploadLabelsLearnedThroughBinary: documents uploaded with topics (the topic_ids form field) are
// all learned, although they are still processing when uploaded; a burst of uploads costs one or two
// trainings, not one per document; and documents uploaded without topics in the same burst, classified
// before the model existed (waiting), get their topic once it is trained.
func TestUploadLabelsLearnedThroughBinary(t *testing.T) {
	p := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	c := newClient(t, p.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "burst@example.test", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "burst@example.test", "password": "a long enough passphrase"}, 200)["access_token"].(string)
	topics := map[string]string{}
	for name, kw := range map[string]string{"Invoices": "invoice", "Recipes": "oven", "Travel": "flight"} {
		topics[kw] = c.json("POST", "/api/topics", map[string]any{"name": name}, 201)["topic"].(map[string]any)["id"].(string)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	uploadWith := func(name, text, topic string) string {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if topic != "" {
			_ = mw.WriteField("topic_ids", topic)
		}
		w, _ := mw.CreateFormFile("file", name)
		_, _ = w.Write([]byte(text))
		mw.Close()
		code, b, _ := c.call("POST", "/api/documents", &buf, mw.FormDataContentType())
		if code != 201 {
			t.Fatalf("upload %s: %d %s", name, code, b)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out["document"].(map[string]any)["id"].(string)
	}
	const perTopic = 10
	heldOut := map[string]string{} // document id -> keyword
	for i := range perTopic {
		for kw, tid := range topics {
			uploadWith(fmt.Sprintf("%s-%d.txt", kw, i), paper(rng, kw), tid)
			if i%5 == 0 {
				heldOut[uploadWith(fmt.Sprintf("new-%s-%d.txt", kw, i), paper(rng, kw), "")] = kw
			}
		}
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		s := c.json("GET", "/api/classifier", nil, 200)
		if s["stale"] == false && s["documents_used"] == float64(perTopic*len(topics)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("labels given at upload not all learned: %v", s)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for id, kw := range heldOut {
		ts := c.waitTopics(id)
		if len(ts) != 1 || ts[0].(map[string]any)["id"] != topics[kw] {
			t.Errorf("document about %s got %v", kw, ts)
		}
		doc := c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)
		if cl, _ := doc["classification"].(map[string]any); cl["state"] != "done" || len(doc["candidates"].([]any)) == 0 {
			t.Errorf("classification of %s: %v", id, doc)
		}
	}
	trainings := strings.Count(p.logs.String(), `msg="classifier trained"`)
	t.Logf("%d labelled uploads, %d trainings", perTopic*len(topics), trainings)
	if trainings > 3 {
		t.Errorf("%d trainings for one burst of uploads", trainings)
	}
	p.stop(t)
}
