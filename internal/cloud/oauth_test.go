package cloud

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeOAuth is an OAuth2 authorization server's token endpoint plus the
// bearer check a resource server does, speaking RFC 6749 / RFC 7636.
type fakeOAuth struct {
	mu        sync.Mutex
	access    map[string]bool   // valid access tokens
	refresh   map[string]bool   // valid refresh tokens
	codes     map[string]string // code -> S256 challenge
	issued    int
	refreshes int
}

func newFakeOAuth() *fakeOAuth {
	return &fakeOAuth{access: map[string]bool{}, refresh: map[string]bool{}, codes: map[string]string{}}
}

// grant makes a valid token pair.
func (f *fakeOAuth) grant(accessToken, refreshToken string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if accessToken != "" {
		f.access[accessToken] = true
	}
	f.refresh[refreshToken] = true
}

func (f *fakeOAuth) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	return ok && f.access[tok]
}

func (f *fakeOAuth) tokenHandler(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	oauthError := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "fake says " + code})
	}
	if id != "client-id" || secret != "client-secret" {
		oauthError("invalid_client")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		challenge, ok := f.codes[r.PostForm.Get("code")]
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			oauthError("invalid_grant")
			return
		}
		delete(f.codes, r.PostForm.Get("code"))
	case "refresh_token":
		if !f.refresh[r.PostForm.Get("refresh_token")] {
			oauthError("invalid_grant")
			return
		}
		f.refreshes++
	default:
		oauthError("unsupported_grant_type")
		return
	}
	f.issued++
	at, rt := fmt.Sprintf("at-%d", f.issued), fmt.Sprintf("rt-%d", f.issued)
	f.access[at] = true
	f.refresh[rt] = true
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": at, "refresh_token": rt, "token_type": "Bearer", "expires_in": 3600})
}

// consent plays the user approving at the authorization URL: it checks
// the PKCE parameters and returns the code the callback would get.
func (f *fakeOAuth) consent(t *testing.T, authURL string) (code, state string) {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		t.Fatalf("auth URL lacks PKCE S256: %s", authURL)
	}
	if q.Get("response_type") != "code" || q.Get("state") == "" || q.Get("access_type") != "offline" {
		t.Fatalf("auth URL: %s", authURL)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code = fmt.Sprintf("code-%d", len(f.codes)+1)
	f.codes[code] = q.Get("code_challenge")
	return code, q.Get("state")
}

func expired(access, refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", Expiry: time.Now().Add(-time.Hour)}
}

func fresh(access, refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
}

func TestAuthCodeFlowWithPKCE(t *testing.T) {
	fo := newFakeOAuth()
	srv := newTestServer(t, http.HandlerFunc(fo.tokenHandler))
	configs := map[string]*oauth2.Config{
		"google":   GoogleOAuthConfig("client-id", "client-secret", "https://docs.example.com/"),
		"onedrive": OneDriveOAuthConfig("client-id", "client-secret", "", "https://docs.example.com"),
	}
	wantRedirect := map[string]string{
		"google":   "https://docs.example.com/api/cloud/google/callback",
		"onedrive": "https://docs.example.com/api/cloud/onedrive/callback",
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			if cfg.RedirectURL != wantRedirect[name] {
				t.Errorf("redirect %q, want %q", cfg.RedirectURL, wantRedirect[name])
			}
			cfg.Endpoint.TokenURL = srv.URL + "/token"
			start, err := StartAuth(cfg)
			if err != nil {
				t.Fatal(err)
			}
			code, state := fo.consent(t, start.URL)
			if !StateMatches(start.State, state) || StateMatches(start.State, state+"x") || StateMatches("", "") {
				t.Error("StateMatches")
			}
			// A stolen code without the verifier is useless.
			if _, err := Exchange(ctxT(t), cfg, srv.Client(), code, oauth2.GenerateVerifier()); !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("exchange with the wrong verifier = %v, want ErrUnauthorized", err)
			}
			code, _ = fo.consent(t, start.URL)
			tok, err := Exchange(ctxT(t), cfg, srv.Client(), code, start.Verifier)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if !strings.HasPrefix(tok.AccessToken, "at-") || !strings.HasPrefix(tok.RefreshToken, "rt-") {
				t.Errorf("token %+v", tok)
			}
			if _, err := Exchange(ctxT(t), cfg, srv.Client(), code, start.Verifier); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("reused code = %v, want ErrUnauthorized", err)
			}
		})
	}
	other, _ := StartAuth(configs["google"])
	first, _ := StartAuth(configs["google"])
	if other.State == first.State || other.Verifier == first.Verifier {
		t.Error("state and verifier must be fresh each time")
	}
	if q := mustQuery(t, first.URL); !strings.Contains(q.Get("scope"), "drive.file") {
		t.Errorf("google scope %q", q.Get("scope"))
	}
	if q := mustQuery(t, OneDriveOAuthConfig("id", "s", "", "https://x").Endpoint.AuthURL); q != nil && !strings.Contains(OneDriveOAuthConfig("id", "s", "", "https://x").Endpoint.AuthURL, "/common/") {
		t.Error("default tenant should be common")
	}
	if !strings.Contains(OneDriveOAuthConfig("id", "s", "contoso", "https://x").Endpoint.TokenURL, "/contoso/oauth2/v2.0/token") {
		t.Error("tenant not used")
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
