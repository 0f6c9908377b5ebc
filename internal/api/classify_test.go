package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// keyCatcher is an AI endpoint on loopback (an attacker's, or one the
// operator runs) that records the key of every request: Authorization
// (OpenAI and compatible servers) or X-Api-Key (Anthropic).
type keyCatcher struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys []string
}

func newKeyCatcher(t *testing.T) *keyCatcher {
	k := &keyCatcher{}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		k.mu.Lock()
		k.keys = append(k.keys, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+"|"+r.Header.Get("X-Api-Key"))
		k.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/messages":
			io.WriteString(w, `{"id":"msg_h","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],
				"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}`)
		case "/v1/chat/completions":
			io.WriteString(w, `{"id":"c","object":"chat.completion","created":1700000000,"model":"m",
				"choices":[{"index":0,"message":{"role":"assistant","content":"ok","refusal":null},"finish_reason":"stop","logprobs":null}],
				"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`)
		default:
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
		}
	}))
	t.Cleanup(k.srv.Close)
	return k
}

// requests is how many requests arrived; with(key) how many carried key.
func (k *keyCatcher) requests() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

func (k *keyCatcher) with(key string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, got := range k.keys {
		if strings.Contains(got, key) {
			n++
		}
	}
	return n
}

// newAIEnv is the API with a classification service holding the operator's
// settings d, reaching user-supplied base URLs through the SSRF guard with
// the exemptions allow (CLOUD_ALLOWED_HOSTS).
func newAIEnv(t *testing.T, st *store.Store, d classify.Defaults, allow ...string) (*authEnv, *classify.Service) {
	t.Helper()
	e := newAuthEnv(t, st, auth.NewDBState(st), nil)
	guard, err := ssrf.New(allow)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]byte("0123456789abcdef0123456789abcdef-ai"))
	if err != nil {
		t.Fatal(err)
	}
	svc := classify.NewService(st, sealer, d, guard.Client(time.Minute), nil)
	e.srv = httptest.NewServer(aiAPI(st, e.svc, svc, nil))
	t.Cleanup(e.srv.Close)
	return e, svc
}

// classifiable gives the user a topic and a ready document with text, so a
// classification job calls their provider.
func classifiable(t *testing.T, st *store.Store, owner string) string {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateTopic(ctx, &model.Topic{OwnerID: owner, Name: "Taxes " + store.NewID()}); err != nil {
		t.Fatal(err)
	}
	text := "income tax return for the fiscal year " + store.NewID()
	d := &model.Document{ID: store.NewID(), OwnerID: owner, Title: "letter", OriginalFilename: "letter.txt", MIMEType: "text/plain",
		SizeBytes: int64(len(text)), SHA256: fmt.Sprintf("%064x", len(text)), BlobKey: owner + "/k/" + store.NewID()}
	if err := st.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveExtraction(ctx, d.ID, model.Extraction{Text: text, PageCount: 1}); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func providerItem(t *testing.T, list map[string]any, name string) map[string]any {
	t.Helper()
	for _, it := range list["items"].([]any) {
		if m := it.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no provider %s in %v", name, list)
	return nil
}

// The operator's AI keys never go to a URL a user chose: saving a base URL
// of one's own for openai or anthropic without one's own key is refused, and
// even with such settings in the database (saved before the check), neither
// the health check nor a classification job sends the system key there. The
// attacker's server is public as far as the SSRF guard knows (loopback is
// exempt here), so only this rule stops the key. The user's own key does go
// there, and the system key goes to the endpoint the operator set.
func TestOperatorAIKeysNeverGoToAUserURL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		attacker, operator := newKeyCatcher(t), newKeyCatcher(t)
		const openaiKey, anthropicKey = "sk-operator-openai-secret", "sk-ant-operator-secret"
		e, svc := newAIEnv(t, st, classify.Defaults{OpenAIKey: openaiKey, AnthropicKey: anthropicKey,
			OpenAIURL: operator.srv.URL + "/v1"}, "127.0.0.1")
		c := e.client(t)
		uid := c.register("mallory@x.test")["user"].(map[string]any)["id"].(string)
		doc := classifiable(t, st, uid)

		for _, p := range []struct{ provider, base string }{{"openai", attacker.srv.URL + "/v1"}, {"anthropic", attacker.srv.URL}} {
			status, out := c.do("PUT", "/api/settings/ai", map[string]any{"provider": p.provider, "base_url": p.base})
			if errs, _ := out["errors"].(map[string]any); status != 422 || errs["api_key"] == nil {
				t.Errorf("%s: a base URL of one's own without one's own key: %d %v, want 422 naming api_key", p.provider, status, out)
			}
			// Settings from before the check: the request path still sends no system key.
			if err := st.PutAISettings(ctx, &model.AISettings{UserID: uid, Provider: p.provider, BaseURL: p.base}); err != nil {
				t.Fatal(err)
			}
			if h := c.must(200, "POST", "/api/ai/health", map[string]any{}); h["ok"] != false || h["provider"] != p.provider {
				t.Errorf("%s: health with a foreign base URL and no own key: %v", p.provider, h)
			}
			if err := svc.ClassifyDocument(ctx, doc); err != nil {
				t.Fatal(err)
			}
			if item := providerItem(t, c.must(200, "GET", "/api/ai/providers", nil), p.provider); item["configured"] != false || item["reason"] == nil {
				t.Errorf("%s: listed as %v", p.provider, item)
			}
		}
		if attacker.with(openaiKey)+attacker.with(anthropicKey) != 0 || attacker.requests() != 0 {
			t.Fatalf("the attacker's server got %d requests, %d with the operator's keys", attacker.requests(),
				attacker.with(openaiKey)+attacker.with(anthropicKey))
		}

		// The user's own key goes where the user says, through the same guard.
		for _, p := range []struct{ provider, base string }{{"openai", attacker.srv.URL + "/v1"}, {"anthropic", attacker.srv.URL}} {
			own := "sk-mallory-own-" + p.provider
			c.must(200, "PUT", "/api/settings/ai", map[string]any{"provider": p.provider, "base_url": p.base, "api_key": own})
			if h := c.must(200, "POST", "/api/ai/health", map[string]any{}); h["ok"] != true {
				t.Errorf("%s: health with the user's own key: %v", p.provider, h)
			}
			if err := svc.ClassifyDocument(ctx, doc); err != nil {
				t.Fatal(err)
			}
			if n := attacker.with(own); n < 2 {
				t.Errorf("%s: the user's own key reached their server %d times, want health and classification", p.provider, n)
			}
		}
		if attacker.with(openaiKey)+attacker.with(anthropicKey) != 0 {
			t.Fatal("the attacker's server got the operator's keys")
		}

		// Without a base URL of their own, a user gets the system key at the operator's endpoint.
		c2 := e.client(t)
		c2.register("alice@x.test")
		c2.must(200, "PUT", "/api/settings/ai", map[string]any{"provider": "openai"})
		if h := c2.must(200, "POST", "/api/ai/health", map[string]any{}); h["ok"] != true || operator.with(openaiKey) != 1 {
			t.Fatalf("health at OPENAI_BASE_URL: %v, %d requests with the system key", h, operator.with(openaiKey))
		}
	})
}

// Ollama and LM Studio are servers the operator names (OLLAMA_BASE_URL,
// LMSTUDIO_BASE_URL): without them they are unavailable rather than posting
// to the server's own localhost for any user; with them they work, and the
// operator's address is trusted although the SSRF guard refuses loopback
// when a user gives it.
func TestLocalAIServersAreTheOperatorsChoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		local := newKeyCatcher(t)

		e, _ := newAIEnv(t, st, classify.Defaults{}) // no exemptions: loopback is refused for users
		c := e.client(t)
		c.register("bob@x.test")
		list := c.must(200, "GET", "/api/ai/providers", nil)
		for _, p := range []struct{ name, variable string }{{"ollama", "OLLAMA_BASE_URL"}, {"lmstudio", "LMSTUDIO_BASE_URL"}} {
			item := providerItem(t, list, p.name)
			if reason, _ := item["reason"].(string); item["configured"] != false || !strings.Contains(reason, p.variable) {
				t.Errorf("%s without %s listed as %v", p.name, p.variable, item)
			}
			out := c.must(422, "PUT", "/api/settings/ai", map[string]any{"provider": p.name})
			if errs, _ := out["errors"].(map[string]any); errs["base_url"] == nil {
				t.Errorf("%s: the refusal does not name base_url: %v", p.name, out)
			}
			h := c.must(200, "POST", "/api/ai/health", map[string]any{"provider": p.name})
			if msg, _ := h["error"].(string); h["ok"] != false || !strings.Contains(msg, p.variable) {
				t.Errorf("%s: health without %s: %v", p.name, p.variable, h)
			}
		}
		if item := providerItem(t, list, "local"); item["configured"] != true || item["reason"] != nil {
			t.Errorf("local listed as %v", item)
		}

		e2, _ := newAIEnv(t, st, classify.Defaults{OllamaURL: local.srv.URL + "/v1", LMStudioURL: local.srv.URL + "/v1"})
		c2 := e2.client(t)
		c2.register("carol@x.test")
		list = c2.must(200, "GET", "/api/ai/providers", nil)
		for _, p := range []struct{ name, model string }{{"ollama", classify.DefaultOllamaModel}, {"lmstudio", classify.DefaultLMStudioModel}} {
			if item := providerItem(t, list, p.name); item["configured"] != true || item["reason"] != nil {
				t.Errorf("%s with the operator's URL listed as %v", p.name, item)
			}
			c2.must(200, "PUT", "/api/settings/ai", map[string]any{"provider": p.name})
			if h := c2.must(200, "POST", "/api/ai/health", map[string]any{}); h["ok"] != true || h["model"] != p.model {
				t.Errorf("%s at the operator's URL: %v", p.name, h)
			}
		}
		if local.requests() != 2 {
			t.Fatalf("the operator's server got %d requests, want 2", local.requests())
		}
		// The same loopback address given by a user is still checked by the guard, and refused.
		c2.must(200, "PUT", "/api/settings/ai", map[string]any{"provider": "ollama", "base_url": local.srv.URL + "/v1"})
		if h := c2.must(200, "POST", "/api/ai/health", map[string]any{}); h["ok"] != false {
			t.Errorf("a user's loopback base URL: %v", h)
		}
		if local.requests() != 2 {
			t.Fatalf("a user's loopback base URL reached the server: %d requests", local.requests())
		}
	})
}

// labelledDoc stores a ready document with text filed under topic by the user.
func labelledDoc(t *testing.T, st *store.Store, owner, text, topic string) string {
	t.Helper()
	return labelledDocIn(t, st, owner, owner, text, topic)
}

// labelledDocIn stores a ready document in space (whose owner is owner) with text filed under topic.
func labelledDocIn(t *testing.T, st *store.Store, space, owner, text, topic string) string {
	t.Helper()
	ctx := context.Background()
	d := &model.Document{ID: store.NewID(), OwnerID: owner, SpaceID: space, Title: "doc", OriginalFilename: "doc.txt", MIMEType: "text/plain",
		SizeBytes: int64(len(text)), SHA256: fmt.Sprintf("%064x", len(text)), BlobKey: owner + "/k/" + store.NewID()}
	if err := st.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveExtraction(ctx, d.ID, model.Extraction{Text: text, PageCount: 1}); err != nil {
		t.Fatal(err)
	}
	if topic != "" {
		if err := st.SetUserTopics(ctx, space, d.ID, []string{topic}); err != nil {
			t.Fatal(err)
		}
	}
	return d.ID
}

// The classifier's state (GET /api/classifier), training on demand (POST /api/classifier/train) and
// a document's classification with its ranked candidates, accepted in one PATCH.
func TestClassifierStateAndCandidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e, svc := newAIEnv(t, st, classify.Defaults{})
		blobs, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		docs := newDocuments(t, st, blobs, &recordingJobs{}, nil, document.Config{MaxUploadBytes: 1 << 20, BackendURL: "http://vault.test"})
		e.srv.Config.Handler = aiAPI(st, e.svc, svc, docs)
		c := e.client(t)
		uid := c.register("ann@x.test")["user"].(map[string]any)["id"].(string)
		taxes := c.must(201, "POST", "/api/topics", map[string]any{"name": "Taxes"})["topic"].(map[string]any)["id"].(string)
		health := c.must(201, "POST", "/api/topics", map[string]any{"name": "Health"})["topic"].(map[string]any)["id"].(string)
		garden := c.must(201, "POST", "/api/topics", map[string]any{"name": "Garden"})["topic"].(map[string]any)["id"].(string)

		st0 := c.must(200, "GET", "/api/classifier?space_id="+uid, nil)
		if st0["provider"] != "local" || st0["trained_at"] != nil || st0["stale"] != false || st0["documents_used"] != float64(0) || len(st0["topics"].([]any)) != 3 {
			t.Fatalf("state before any label: %v", st0)
		}
		for _, text := range []string{"income tax return and refund from the tax office", "tax assessment for the fiscal year",
			"property tax bill", "tax office letter about deductions"} {
			labelledDoc(t, st, uid, text, taxes)
		}
		for _, text := range []string{"doctor appointment and prescription", "blood test results from the clinic",
			"dentist invoice for the treatment", "vaccination record from the doctor"} {
			labelledDoc(t, st, uid, text, health)
		}
		labelledDoc(t, st, uid, "roses and tulips in the garden", garden)
		if s := c.must(200, "GET", "/api/classifier", nil); s["stale"] != true {
			t.Fatalf("labels but no model: %v", s)
		}
		doc := labelledDoc(t, st, uid, "letter from the tax office: your income tax refund", "")
		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		d := c.must(200, "GET", "/api/documents/"+doc, nil)["document"].(map[string]any)
		if cl := d["classification"].(map[string]any); cl["state"] != "waiting" || cl["reason"] == nil {
			t.Fatalf("before training: %v", d)
		}

		c.must(202, "POST", "/api/classifier/train", nil)
		s := c.must(200, "GET", "/api/classifier", nil)
		if s["stale"] != false || s["trained_at"] == nil || s["documents_used"] != float64(9) {
			t.Fatalf("after training: %v", s)
		}
		learned := map[string]any{}
		for _, tp := range s["topics"].([]any) {
			m := tp.(map[string]any)
			learned[m["name"].(string)] = m["learned"]
			if m["name"] == "Garden" && (m["examples"] != float64(1) || m["note"] == nil) {
				t.Errorf("garden: %v", m)
			}
		}
		if learned["Taxes"] != true || learned["Health"] != true || learned["Garden"] != false {
			t.Fatalf("learned: %v", learned)
		}

		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		d = c.must(200, "GET", "/api/documents/"+doc, nil)["document"].(map[string]any)
		if cl := d["classification"].(map[string]any); cl["state"] != "done" || cl["at"] == nil {
			t.Fatalf("classification: %v", d)
		}
		cands, _ := d["candidates"].([]any)
		if len(cands) == 0 {
			t.Fatalf("no candidates: %v", d)
		}
		best := cands[0].(map[string]any)
		if best["topic_id"] != taxes || best["name"] != "Taxes" || best["confidence"].(float64) <= 0 {
			t.Fatalf("best candidate: %v", cands)
		}
		for i := 1; i < len(cands); i++ {
			if cands[i].(map[string]any)["confidence"].(float64) > cands[i-1].(map[string]any)["confidence"].(float64) {
				t.Fatalf("candidates not best first: %v", cands)
			}
		}
		// One click accepts a candidate: it becomes the user's own topic, and a label.
		d = c.must(200, "PATCH", "/api/documents/"+doc, map[string]any{"topic_ids": []string{health}})["document"].(map[string]any)
		if tps := d["topics"].([]any); len(tps) != 1 || tps[0].(map[string]any)["source"] != "user" {
			t.Fatalf("after accepting: %v", d)
		}
		if s := c.must(200, "GET", "/api/classifier", nil); s["stale"] != true {
			t.Fatalf("a new label leaves the model current: %v", s)
		}
		// Another user sees none of this.
		c2 := e.client(t)
		c2.register("bob@x.test")
		if s := c2.must(200, "GET", "/api/classifier", nil); len(s["topics"].([]any)) != 0 || s["documents_used"] != float64(0) {
			t.Fatalf("bob's classifier: %v", s)
		}
		if code, _ := c2.do("GET", "/api/classifier?space_id="+uid, nil); code != 404 {
			t.Fatalf("bob reads ann's personal classifier: %d", code)
		}
		if code, _ := c2.do("POST", "/api/classifier/train", map[string]any{"space_id": uid}); code != 404 {
			t.Fatalf("bob trains ann's personal classifier: %d", code)
		}
	})
}

// A shared space has a classifier of its own: trained on the labels of the space's documents, with
// the space's topics, shown to every member, trained on demand by editors only; non-members get 404.
func TestClassifierPerSpace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e, svc := newAIEnv(t, st, classify.Defaults{})
		blobs, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		docs := newDocuments(t, st, blobs, &recordingJobs{}, nil, document.Config{MaxUploadBytes: 1 << 20, BackendURL: "http://vault.test"})
		e.srv.Config.Handler = aiAPI(st, e.svc, svc, docs)
		ann, bob, eve := e.client(t), e.client(t), e.client(t)
		uid := ann.register("ann@x.test")["user"].(map[string]any)["id"].(string)
		bob.register("bob@x.test")
		eve.register("eve@x.test")
		home := ann.must(201, "POST", "/api/spaces", map[string]any{"name": "Home"})["space"].(map[string]any)["id"].(string)
		ann.must(201, "POST", "/api/spaces/"+home+"/members", map[string]any{"email": "bob@x.test", "role": "viewer"})
		topic := func(name string) string {
			return ann.must(201, "POST", "/api/topics", map[string]any{"name": name, "space_id": home})["topic"].(map[string]any)["id"].(string)
		}
		power, school := topic("Power"), topic("School")
		ann.must(201, "POST", "/api/topics", map[string]any{"name": "Private"})
		corr := func(name string) string {
			return ann.must(201, "POST", "/api/correspondents", map[string]any{"name": name, "space_id": home})["correspondent"].(map[string]any)["id"].(string)
		}
		cityPower, academy := corr("City Power"), corr("Academy")
		for _, text := range []string{"electricity bill kilowatt hours meter reading", "power company electricity tariff change",
			"meter reading electricity annual statement", "electricity supplier bill for the flat"} {
			id := labelledDocIn(t, st, home, uid, text, power)
			d := ann.must(200, "PATCH", "/api/documents/"+id, map[string]any{"correspondent_id": cityPower})["document"].(map[string]any)
			if d["correspondent_source"] != "user" {
				t.Fatalf("a correspondent set in PATCH: %v", d)
			}
		}
		var schoolDocs []string
		for _, text := range []string{"school report card grades of the pupil", "parents evening at the school teacher",
			"school trip permission slip for the pupil", "teacher letter about the school term"} {
			schoolDocs = append(schoolDocs, labelledDocIn(t, st, home, uid, text, school))
		}
		ann.must(200, "POST", "/api/documents/bulk", map[string]any{"document_ids": schoolDocs, "action": "set_correspondent", "correspondent_id": academy})

		for _, c := range []*client{ann, bob} {
			s := c.must(200, "GET", "/api/classifier?space_id="+home, nil)
			if s["stale"] != true || s["trained_at"] != nil || len(s["topics"].([]any)) != 2 {
				t.Fatalf("shared space before training: %v", s)
			}
		}
		if s := ann.must(200, "GET", "/api/classifier", nil); s["stale"] != false || len(s["topics"].([]any)) != 1 {
			t.Fatalf("the shared space's labels count in ann's personal classifier: %v", s)
		}
		if code, _ := eve.do("GET", "/api/classifier?space_id="+home, nil); code != 404 {
			t.Fatalf("a non-member reads the space's classifier: %d", code)
		}
		if code, _ := eve.do("POST", "/api/classifier/train", map[string]any{"space_id": home}); code != 404 {
			t.Fatalf("a non-member trains the space's classifier: %d", code)
		}
		if code, _ := bob.do("POST", "/api/classifier/train", map[string]any{"space_id": home}); code != 403 {
			t.Fatalf("a viewer trains the space's classifier: %d", code)
		}
		if code, _ := bob.do("POST", "/api/classifier/train?space_id="+home, nil); code != 403 {
			t.Fatalf("a viewer trains the space's classifier (query): %d", code)
		}
		ann.must(202, "POST", "/api/classifier/train", map[string]any{"space_id": home})
		s := bob.must(200, "GET", "/api/classifier?space_id="+home, nil)
		if s["stale"] != false || s["trained_at"] == nil || s["documents_used"] != float64(8) {
			t.Fatalf("shared space after training: %v", s)
		}
		for _, tp := range s["topics"].([]any) {
			if tp.(map[string]any)["learned"] != true {
				t.Fatalf("not learned: %v", s)
			}
		}
		if cs := s["correspondents"].([]any); len(cs) != 2 || cs[1].(map[string]any)["name"] != "City Power" ||
			cs[1].(map[string]any)["learned"] != true || cs[1].(map[string]any)["examples"] != float64(4) {
			t.Fatalf("correspondents learned: %v", s["correspondents"])
		}
		if ts := s["document_types"].([]any); len(ts) != 0 {
			t.Fatalf("document types: %v", ts)
		}
		if p := ann.must(200, "GET", "/api/classifier", nil); p["trained_at"] != nil {
			t.Fatalf("training the shared space trained ann's personal classifier: %v", p)
		}

		// A new document of the space gets the space's topic from the space's model, and its
		// candidates name the space's topics for every member.
		doc := labelledDocIn(t, st, home, uid, "the electricity supplier sends the meter reading bill", "")
		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		d := bob.must(200, "GET", "/api/documents/"+doc, nil)["document"].(map[string]any)
		tps := d["topics"].([]any)
		if len(tps) != 1 || tps[0].(map[string]any)["id"] != power || tps[0].(map[string]any)["source"] != "ai" {
			t.Fatalf("topics of the shared document: %v", d)
		}
		cands, _ := d["candidates"].([]any)
		if len(cands) == 0 || cands[0].(map[string]any)["name"] != "Power" {
			t.Fatalf("candidates seen by a viewer: %v", d)
		}
		// The space's model also proposed, and applied, the correspondent.
		if c, _ := d["correspondent"].(map[string]any); c == nil || c["id"] != cityPower || d["correspondent_source"] != "auto" {
			t.Fatalf("correspondent of the shared document: %v", d)
		}
		prop, _ := d["proposals"].(map[string]any)["correspondent"].(map[string]any)
		if prop["id"] != cityPower || prop["name"] != "City Power" || prop["applied"] != true || prop["confidence"].(float64) <= 0 {
			t.Fatalf("proposals: %v", d["proposals"])
		}
		// A person's correspondent, set in PATCH, stays through classification.
		ann.must(200, "PATCH", "/api/documents/"+doc, map[string]any{"correspondent_id": academy})
		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		d = ann.must(200, "GET", "/api/documents/"+doc, nil)["document"].(map[string]any)
		prop, _ = d["proposals"].(map[string]any)["correspondent"].(map[string]any)
		if c, _ := d["correspondent"].(map[string]any); c == nil || c["id"] != academy || d["correspondent_source"] != "user" || prop["applied"] != false {
			t.Fatalf("after a person chose: %v", d)
		}
	})
}
