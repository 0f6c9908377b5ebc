package api_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
)

// TestRefreshRotationAndReuse: client A rotates its refresh token; a thief
// (client B) replays the old one: 401, the whole family is revoked (A's new
// refresh token and access token stop working), auth.refresh_reuse is
// written and one security alert is mailed.
func TestRefreshRotationAndReuse(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		first := a.refreshCookie()
		if first == "" {
			t.Fatal("no refresh cookie")
		}
		out := a.must(200, "POST", "/api/auth/refresh", nil)
		a.token = out["access_token"].(string)
		second := a.refreshCookie()
		if second == "" || second == first {
			t.Fatal("refresh token not rotated")
		}
		a.must(200, "GET", "/api/me", nil)

		thief := e.client(t)
		thief.setRefreshCookie(first)
		if out := thief.must(401, "POST", "/api/auth/refresh", nil); code(out) != "unauthorized" {
			t.Fatalf("reuse: %v", out)
		}
		a.must(401, "POST", "/api/auth/refresh", nil)
		a.must(401, "GET", "/api/me", nil)
		if e.auditCount(t, "auth.refresh_reuse", "") != 1 {
			t.Fatal("no auth.refresh_reuse event")
		}
		if _, alerts := e.mail.counts("ann@example.com"); alerts != 1 {
			t.Fatalf("%d security alerts, want 1", alerts)
		}
		// Another sign-in is unaffected.
		e.client(t).login("ann@example.com", goodPassword)
	})
}

// TestConcurrentRefresh documents the chosen outcome: of two refreshes with
// the same token exactly one succeeds, the other is treated as reuse, and
// so the family ends (the winner's new refresh token is refused too).
func TestConcurrentRefresh(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		tok := a.refreshCookie()
		clients := []*client{e.client(t), e.client(t)}
		statuses := make([]int, len(clients))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, c := range clients {
			c.setRefreshCookie(tok)
			wg.Go(func() {
				<-start
				statuses[i], _ = c.do("POST", "/api/auth/refresh", nil)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, s := range statuses {
			switch s {
			case 200:
				if winner >= 0 {
					t.Fatalf("two refreshes succeeded: %v", statuses)
				}
				winner = i
			case 401:
			default:
				t.Fatalf("statuses %v", statuses)
			}
		}
		if winner < 0 {
			t.Fatalf("no refresh succeeded: %v", statuses)
		}
		clients[winner].must(401, "POST", "/api/auth/refresh", nil)
		if e.auditCount(t, "auth.refresh_reuse", "") != 1 {
			t.Fatal("no auth.refresh_reuse event")
		}
	})
}

// TestLogoutEndsAccessToken: the access token stops working at once, long
// before its 15 minutes, and so does the refresh cookie.
func TestLogoutEndsAccessToken(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		refresh := a.refreshCookie()
		a.must(200, "GET", "/api/me", nil)
		a.must(204, "POST", "/api/auth/logout", nil)
		if out := a.must(401, "GET", "/api/me", nil); code(out) != "unauthorized" {
			t.Fatalf("%v", out)
		}
		if a.refreshCookie() != "" {
			t.Fatal("logout did not clear the refresh cookie")
		}
		a.setRefreshCookie(refresh)
		a.must(401, "POST", "/api/auth/refresh", nil)
		if e.auditCount(t, "auth.logout", "") != 1 {
			t.Fatal("no auth.logout event")
		}
	})
}

func TestSessionsListAndRevoke(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		b := e.client(t)
		b.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
		b.login("ann@example.com", goodPassword)
		items := a.must(200, "GET", "/api/auth/sessions", nil)["items"].([]any)
		if len(items) != 2 {
			t.Fatalf("sessions %v", items)
		}
		var other string
		for _, it := range items {
			s := it.(map[string]any)
			if s["current"] == true {
				continue
			}
			other = s["id"].(string)
			if s["device"] != "Safari on iPhone" || s["ip"] != "127.0.0.1" || s["last_used_at"] == nil {
				t.Fatalf("session %v", s)
			}
		}
		if other == "" {
			t.Fatal("no current flag")
		}
		mallory := e.client(t)
		mallory.register("mallory@example.com")
		mallory.must(404, "DELETE", "/api/auth/sessions/"+other, nil)
		b.must(200, "GET", "/api/me", nil)
		a.must(204, "DELETE", "/api/auth/sessions/"+other, nil)
		b.must(401, "GET", "/api/me", nil)
		b.must(401, "POST", "/api/auth/refresh", nil)
		if items := a.must(200, "GET", "/api/auth/sessions", nil)["items"].([]any); len(items) != 1 {
			t.Fatalf("after revoke: %v", items)
		}
	})
}

// TestCookieAuthAndCSRF: the httpOnly access cookie authenticates the web
// UI; state-changing cookie requests need a same-origin Origin or
// Sec-Fetch-Site, and so does the refresh.
func TestCookieAuthAndCSRF(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		a.token = "" // the cookie alone from here
		a.noCSRF = true
		if me := a.must(200, "GET", "/api/me", nil); me["user"] == nil {
			t.Fatal("cookie did not authenticate")
		}
		if out := a.must(403, "PATCH", "/api/me", map[string]any{"display_name": "x"}); code(out) != "forbidden" {
			t.Fatalf("%v", out)
		}
		a.must(403, "POST", "/api/auth/refresh", nil)
		a.noCSRF = false
		a.must(200, "PATCH", "/api/me", map[string]any{"display_name": "x"})
		a.must(200, "POST", "/api/auth/refresh", nil)
		// A cross-site page cannot use the cookie either.
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/auth/logout", nil)
		req.Header.Set("User-Agent", a.ua)
		req.Header.Set("Accept-Language", a.lang)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := a.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 403 {
			t.Fatalf("cross-site logout: %d", res.StatusCode)
		}
		u, _ := url.Parse(e.srv.URL)
		for _, ck := range a.hc.Jar.Cookies(u) {
			if ck.Name == "dv_access" && ck.Value != "" {
				return
			}
		}
		t.Fatal("access cookie missing from the jar")
	})
}
