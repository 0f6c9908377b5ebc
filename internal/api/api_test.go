package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/api"
)

func newServer(t *testing.T, d api.Deps) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api.New(d).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func getJSON(t *testing.T, url string, hdr map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &body)
	return res, body
}

func TestHealth(t *testing.T) {
	ok := func(context.Context) error { return nil }
	bad := func(context.Context) error { return errors.New("connection refused: secret detail") }
	off := func(context.Context) error { return api.Unavailable{Reason: "tesseract is not installed"} }
	for _, tc := range []struct {
		name   string
		checks map[string]api.HealthCheck
		want   string
	}{
		{"all ok", map[string]api.HealthCheck{"database": ok, "storage": ok}, "ok"},
		{"storage down", map[string]api.HealthCheck{"database": ok, "storage": bad}, "degraded"},
		{"optional off", map[string]api.HealthCheck{"database": ok, "ocr": off}, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, api.Deps{Health: tc.checks, Version: "v-test"})
			res, body := getJSON(t, srv.URL+"/health", nil)
			if res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if body["status"] != tc.want || body["version"] != "v-test" {
				t.Fatalf("body %v", body)
			}
			checks := body["checks"].(map[string]any)
			if len(checks) != len(tc.checks) {
				t.Fatalf("checks %v", checks)
			}
			for _, v := range checks {
				if strings.Contains(v.(string), "secret detail") {
					t.Fatal("health leaks error details")
				}
			}
		})
	}
}

func TestUnknownAPIPathIsProblemJSON(t *testing.T) {
	srv := newServer(t, api.Deps{})
	res, body := getJSON(t, srv.URL+"/api/nope", nil)
	if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if body["code"] != "not_found" || body["status"] != float64(404) || body["title"] == "" || body["type"] == "" {
		t.Fatalf("body %v", body)
	}
	if res.Header.Get("X-Request-ID") == "" || body["request_id"] != res.Header.Get("X-Request-ID") {
		t.Fatalf("request id missing: %v", body)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("nosniff header missing")
	}
}

func TestMetricsAndToken(t *testing.T) {
	srv := newServer(t, api.Deps{MetricsToken: "m-secret"})
	getJSON(t, srv.URL+"/health", nil)
	res, body := getJSON(t, srv.URL+"/metrics", nil)
	if res.StatusCode != 401 || body["code"] != "unauthorized" {
		t.Fatalf("metrics without token: %d %v", res.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer m-secret")
	res2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res2.Body)
	res2.Body.Close()
	if res2.StatusCode != 200 || !strings.Contains(string(b), `docuvault_http_request_duration_seconds_count{method="GET",route="GET /health",status="200"} 1`) {
		t.Fatalf("metrics: %d\n%s", res2.StatusCode, b)
	}
}

func TestOpenAPICoversRoutes(t *testing.T) {
	s := api.New(api.Deps{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	res, doc := getJSON(t, srv.URL+"/api/openapi.json", nil)
	if res.StatusCode != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi: %d %v", res.StatusCode, doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, route := range s.Routes() {
		method, path, _ := strings.Cut(route, " ")
		item, ok := paths[path].(map[string]any)
		if !ok {
			t.Errorf("route %s is not in openapi.json", route)
			continue
		}
		if _, ok := item[strings.ToLower(method)]; !ok {
			t.Errorf("route %s: method missing in openapi.json", route)
		}
	}
}

// A client that stops sending its body mid-upload is disconnected instead
// of holding the connection open forever.
func TestStalledBodyIsDisconnected(t *testing.T) {
	s := api.New(api.Deps{IdleTimeout: 200 * time.Millisecond, Auth: allowAll{}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// An authenticated route that reads a JSON body.
	_, _ = io.WriteString(conn, "POST /api/topics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":")
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 4096)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server kept a stalled upload open")
		}
		return // closed by the server
	}
}

type allowAll struct{}

func (allowAll) Authenticate(context.Context, *http.Request) (*api.Principal, error) {
	return &api.Principal{UserID: "u", Role: "user", Via: "bearer"}, nil
}
