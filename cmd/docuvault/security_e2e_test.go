package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyCatcher is a server a user might name as their AI base URL; it records
// every credential header it is sent and answers like a broken provider.
type keyCatcher struct {
	mu   sync.Mutex
	seen []string
}

func (k *keyCatcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	for _, h := range []string{"Authorization", "X-Api-Key", "Api-Key"} {
		if v := r.Header.Get(h); v != "" {
			k.seen = append(k.seen, h+": "+v)
		}
	}
	k.mu.Unlock()
	http.Error(w, `{"error":{"message":"nope"}}`, http.StatusUnauthorized)
}

func (k *keyCatcher) credentials() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return strings.Join(k.seen, "; ")
}

// from makes c connect from a loopback address of its own (127.0.0.2, ...).
func from(c *client, ip string) *client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c.hc.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

// TestSecurityReviewThroughBinary replays the review's attacks on the real
// binary behind a real reverse proxy (httputil.ReverseProxy):
//   - a user's chosen base URL never receives the operator's OpenAI or
//     Anthropic key, saved or only tested from the form;
//   - Ollama and LM Studio are unavailable until the operator names them;
//   - behind TRUSTED_PROXIES each client is itself: an attacker's wrong
//     passwords from one address lock that address out, not the owner
//     signing in from another, whose session shows their own address;
//   - successes do not count: the owner signs in again and again.
func TestSecurityReviewThroughBinary(t *testing.T) {
	catcher := &keyCatcher{}
	evil := httptest.NewServer(catcher)
	defer evil.Close()
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off",
		"OPENAI_API_KEY=sk-operator-secret-openai", "ANTHROPIC_API_KEY=sk-ant-operator-secret",
		"CLOUD_ALLOWED_HOSTS=127.0.0.1", "TRUSTED_PROXIES=127.0.0.1/32")
	backend, _ := url.Parse(srv.addr)
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(backend))
	defer proxy.Close()

	owner := from(newClient(t, proxy.URL), "127.0.0.2")
	owner.json("POST", "/api/auth/register", map[string]any{"email": "owner@example.com", "password": "a long enough passphrase"}, 201)
	owner.token = owner.json("POST", "/api/auth/login", map[string]any{"email": "owner@example.com", "password": "a long enough passphrase"}, 200)["access_token"].(string)

	// 1. The operator's keys never leave for a URL the user chose.
	for _, provider := range []string{"openai", "anthropic"} {
		body := map[string]any{"provider": provider, "base_url": evil.URL + "/v1"}
		if code, b := rawJSON(owner, "PUT", "/api/settings/ai", body); code != 422 || !strings.Contains(string(b), "api_key") {
			t.Errorf("%s settings with a custom URL and no key of the user's own: %d %s", provider, code, b)
		}
		code, b := rawJSON(owner, "POST", "/api/ai/health", body)
		if code != 200 || bytes.Contains(b, []byte(`"ok":true`)) {
			t.Errorf("%s health of an unsaved form naming the attacker: %d %s", provider, code, b)
		}
	}
	if got := catcher.credentials(); strings.Contains(got, "operator-secret") {
		t.Fatalf("the operator's AI key reached the user's URL: %s", got)
	}
	// With the user's own key, that key (and only it) goes there.
	rawJSON(owner, "POST", "/api/ai/health", map[string]any{"provider": "openai", "base_url": evil.URL + "/v1", "api_key": "sk-users-own"})
	if got := catcher.credentials(); !strings.Contains(got, "sk-users-own") || strings.Contains(got, "operator-secret") {
		t.Fatalf("credentials seen by the user's server: %q", got)
	}

	// 6. Local AI servers are the operator's choice.
	providers := owner.json("GET", "/api/ai/providers", nil, 200)["items"].([]any)
	for _, p := range providers {
		p := p.(map[string]any)
		if (p["name"] == "ollama" || p["name"] == "lmstudio") && p["configured"] != false {
			t.Errorf("%s is offered without OLLAMA_BASE_URL/LMSTUDIO_BASE_URL: %v", p["name"], p)
		}
	}
	if code, b := rawJSON(owner, "PUT", "/api/settings/ai", map[string]any{"provider": "ollama"}); code != 422 {
		t.Errorf("ollama with no server named by the operator: %d %s", code, b)
	}

	// 4 and 5. An attacker at 127.0.0.3 guesses the owner's password.
	attacker := from(newClient(t, proxy.URL), "127.0.0.3")
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		code, _ := rawJSON(attacker, "POST", "/api/auth/login", map[string]any{"email": "owner@example.com", "password": "wrong guess number " + string(rune('a'+i%26))})
		limited = code == 429
	}
	if !limited {
		t.Fatal("40 wrong passwords from one address were never refused with 429")
	}
	// The owner, from their own address, still signs in, several times.
	for i := 0; i < 5; i++ {
		c := from(newClient(t, proxy.URL), "127.0.0.2")
		if code, b := rawJSON(c, "POST", "/api/auth/login", map[string]any{"email": "owner@example.com", "password": "a long enough passphrase"}); code != 200 {
			t.Fatalf("the owner's sign-in %d after the attack: %d %s", i+1, code, b)
		}
	}
	sessions := owner.json("GET", "/api/auth/sessions", nil, 200)["items"].([]any)
	for _, s := range sessions {
		if ip := s.(map[string]any)["ip"]; ip != "127.0.0.2" {
			t.Errorf("a session of the owner shows %v, not the owner's address behind the proxy", ip)
		}
	}
	srv.stop(t)
}

// rawJSON sends a JSON body and returns the status and body without failing.
func rawJSON(c *client, method, path string, in any) (int, []byte) {
	b, _ := json.Marshal(in)
	code, body, _ := c.call(method, path, bytes.NewReader(b), "application/json")
	return code, body
}
