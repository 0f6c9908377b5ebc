package api_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

var proxyOnLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// serveAPI replaces e's server with one over the same store and service
// that trusts the given proxies; with behindProxy, a real reverse proxy
// (httputil.ReverseProxy, which appends X-Forwarded-For and dials from
// 127.0.0.1) stands in front of it and e's clients go through the proxy.
func serveAPI(t *testing.T, e *authEnv, trusted []netip.Prefix, behindProxy bool) {
	t.Helper()
	srv := httptest.NewServer(authAPI(e.st, e.svc, trusted))
	t.Cleanup(srv.Close)
	e.srv = srv
	if behindProxy {
		u, _ := url.Parse(srv.URL)
		proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
		t.Cleanup(proxy.Close)
		e.srv = proxy
	}
}

// at makes the client connect from the loopback address ip (127.0.0.2, ...),
// so that clients on one machine have addresses of their own.
func (c *client) at(ip string) *client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c.hc.Transport = &http.Transport{DialContext: d.DialContext}
	return c
}

// recordedIPs are the address of the client's only session and of the
// last auth.login event of the user.
func recordedIPs(t *testing.T, e *authEnv, c *client) (session, audit string) {
	t.Helper()
	out := c.must(200, "GET", "/api/auth/sessions", nil)
	items, _ := out["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no sessions: %v", out)
	}
	session, _ = items[len(items)-1].(map[string]any)["ip"].(string)
	me := c.must(200, "GET", "/api/me", nil)["user"].(map[string]any)
	list, _, err := e.st.ListAudit(context.Background(), store.AuditFilter{Action: "auth.login", ActorID: me["id"].(string)}, store.Page{Limit: 10})
	if err != nil || len(list) == 0 {
		t.Fatalf("no auth.login event: %v", err)
	}
	return session, list[0].IP
}

// TestClientAddressBehindReverseProxy: behind a reverse proxy named in
// TRUSTED_PROXIES, sessions and the audit log show each client's own
// address, and per-address sign-in limits hold per client: A's failures do
// not block B. On SQLite, PostgreSQL and Redis.
func TestClientAddressBehindReverseProxy(t *testing.T) {
	eachAuthEnv(t, func(c *auth.Config) {
		c.Limits.LoginPerAccountIP = auth.Limit{N: 3, Window: time.Hour}
		c.Limits.LoginPerIP = auth.Limit{N: 3, Window: time.Hour}
	}, func(t *testing.T, e *authEnv) {
		serveAPI(t, e, proxyOnLoopback, true)
		a, b := e.client(t).at("127.0.0.2"), e.client(t).at("127.0.0.3")
		a.register("ann@example.com")
		b.register("bob@example.com")
		for c, want := range map[*client]string{a: "127.0.0.2", b: "127.0.0.3"} {
			if session, audit := recordedIPs(t, e, c); session != want || audit != want {
				t.Fatalf("session IP %q, audit IP %q; want the client's %s", session, audit, want)
			}
		}
		// A guesses Bob's password until refused at A's address.
		wrong := map[string]any{"email": "bob@example.com", "password": "wrong password here"}
		for range 3 {
			a.must(401, "POST", "/api/auth/login", wrong)
		}
		a.must(429, "POST", "/api/auth/login", wrong)
		a.must(429, "POST", "/api/auth/login", map[string]any{"email": "ann@example.com", "password": "wrong password here"}) // per address
		// B, another client of the same proxy, is not refused.
		b.must(401, "POST", "/api/auth/login", map[string]any{"email": "nobody@example.com", "password": "wrong password here"})
		b.login("bob@example.com", goodPassword)
	})
}

// TestSpoofedForwardedForIgnored: a client that talks to DocuVault directly
// cannot choose its address with X-Forwarded-For or Forwarded, whether
// TRUSTED_PROXIES is unset or names another address.
func TestSpoofedForwardedForIgnored(t *testing.T) {
	for name, trusted := range map[string][]netip.Prefix{"no TRUSTED_PROXIES": nil, "client not a trusted proxy": proxyOnLoopback} {
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t, store.SQLite)
			e := newAuthEnv(t, st, auth.NewDBState(st), nil)
			serveAPI(t, e, trusted, false)
			c := e.client(t).at("127.0.0.2")
			c.extra = http.Header{"X-Forwarded-For": {"203.0.113.9"}, "Forwarded": {"for=203.0.113.9"}}
			c.register("ann@example.com")
			if session, audit := recordedIPs(t, e, c); session != "127.0.0.2" || audit != "127.0.0.2" {
				t.Fatalf("session IP %q, audit IP %q; want the connection's 127.0.0.2", session, audit)
			}
		})
	}
}

// TestForwardedPrefixCannotChooseAddress: through the trusted proxy, what
// the client puts in X-Forwarded-For stays left of the address the proxy
// appends; the rightmost untrusted address wins.
func TestForwardedPrefixCannotChooseAddress(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	e := newAuthEnv(t, st, auth.NewDBState(st), nil)
	serveAPI(t, e, proxyOnLoopback, true)
	c := e.client(t).at("127.0.0.2")
	c.extra = http.Header{"X-Forwarded-For": {"203.0.113.9, 127.0.0.1"}}
	c.register("ann@example.com")
	if session, audit := recordedIPs(t, e, c); session != "127.0.0.2" || audit != "127.0.0.2" {
		t.Fatalf("session IP %q, audit IP %q; want the client's 127.0.0.2", session, audit)
	}
	// A Forwarded header the proxy did not write disagrees with its
	// X-Forwarded-For: neither is believed.
	d := e.client(t).at("127.0.0.3")
	d.extra = http.Header{"Forwarded": {"for=203.0.113.9"}}
	d.register("dan@example.com")
	if session, audit := recordedIPs(t, e, d); session == "203.0.113.9" || audit == "203.0.113.9" {
		t.Fatalf("a client-written Forwarded chose the address: session %q, audit %q", session, audit)
	}
}
