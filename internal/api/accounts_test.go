package api_test

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/auth"
)

func TestRegisterLoginAndMe(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		c := e.client(t)
		out := c.must(201, "POST", "/api/auth/register", map[string]any{"email": "Ann@Example.com", "password": goodPassword, "display_name": "Ann"})
		u := out["user"].(map[string]any)
		for _, k := range []string{"id", "email", "display_name", "role", "totp_enabled", "quota_bytes", "quota_documents", "used_bytes", "document_count", "created_at"} {
			if _, ok := u[k]; !ok {
				t.Errorf("user lacks %q: %v", k, u)
			}
		}
		if u["email"] != "ann@example.com" || u["role"] != "user" || u["totp_enabled"] != false || u["display_name"] != "Ann" {
			t.Fatalf("user %v", u)
		}
		if _, ok := u["password_hash"]; ok {
			t.Fatal("the hash leaks")
		}
		if out := c.must(409, "POST", "/api/auth/register", map[string]any{"email": "ann@example.com", "password": goodPassword}); code(out) != "conflict" {
			t.Fatalf("taken email: %v", out)
		}
		out = c.must(422, "POST", "/api/auth/register", map[string]any{"email": "bob@example.com", "password": "short pw 11"})
		if errs, _ := out["errors"].(map[string]any); errs["password"] == nil {
			t.Fatalf("weak password: %v", out)
		}
		c.must(400, "POST", "/api/auth/register", map[string]any{"email": "bob@example.com", "password": goodPassword, "role": "admin"})
		c.must(400, "POST", "/api/auth/register", `{"email": "bob@example.com", "password": 123456789012}`)

		login := c.login("ann@example.com", goodPassword)
		if login["token_type"] != "Bearer" || login["expires_in"] != float64(900) || login["user"].(map[string]any)["id"] != u["id"] {
			t.Fatalf("login %v", login)
		}
		var refresh *http.Cookie
		for _, ck := range (&http.Response{Header: c.lastHdr}).Cookies() {
			if ck.Name == "dv_refresh" {
				refresh = ck
			}
		}
		if refresh == nil || !refresh.HttpOnly || refresh.SameSite != http.SameSiteStrictMode || refresh.Path != "/api/auth" || refresh.Secure {
			t.Fatalf("refresh cookie %+v", refresh)
		}
		me := c.must(200, "GET", "/api/me", nil)["user"].(map[string]any)
		if me["id"] != u["id"] {
			t.Fatalf("me %v", me)
		}
		me = c.must(200, "PATCH", "/api/me", map[string]any{"display_name": "  Ann B  "})["user"].(map[string]any)
		if me["display_name"] != "Ann B" {
			t.Fatalf("patched %v", me)
		}
		for _, body := range []string{`{"role": "admin"}`, `{"quota_bytes": 0}`, `{"display_name": 5}`} {
			c.must(400, "PATCH", "/api/me", body)
		}
		if me := c.must(200, "GET", "/api/me", nil)["user"].(map[string]any); me["role"] != "user" {
			t.Fatal("mass assignment")
		}
		if e.auditCount(t, "auth.register", u["id"].(string)) != 1 || e.auditCount(t, "auth.login", u["id"].(string)) != 1 {
			t.Fatal("audit events missing")
		}
	})
}

// TestLoginDoesNotRevealEmails: unknown email, wrong password and disabled
// account get the same answer.
func TestLoginDoesNotRevealEmails(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		c := e.client(t)
		c.register("ann@example.com")
		answers := map[string]map[string]any{}
		for name, body := range map[string]map[string]any{
			"unknown email":  {"email": "nobody@example.com", "password": goodPassword},
			"wrong password": {"email": "ann@example.com", "password": "wrong password here"},
		} {
			status, out := e.client(t).do("POST", "/api/auth/login", body)
			if status != 401 || code(out) != "unauthorized" {
				t.Fatalf("%s: %d %v", name, status, out)
			}
			delete(out, "request_id")
			answers[name] = out
		}
		if fmt.Sprint(answers["unknown email"]) != fmt.Sprint(answers["wrong password"]) {
			t.Fatalf("answers differ:\n%v\n%v", answers["unknown email"], answers["wrong password"])
		}
		if e.auditCount(t, "auth.login_failed", "") != 2 {
			t.Fatalf("login_failed events: %d", e.auditCount(t, "auth.login_failed", ""))
		}
	})
}

func TestRegistrationClosed(t *testing.T) {
	eachAuthEnv(t, func(c *auth.Config) { c.RegistrationOpen = false }, func(t *testing.T, e *authEnv) {
		out := e.client(t).must(403, "POST", "/api/auth/register", map[string]any{"email": "a@example.com", "password": goodPassword})
		if code(out) != "forbidden" {
			t.Fatalf("%v", out)
		}
	})
}

// TestBreachedPasswordRefused runs registration against a local range API:
// a breached password is 422, a clean one passes, and a failing service
// lets the password through (fail-open).
func TestBreachedPasswordRefused(t *testing.T) {
	breached := "password1234!"
	sum := sha1.Sum([]byte(breached))
	full := strings.ToUpper(hex.EncodeToString(sum[:]))
	up := true
	hibp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if strings.TrimPrefix(r.URL.Path, "/range/") == full[:5] {
			fmt.Fprintf(w, "%s:3861493\r\n", full[5:])
		}
		fmt.Fprint(w, "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n")
	}))
	defer hibp.Close()
	eachAuthEnv(t, func(c *auth.Config) { c.HIBPURL = hibp.URL + "/range/" }, func(t *testing.T, e *authEnv) {
		up = true
		c := e.client(t)
		out := c.must(422, "POST", "/api/auth/register", map[string]any{"email": "a@example.com", "password": breached})
		if errs, _ := out["errors"].(map[string]any); !strings.Contains(fmt.Sprint(errs["password"]), "breach") {
			t.Fatalf("breached: %v", out)
		}
		c.must(201, "POST", "/api/auth/register", map[string]any{"email": "a@example.com", "password": goodPassword})
		up = false
		c.must(201, "POST", "/api/auth/register", map[string]any{"email": "b@example.com", "password": breached})
	})
}

// TestPasswordChangeRevokesOtherSessions: the device that changes the
// password stays signed in; every other session ends at once.
func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		b := e.client(t)
		b.login("ann@example.com", goodPassword)
		out := a.must(422, "POST", "/api/auth/password", map[string]any{"current_password": "not my password", "new_password": "another fine password"})
		if errs, _ := out["errors"].(map[string]any); errs["current_password"] == nil {
			t.Fatalf("%v", out)
		}
		a.must(204, "POST", "/api/auth/password", map[string]any{"current_password": goodPassword, "new_password": "another fine password"})
		a.must(200, "GET", "/api/me", nil)
		b.must(401, "GET", "/api/me", nil)
		b.must(401, "POST", "/api/auth/refresh", nil)
		a.must(200, "POST", "/api/auth/refresh", nil)
		e.client(t).must(401, "POST", "/api/auth/login", map[string]any{"email": "ann@example.com", "password": goodPassword})
		e.client(t).login("ann@example.com", "another fine password")
		if e.auditCount(t, "auth.password_change", "") != 1 {
			t.Fatal("no auth.password_change event")
		}
	})
}

func TestPasswordReset(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		anon := e.client(t)
		unknown := anon.must(202, "POST", "/api/auth/password-reset/request", map[string]any{"email": "nobody@example.com"})
		known := anon.must(202, "POST", "/api/auth/password-reset/request", map[string]any{"email": "ANN@example.com"})
		if fmt.Sprint(unknown) != fmt.Sprint(known) {
			t.Fatalf("answers differ: %v / %v", unknown, known)
		}
		if n, _ := e.mail.counts("nobody@example.com"); n != 0 {
			t.Fatal("mail to an unknown address")
		}
		e.mail.mu.Lock()
		links := e.mail.resets["ann@example.com"]
		e.mail.mu.Unlock()
		if len(links) != 1 || !strings.HasPrefix(links[0], "http://vault.test/reset-password?token=") {
			t.Fatalf("links %v", links)
		}
		u, _ := url.Parse(links[0])
		token := u.Query().Get("token")
		// A weak password does not spend the token.
		anon.must(422, "POST", "/api/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "short"})
		anon.must(204, "POST", "/api/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "a brand new password"})
		out := anon.must(422, "POST", "/api/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "yet another password"})
		if errs, _ := out["errors"].(map[string]any); errs["token"] == nil {
			t.Fatalf("reused token: %v", out)
		}
		anon.must(422, "POST", "/api/auth/password-reset/confirm", map[string]any{"token": "made-up", "new_password": "yet another password"})
		a.must(401, "GET", "/api/me", nil) // every session ended
		e.client(t).login("ann@example.com", "a brand new password")
		if e.auditCount(t, "auth.password_reset", "") != 1 {
			t.Fatal("no auth.password_reset event")
		}
	})
}

// TestRateLimits: failed sign-ins per (account, address), registrations per
// address and reset requests per account; 429 rate_limited with Retry-After.
// The failure-only counting is TestLoginLimitsCountFailuresOnly's.
func TestRateLimits(t *testing.T) {
	three := auth.Limit{N: 3, Window: 1e12}
	eachAuthEnv(t, func(c *auth.Config) {
		c.Limits.LoginPerAccountIP = three
		c.Limits.RegisterPerIP = auth.Limit{N: 4, Window: 1e12}
		c.Limits.ResetPerAccount = three
	}, func(t *testing.T, e *authEnv) {
		c := e.client(t)
		c.register("ann@example.com") // a success: not counted
		wrong := map[string]any{"email": "ann@example.com", "password": "wrong password here"}
		c.must(401, "POST", "/api/auth/login", wrong) // 1
		c.must(401, "POST", "/api/auth/login", wrong) // 2
		c.must(401, "POST", "/api/auth/login", wrong) // 3
		status, out := c.do("POST", "/api/auth/login", map[string]any{"email": "ann@example.com", "password": goodPassword})
		if status != 429 || code(out) != "rate_limited" || c.lastHdr.Get("Retry-After") == "" {
			t.Fatalf("4th login: %d %v Retry-After=%q", status, out, c.lastHdr.Get("Retry-After"))
		}
		// Unknown emails are limited the same way (no enumeration by limit).
		for range 3 {
			c.must(401, "POST", "/api/auth/login", map[string]any{"email": "ghost@example.com", "password": "x"})
		}
		c.must(429, "POST", "/api/auth/login", map[string]any{"email": "ghost@example.com", "password": "x"})

		// Registration per IP: 1 done above, 3 more allowed.
		for i := range 3 {
			c.must(201, "POST", "/api/auth/register", map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "password": goodPassword})
		}
		c.must(429, "POST", "/api/auth/register", map[string]any{"email": "u9@example.com", "password": goodPassword})

		for range 3 {
			c.must(202, "POST", "/api/auth/password-reset/request", map[string]any{"email": "u0@example.com"})
		}
		c.must(429, "POST", "/api/auth/password-reset/request", map[string]any{"email": "u0@example.com"})
		if n, _ := e.mail.counts("u0@example.com"); n != 3 {
			t.Fatalf("%d reset mails, want 3", n)
		}
	})
}
