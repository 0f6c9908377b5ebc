package store_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestPostgresPlansEachSearch: every connection of the PostgreSQL store plans
// each statement for its own arguments, so a search for a rare word does not
// run on a plan made for a common one (docs/performance.md). Asked on several
// connections at once, so more than the first one is checked.
func TestPostgresPlansEachSearch(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	for range 3 {
		// Held open until the end, so each turn gets another connection.
		c, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var mode string
		if err := c.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "force_custom_plan" {
			t.Fatalf("plan_cache_mode %q, want force_custom_plan", mode)
		}
	}

	// An operator's own value in DATABASE_URL is kept.
	u, err := url.Parse(storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("plan_cache_mode", "auto")
	u.RawQuery = q.Encode()
	own, err := store.Open(ctx, store.Options{DatabaseURL: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	var mode string
	if err := own.DB().QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "auto" {
		t.Fatalf("with plan_cache_mode=auto in DATABASE_URL: %q", mode)
	}
}
