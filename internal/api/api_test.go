package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/apptest"
)

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

func TestUnknownAPIPathIsProblemJSON(t *testing.T) {
	a := apptest.New(t)
	res, body := getJSON(t, a.URL+"/api/nope", nil)
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
	a := apptest.New(t, apptest.Env("METRICS_TOKEN", "m-secret")) // the real registry
	getJSON(t, a.URL+"/health", nil)
	res, body := getJSON(t, a.URL+"/metrics", nil)
	if res.StatusCode != 401 || body["code"] != "unauthorized" {
		t.Fatalf("metrics without token: %d %v", res.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", a.URL+"/metrics", nil)
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
	a := apptest.New(t)
	res, doc := getJSON(t, a.URL+"/api/openapi.json", nil)
	if res.StatusCode != 200 || doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi: %d %v", res.StatusCode, doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, route := range a.API.Routes() {
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
