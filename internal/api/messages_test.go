package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// sentence fails unless why reads as a sentence for people: a capital
// first letter and a full stop.
func sentence(t *testing.T, what, why string) {
	t.Helper()
	r := []rune(why)
	if len(r) == 0 || !unicode.IsUpper(r[0]) || !strings.HasSuffix(why, ".") {
		t.Errorf("%s: %q is not a sentence for people", what, why)
	}
}

// fieldErrors returns a 422 answer's errors, failing on another status.
func fieldErrors(t *testing.T, what string, status int, out map[string]any) map[string]any {
	t.Helper()
	errs, _ := out["errors"].(map[string]any)
	if status != 422 || errs == nil {
		t.Fatalf("%s: %d %v, want 422 with errors", what, status, out)
	}
	return errs
}

// Form errors name every invalid field at once, in sentences for people:
// registration (email, display name and password together), a password
// change, a wrong current password, a topic.
func TestFieldErrorsAreSentencesForEveryField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newAuthEnv(t, st, auth.NewDBState(st), nil)
		c := e.client(t)
		status, out := c.do("POST", "/api/auth/register", map[string]any{"email": "not-an-address", "password": "short",
			"display_name": strings.Repeat("n", 101)})
		errs := fieldErrors(t, "register", status, out)
		if errs["email"] != "That is not an email address." {
			t.Errorf("email: %v", errs["email"])
		}
		for _, f := range []string{"email", "password", "display_name"} {
			why, _ := errs[f].(string)
			sentence(t, "register "+f, why)
		}

		c.register("words@x.test")
		status, out = c.do("POST", "/api/auth/password", map[string]any{"current_password": "wrong password here", "new_password": goodPassword + "!"})
		sentence(t, "wrong current password", fieldErrors(t, "wrong current password", status, out)["current_password"].(string))
		status, out = c.do("POST", "/api/auth/password", map[string]any{"current_password": goodPassword, "new_password": "short"})
		sentence(t, "short new password", fieldErrors(t, "short new password", status, out)["new_password"].(string))
	})
}

func TestTopicAndUploadMessagesAreSentences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 4096)
		alice := e.user("alice@x.test", 0, 0)
		res, raw := e.do(alice, "POST", "/api/topics", strings.NewReader(`{"name":" ","color":"red","description":"`+strings.Repeat("d", 2001)+`"}`), "application/json")
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		errs := fieldErrors(t, "topic", res.StatusCode, out)
		if errs["name"] != "Give the topic a name." {
			t.Errorf("name: %v", errs["name"])
		}
		for _, f := range []string{"name", "color", "description"} {
			why, _ := errs[f].(string)
			sentence(t, "topic "+f, why)
		}
		r, body := e.upload(alice, "empty.txt", nil, "")
		if r.StatusCode != 400 || body["detail"] != "The file is empty." {
			t.Errorf("empty upload: %d %v", r.StatusCode, body)
		}
	})
}

// "Test connection" checks what the settings form holds, unsaved: the
// chosen provider with the operator's key at the operator's endpoint; a
// base URL typed in the form gets no operator key (not even a request
// without one of the user's own), and a key typed in the form goes there.
// Nothing is saved.
func TestAIHealthChecksTheUnsavedForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		attacker, operator := newKeyCatcher(t), newKeyCatcher(t)
		const anthropicKey = "sk-ant-operator-secret"
		e, _ := newAIEnv(t, st, classify.Defaults{Provider: "local", AnthropicKey: anthropicKey, AnthropicURL: operator.srv.URL}, "127.0.0.1")
		c := e.client(t)
		c.register("form@x.test")

		h := c.must(200, "POST", "/api/ai/health", map[string]any{"provider": "anthropic", "model": "", "base_url": ""})
		if h["provider"] != "anthropic" || h["ok"] != true || operator.with(anthropicKey) != 1 {
			t.Fatalf("unsaved anthropic: %v; %d requests with the operator's key", h, operator.with(anthropicKey))
		}
		h = c.must(200, "POST", "/api/ai/health", map[string]any{"provider": "anthropic", "model": "", "base_url": attacker.srv.URL})
		if h["ok"] != false || attacker.requests() != 0 {
			t.Fatalf("a typed base URL without a typed key: %v; the server got %d requests", h, attacker.requests())
		}
		h = c.must(200, "POST", "/api/ai/health", map[string]any{"provider": "anthropic", "base_url": attacker.srv.URL, "api_key": "sk-own"})
		if h["ok"] != true || attacker.with("sk-own") != 1 || attacker.with(anthropicKey) != 0 {
			t.Fatalf("a typed base URL with a typed key: %v; own key %d times, operator's %d", h, attacker.with("sk-own"), attacker.with(anthropicKey))
		}
		status, out := c.do("POST", "/api/ai/health", map[string]any{"provider": "anthropic", "base_url": "not a url"})
		why, _ := fieldErrors(t, "bad base URL", status, out)["base_url"].(string)
		sentence(t, "health: bad base URL", why)
		// Saving says the same things in sentences.
		status, out = c.do("PUT", "/api/settings/ai", map[string]any{"provider": "anthropic", "base_url": "not a url"})
		why, _ = fieldErrors(t, "save: bad base URL", status, out)["base_url"].(string)
		sentence(t, "save: bad base URL", why)
		status, out = c.do("PUT", "/api/settings/ai", map[string]any{"provider": "anthropic", "base_url": attacker.srv.URL})
		why, _ = fieldErrors(t, "save: own URL without own key", status, out)["api_key"].(string)
		sentence(t, "save: own URL without own key", why)
		if set := c.must(200, "GET", "/api/settings/ai", nil); set["provider"] != "local" || set["api_key_set"] != false {
			t.Errorf("testing saved the form: %v", set)
		}
	})
}
