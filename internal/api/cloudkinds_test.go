package api_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// GET /api/cloud names the kinds of drive this server offers: Google Drive
// and OneDrive only when the operator configured them, so the settings page
// shows no button that can only fail.
func TestCloudListNamesConfiguredProviders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, tc := range []struct {
			noOAuth bool
			want    string
		}{{true, "[nextcloud webdav]"}, {false, "[google_drive nextcloud onedrive webdav]"}} {
			e := newCloudEnv(t, st, cloudOpts{noOAuth: tc.noOAuth, noEngine: true})
			alice := e.user(fmt.Sprintf("kinds%v@x.test", tc.noOAuth), 0, 0)
			_, out := e.json(alice, "GET", "/api/cloud", nil)
			var configured []string
			for _, p := range out["providers"].([]any) {
				if p := p.(map[string]any); p["configured"] == true {
					configured = append(configured, p["kind"].(string))
				}
			}
			sort.Strings(configured)
			if got := fmt.Sprint(configured); got != tc.want {
				t.Errorf("OAuth configured %v: providers %s, want %s", !tc.noOAuth, got, tc.want)
			}
		}
	})
}
