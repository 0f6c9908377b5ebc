package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// recordingMailer is the Mailer of these tests: it keeps what was sent.
type recordingMailer struct {
	mu      sync.Mutex
	resets  map[string][]string // to -> links
	alerts  map[string][]auth.AlertInfo
	invites map[string][]string // to -> links
}

func (m *recordingMailer) PasswordReset(_ context.Context, to, link string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resets[to] = append(m.resets[to], link)
	return nil
}

func (m *recordingMailer) SecurityAlert(_ context.Context, to string, info auth.AlertInfo) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.alerts[to] = append(m.alerts[to], info)
	return nil
}

func (m *recordingMailer) Invitation(_ context.Context, to, link string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.invites == nil {
		m.invites = map[string][]string{}
	}
	m.invites[to] = append(m.invites[to], link)
	return nil
}

func (m *recordingMailer) counts(to string) (resets, alerts int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.resets[to]), len(m.alerts[to])
}

type removerFunc func(ctx context.Context, userID string) error

func (f removerFunc) RemoveUserData(ctx context.Context, userID string) error { return f(ctx, userID) }

// authEnv is a real API server over a real store and auth service.
type authEnv struct {
	srv     *httptest.Server
	st      *store.Store
	svc     *auth.Service
	mail    *recordingMailer
	secret  string
	removed []string
}

var generous = auth.Limit{N: 1000, Window: time.Hour}

func newAuthEnv(t *testing.T, st *store.Store, state auth.State, mod func(*auth.Config)) *authEnv {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	e := &authEnv{st: st, secret: "test secret " + hex.EncodeToString(b),
		mail: &recordingMailer{resets: map[string][]string{}, alerts: map[string][]auth.AlertInfo{}}}
	cfg := auth.Config{SecretKey: e.secret, RegistrationOpen: true, HIBPURL: "off", FrontendURL: "http://vault.test",
		Argon2: auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}, InsecureArgon2ForTests: true,
		Limits: auth.Limits{LoginPerAccountIP: generous, LoginPerAccount: generous, LoginPerIP: generous, TOTPPerAccountIP: generous,
			TOTPPerAccount: generous, ResetPerAccount: generous, ResetPerIP: generous, RegisterPerAccount: generous, RegisterPerIP: generous}}
	if mod != nil {
		mod(&cfg)
	}
	cfg.UserData = removerFunc(func(_ context.Context, id string) error {
		e.removed = append(e.removed, id)
		return nil
	})
	svc, err := auth.New(st, state, e.mail, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.srv = httptest.NewServer(authAPI(st, svc, nil))
	t.Cleanup(e.srv.Close)
	return e
}

// eachAuthEnv runs fn on SQLite and PostgreSQL with the database State, and
// on SQLite with Redis State.
func eachAuthEnv(t *testing.T, mod func(*auth.Config), fn func(t *testing.T, e *authEnv)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, newAuthEnv(t, st, auth.NewDBState(st), mod))
	})
	t.Run("redis", func(t *testing.T) {
		st := storetest.Open(t, store.SQLite)
		fn(t, newAuthEnv(t, st, openRedis(t), mod))
	})
}

func openRedis(t *testing.T) auth.State {
	t.Helper()
	u := os.Getenv("DOCUVAULT_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/0"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	r, err := auth.NewRedisState(context.Background(), u, "dvtest:"+hex.EncodeToString(b)+":")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("DOCUVAULT_REQUIRE_REDIS") == "1" {
			t.Fatalf("Redis at %s is required (CI=true or DOCUVAULT_REQUIRE_REDIS=1) but unreachable: %v", u, err)
		}
		t.Skipf("SKIPPING Redis run: no server at %s (%v); set DOCUVAULT_TEST_REDIS_URL", u, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// client is one browser or device: its own cookie jar, User-Agent and
// Accept-Language, and the last access token it got.
type client struct {
	t       *testing.T
	e       *authEnv
	hc      *http.Client
	ua      string
	lang    string
	token   string
	noCSRF  bool // send no Origin / Sec-Fetch-Site
	extra   http.Header
	lastHdr http.Header
}

func (e *authEnv) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &client{t: t, e: e, hc: &http.Client{Jar: jar}, ua: "DocuVaultTest/" + hex.EncodeToString(b) + " (X11; Linux x86_64) Firefox/140.0", lang: "en-GB"}
}

// do sends a request; body is a JSON value, or a string sent as is.
func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept-Language", c.lang)
	if !c.noCSRF {
		req.Header.Set("Origin", c.e.srv.URL)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.extra {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	c.lastHdr = res.Header
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, out
}

// must sends a request and fails unless the status is want.
func (c *client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	got, out := c.do(method, path, body)
	if got != want {
		c.t.Fatalf("%s %s: status %d, want %d: %v", method, path, got, want, out)
	}
	return out
}

const goodPassword = "correct horse battery staple"

// register creates an account and signs in with it.
func (c *client) register(email string) map[string]any {
	c.t.Helper()
	c.must(201, "POST", "/api/auth/register", map[string]any{"email": email, "password": goodPassword})
	return c.login(email, goodPassword)
}

func (c *client) login(email, password string) map[string]any {
	c.t.Helper()
	out := c.must(200, "POST", "/api/auth/login", map[string]any{"email": email, "password": password})
	c.token = out["access_token"].(string)
	return out
}

// refreshCookie is the refresh token in the client's jar.
func (c *client) refreshCookie() string {
	u, _ := url.Parse(c.e.srv.URL + "/api/auth/refresh")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "dv_refresh" {
			return ck.Value
		}
	}
	return ""
}

func (c *client) setRefreshCookie(v string) {
	u, _ := url.Parse(c.e.srv.URL + "/api/auth/refresh")
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "dv_refresh", Value: v, Path: "/api/auth"}})
}

// auditCount counts audit entries with that action (and actor, when given).
func (e *authEnv) auditCount(t *testing.T, action, actor string) int {
	t.Helper()
	list, _, err := e.st.ListAudit(context.Background(), store.AuditFilter{Action: action, ActorID: actor}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func code(out map[string]any) string {
	s, _ := out["code"].(string)
	return s
}
