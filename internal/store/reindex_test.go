package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// countHits is the number of matches over all pages.
func countHits(t *testing.T, s *store.Store, owner string, q store.SearchQuery) int {
	t.Helper()
	return len(allPages(t, s, owner, q, store.DocumentFilter{}, 200))
}

// An emptied and damaged index comes back whole after Reindex; a run cut
// after its first batch resumes from the saved position.
func TestReindexRepairsAndResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		docs := bulkDocs(t, s, a.ID, 45, func(i int) (string, string) {
			return fmt.Sprintf("Ledger %d", i), fmt.Sprintf("quarterly tangerine figures %d", i)
		})
		bulkDocs(t, s, b.ID, 5, func(i int) (string, string) { return "b", "tangerine" })
		if err := s.TrashDocument(ctx, a.ID, docs[0].ID); err != nil {
			t.Fatal(err)
		}
		if n := countHits(t, s, a.ID, words("tangerine")); n != 44 {
			t.Fatalf("before: %d hits", n)
		}

		// Damage: every entry gone, one stale entry for a document that has
		// no row (SQLite only: PostgreSQL's foreign key forbids it).
		if _, err := s.DB().ExecContext(ctx, `DELETE FROM document_search`); err != nil {
			t.Fatal(err)
		}
		if s.Dialect() == store.SQLite {
			if _, err := s.DB().ExecContext(ctx, `INSERT INTO document_search (rowid, owner_id, title, body)
				VALUES (999999, 'x', 'ghost', 'tangerine')`); err != nil {
				t.Fatal(err)
			}
		}
		if n := countHits(t, s, a.ID, words("tangerine")); n != 0 {
			t.Fatalf("damaged index still finds %d", n)
		}

		// A run cancelled after its first batch keeps what it did.
		cctx, cancel := context.WithCancel(ctx)
		var first []store.ReindexProgress
		_, err := s.Reindex(cctx, store.ReindexOptions{Batch: 10, Progress: func(p store.ReindexProgress) {
			first = append(first, p)
			cancel()
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run: %v", err)
		}
		if len(first) != 1 || first[0].Done != 10 || first[0].Total != 50 || first[0].Resumed {
			t.Fatalf("first run progress %+v", first)
		}

		// The next run resumes after those 10.
		var second []store.ReindexProgress
		p, err := s.Reindex(ctx, store.ReindexOptions{Batch: 10, Progress: func(p store.ReindexProgress) { second = append(second, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(second) != 4 || second[0].Done != 20 || !second[0].Resumed || p.Done != 50 || p.Total != 50 {
			t.Fatalf("resumed run progress %+v, result %+v", second, p)
		}
		if s.Dialect() == store.SQLite && p.Removed != 1 {
			t.Fatalf("removed %d orphan entries, want 1", p.Removed)
		}
		if n := countHits(t, s, a.ID, words("tangerine")); n != 44 {
			t.Fatalf("after reindex: %d hits, want 44", n)
		}
		if n := countHits(t, s, b.ID, words("tangerine")); n != 5 {
			t.Fatalf("after reindex, b: %d hits, want 5", n)
		}
		if n := countHits(t, s, a.ID, words("ledger", "17")); n != 1 {
			t.Fatalf("title words: %d hits, want 1", n)
		}
		if left, err := s.Unindexed(ctx); err != nil || len(left) != 0 {
			t.Fatalf("unindexed after reindex: %v %v", left, err)
		}
		// Restored from the trash, the document is found: it was indexed too.
		if err := s.RestoreDocument(ctx, a.ID, docs[0].ID); err != nil {
			t.Fatal(err)
		}
		if n := countHits(t, s, a.ID, words("tangerine")); n != 45 {
			t.Fatalf("after restore: %d hits, want 45", n)
		}

		// A finished run forgets its position: the next one starts over.
		var third []store.ReindexProgress
		if _, err := s.Reindex(ctx, store.ReindexOptions{Progress: func(p store.ReindexProgress) { third = append(third, p) }}); err != nil {
			t.Fatal(err)
		}
		if len(third) != 1 || third[0].Resumed || third[0].Done != 50 {
			t.Fatalf("fresh run progress %+v", third)
		}
	})
}
