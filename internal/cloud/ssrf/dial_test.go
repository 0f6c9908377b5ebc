package ssrf

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func mustHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		t.Fatalf("accepted %q: parse %v, scheme %q", raw, err, u.Scheme)
	}
	return u.Hostname()
}

// startDNS runs a real UDP DNS server on 127.0.0.1 that answers A queries
// from records and NXDOMAIN otherwise, and returns a resolver that uses it.
func startDNS(t *testing.T, records map[string][4]byte) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			resp := dnsmessage.Message{
				Header:    dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true},
				Questions: []dnsmessage.Question{q},
			}
			a, ok := records[strings.ToLower(q.Name.String())]
			switch {
			case ok && q.Type == dnsmessage.TypeA:
				resp.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 1},
					Body:   &dnsmessage.AResource{A: a},
				}}
			case ok:
				// name exists, no record of this type
			default:
				resp.RCode = dnsmessage.RCodeNameError
			}
			out, err := resp.Pack()
			if err != nil {
				continue
			}
			pc.WriteTo(out, addr)
		}
	}()
	server := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
}

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "reached")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(ctx context.Context, c *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestClientRefusesLoopbackWithoutAllowlist(t *testing.T) {
	srv := okServer(t)
	g, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, u := range []string{
		srv.URL,
		"http://localhost:" + strconv.Itoa(port) + "/",
		"http://2130706433:" + strconv.Itoa(port) + "/",
		"http://[::ffff:127.0.0.1]:" + strconv.Itoa(port) + "/",
	} {
		body, err := get(ctx, g.Client(0), u)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s = %q, %v; want ErrForbiddenAddress", u, body, err)
		}
	}
}

func TestDialTimeCheckAfterDNS(t *testing.T) {
	srv := okServer(t)
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	res := startDNS(t, map[string][4]byte{
		"rebind.example.":  {127, 0, 0, 1},
		"private.example.": {10, 0, 0, 5},
		"meta.example.":    {169, 254, 169, 254},
		"nas.lan.":         {127, 0, 0, 1},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	g, err := New([]string{"nas.lan"})
	if err != nil {
		t.Fatal(err)
	}
	g = g.WithResolver(res)
	c := g.Client(0)

	// The names pass the static check: only the dial-time check stops them.
	for _, name := range []string{"rebind.example", "private.example", "meta.example"} {
		u := "http://" + name + ":" + port + "/"
		if err := g.CheckURL(u); err != nil {
			t.Fatalf("static CheckURL(%q) = %v; the test needs it to pass", u, err)
		}
		_, err := get(ctx, c, u)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: %v, want ErrForbiddenAddress", u, err)
		}
	}
	_, err = get(ctx, c, "http://rebind.example:"+port+"/")
	if err == nil || !strings.Contains(err.Error(), "address 127.0.0.1 is a loopback address") {
		t.Errorf("error should name the resolved address: %v", err)
	}

	// An allowlisted name may resolve to the LAN (here loopback).
	body, err := get(ctx, c, "http://nas.lan:"+port+"/")
	if err != nil || body != "reached" {
		t.Fatalf("allowlisted name: %q, %v", body, err)
	}
	// But not to a metadata service.
	if err := g.controlMetadataOnly("tcp", "169.254.169.254:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("metadata via allowlisted name: %v", err)
	}
}

func TestRedirectToLoopbackRefused(t *testing.T) {
	target := okServer(t)
	var redirects atomic.Int32
	// The "allowed" server listens on 127.0.0.2 when the system routes it,
	// so that only it, not 127.0.0.1, is on the allowlist.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, "front")
		case "/scheme":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		default:
			redirects.Add(1)
			http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
		}
	}))
	front.Listener.Close()
	front.Listener = ln
	front.Start()
	defer front.Close()

	g, err := New([]string{"127.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := g.Client(5 * time.Second)
	if body, err := get(ctx, c, front.URL+"/ok"); err != nil || body != "front" {
		t.Fatalf("allowlisted server: %q, %v", body, err)
	}
	body, err := get(ctx, c, front.URL+"/go")
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("redirect to %s: body %q, err %v; want ErrForbiddenAddress", target.URL, body, err)
	}
	if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error should say the redirect was refused: %v", err)
	}
	if redirects.Load() != 1 {
		t.Errorf("front saw %d redirecting requests, want 1", redirects.Load())
	}
	if _, err := get(ctx, c, front.URL+"/scheme"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("redirect to file: %v", err)
	}

	// The bare transport (as used by gowebdav, which brings its own
	// client) refuses the redirect hop too.
	plain := &http.Client{Transport: g.Transport()}
	if _, err := get(ctx, plain, front.URL+"/go"); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("transport-only redirect: %v", err)
	}
}
