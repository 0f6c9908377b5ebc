package api_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Every provider of cloud.Kinds has its connect routes (POST
// /api/cloud/{slug} for a password form, GET /api/cloud/{slug}/authorize
// and /callback for OAuth) and is listed by GET /api/cloud under
// providers, configured or not.
func TestCloudRoutesFollowKinds(t *testing.T) {
	routes := bareAPI().Routes()
	for _, k := range cloud.Kinds {
		want := []string{"POST /api/cloud/" + k.Slug}
		if k.Auth() == cloud.AuthOAuth {
			want = []string{"GET /api/cloud/" + k.Slug + "/authorize", "GET /api/cloud/" + k.Slug + "/callback"}
		}
		for _, r := range want {
			if !slices.Contains(routes, r) {
				t.Errorf("kind %s: route %s is not registered", k.Name, r)
			}
		}
	}
	st := storetest.Open(t, store.SQLite)
	for _, oauth := range []bool{true, false} {
		e := newCloudEnv(t, st, cloudOpts{noOAuth: !oauth, noEngine: true})
		alice := e.user(map[bool]string{true: "a@x.test", false: "b@x.test"}[oauth], 0, 0)
		res, out := e.json(alice, "GET", "/api/cloud", nil)
		ps, _ := out["providers"].([]any)
		if res.StatusCode != 200 || len(ps) != len(cloud.Kinds) {
			t.Fatalf("GET /api/cloud: %d %v", res.StatusCode, out)
		}
		for i, k := range cloud.Kinds {
			p := ps[i].(map[string]any)
			configured := oauth || k.Auth() == cloud.AuthForm
			method := map[string]string{cloud.AuthOAuth: "GET ", cloud.AuthForm: "POST "}[k.Auth()]
			if path, _ := p["connect_path"].(string); !slices.Contains(routes, method+path) {
				t.Errorf("provider %v: connect_path is not a registered %sroute", p, method)
			}
			if p["kind"] != k.Name || p["display_name"] != k.DisplayName || p["auth"] != k.Auth() || p["configured"] != configured {
				t.Errorf("provider %v, want kind %s auth %s configured %v", p, k.Name, k.Auth(), configured)
			}
		}
	}
}

// Adding a provider is an entry in cloud.Kinds (and its own file): its
// connect routes are registered and described in the served openapi.json,
// and CloudAccount.kind lists it, with no edit in internal/api. With the
// table as it is, openapi.json is served unchanged. (Not parallel: it
// swaps the table for the test.)
func TestNewKindNeedsNoAPIEdit(t *testing.T) {
	saved := cloud.Kinds
	t.Cleanup(func() { cloud.Kinds = saved })
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	get := func(url string) []byte {
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return b
	}
	s := bareAPI()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	if b := get(srv.URL + "/api/openapi.json"); string(b) != string(file) {
		t.Fatal("openapi.json is not served as it is")
	}

	unused := errors.New("unused")
	cloud.Kinds = append(slices.Clone(saved),
		cloud.Kind{Name: "example_drive", Slug: "example", DisplayName: "Example Drive",
			Settings: "EXAMPLE_CLIENT_ID and EXAMPLE_CLIENT_SECRET",
			OAuthConfig: func(c cloud.OAuthClient, backendURL string) *oauth2.Config {
				return &oauth2.Config{ClientID: c.ID, RedirectURL: backendURL + "/api/cloud/example/callback"}
			},
			OpenToken: func(cloud.DriveEnv, *oauth2.Token) (cloud.Drive, error) { return nil, unused }},
		cloud.Kind{Name: "example_dav", Slug: "example-dav", DisplayName: "Example DAV",
			OpenPassword: func(cloud.DriveEnv, cloud.WebDAVCredentials) (cloud.Drive, error) { return nil, unused }})
	s = bareAPI()
	srv2 := httptest.NewServer(s.Handler())
	defer srv2.Close()
	routes := s.Routes()
	for _, r := range []string{"GET /api/cloud/example/authorize", "GET /api/cloud/example/callback", "POST /api/cloud/example-dav"} {
		if !slices.Contains(routes, r) {
			t.Errorf("route %s is not registered", r)
		}
	}
	_, doc := getJSON(t, srv2.URL+"/api/openapi.json", nil)
	paths := doc["paths"].(map[string]any)
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		if item, ok := paths[path].(map[string]any); !ok || item[strings.ToLower(method)] == nil {
			t.Errorf("route %s is not in the served openapi.json", route)
		}
	}
	op := paths["/api/cloud/example/authorize"].(map[string]any)["get"].(map[string]any)
	if op["summary"] != "Start connecting Example Drive" {
		t.Errorf("summary %v", op["summary"])
	}
	kind := doc["components"].(map[string]any)["schemas"].(map[string]any)["CloudAccount"].(map[string]any)["properties"].(map[string]any)["kind"].(map[string]any)
	if enum, _ := kind["enum"].([]any); !slices.Contains(enum, any("example_drive")) || !slices.Contains(enum, any("webdav")) {
		t.Errorf("kind enum %v", kind["enum"])
	}
}
