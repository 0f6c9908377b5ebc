package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestPostgresRankedPageUnchanged: PostgreSQL's ranked page (rank over the
// window's ids, then the page's documents) returns the same documents, in
// the same order, with the same scores as the query it replaced, for
// words, prefixes, OR, a filter, the trash and pages at every offset; and
// the window size it reads says "not full" exactly when the replaced
// boundary query did.
func TestPostgresRankedPageUnchanged(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	a := mkUser(t, s, "a@x.test", 0, 0)
	b := mkUser(t, s, "b@x.test", 0, 0)
	vocab := []string{"invoice", "payment", "reminder", "insurance", "bank", "statement", "warranty", "tax", "return"}
	var docs []*model.Document
	for i := range 90 {
		owner := a.ID
		if i%9 == 4 {
			owner = b.ID
		}
		title := fmt.Sprintf("doc %d %s", i, vocab[i%len(vocab)])
		d := mkDoc(t, s, owner, title, 1)
		body := ""
		for j := range 5 + i%13 {
			body += vocab[(i*j+j)%len(vocab)] + " filler "
		}
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: body, PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	for _, d := range docs[:6] {
		if d.OwnerID == a.ID {
			if err := s.TrashDocument(ctx, a.ID, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	queries := []string{"invoice", "insur:*", "payment & reminder", "tax | warranty", "bank & !statement", "nothingmatches"}
	compared := 0
	filters := []store.DocumentFilter{{}, {Status: model.StatusReady}, {SpaceID: a.ID}, {Status: model.StatusProcessing}}
	for _, q := range queries {
		for fi, f := range filters {
			for _, page := range []struct{ offset, n int }{{0, 51}, {0, 5}, {5, 5}, {20, 11}, {80, 10}} {
				got, want, matches, full, err := s.RankedBothWays(ctx, a.ID, store.SearchQuery{TSQuery: q}, f, page.offset, page.n)
				if err != nil {
					t.Fatalf("%q filter %d: %v", q, fi, err)
				}
				what := fmt.Sprintf("%q filter %d offset %d limit %d", q, fi, page.offset, page.n)
				if len(got) != len(want) {
					t.Fatalf("%s: %d hits, the replaced query %d", what, len(got), len(want))
				}
				compared += len(got)
				for i := range got {
					if got[i].ID != want[i].ID || got[i].Score != want[i].Score || got[i].Title != want[i].Title {
						t.Fatalf("%s: hit %d is %s (%v), the replaced query's %s (%v)", what, i, got[i].Title, got[i].Score, want[i].Title, want[i].Score)
					}
				}
				if len(got) > 0 && (matches < len(got) || full != (matches >= 500)) {
					t.Fatalf("%s: window of %d read with the page, full=%v by the replaced query", what, matches, full)
				}
			}
		}
	}
	if compared < 200 {
		t.Fatalf("only %d hits compared", compared)
	}
}
