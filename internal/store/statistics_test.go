package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestStatisticsRefresh: on PostgreSQL, a table that grew since its last
// ANALYZE is named stale (once the server's counters are flushed), and
// RefreshStatistics analyzes it: pg_class then counts its rows and it is
// no longer stale. SQLite names nothing and refreshes nothing.
func TestStatisticsRefresh(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mkUser(t, s, "stats@x.test", 0, 0)
		for i := range 120 {
			mkDoc(t, s, u.ID, fmt.Sprintf("doc %d", i), 10)
		}
		if s.Dialect() == store.SQLite {
			for _, f := range []func(context.Context) ([]string, error){s.StaleStatistics, s.RefreshStatistics} {
				if tables, err := f(ctx); err != nil || len(tables) != 0 {
					t.Fatalf("SQLite: %v, %v; want nothing", tables, err)
				}
			}
			return
		}
		var stale []string
		// The server's counters reach pg_stat_user_tables within seconds
		// (a backend flushes them when idle).
		for deadline := time.Now().Add(45 * time.Second); !slices.Contains(stale, "documents"); time.Sleep(250 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("documents never named stale after 120 inserts: %v", stale)
			}
			var err error
			if stale, err = s.StaleStatistics(ctx); err != nil {
				t.Fatal(err)
			}
		}
		done, err := s.RefreshStatistics(ctx)
		if err != nil || !slices.Contains(done, "documents") {
			t.Fatalf("RefreshStatistics = %v, %v; want documents analyzed", done, err)
		}
		var rows float64
		if err := s.DB().QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows < 120 {
			t.Fatalf("pg_class.reltuples = %v after ANALYZE, want at least 120", rows)
		}
		if stale, err = s.StaleStatistics(ctx); err != nil || slices.Contains(stale, "documents") {
			t.Fatalf("after the refresh: stale = %v, %v", stale, err)
		}
	})
}
