package api_test

import (
	"slices"
	"testing"

	"github.com/docuvault/docuvault/internal/api"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Every provider of cloud.Kinds has its connect routes (POST
// /api/cloud/{slug} for a password form, GET /api/cloud/{slug}/authorize
// and /callback for OAuth) and is listed by GET /api/cloud under
// providers, configured or not.
func TestCloudRoutesFollowKinds(t *testing.T) {
	routes := api.New(api.Deps{}).Routes()
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
			if p["kind"] != k.Name || p["display_name"] != k.DisplayName || p["auth"] != k.Auth() || p["configured"] != configured {
				t.Errorf("provider %v, want kind %s auth %s configured %v", p, k.Name, k.Auth(), configured)
			}
		}
	}
}
