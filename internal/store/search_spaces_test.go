package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestSearchAcrossSpaces: a member of two spaces searching both, or one,
// gets in every sort exactly the documents the list gives in that sort that
// match the words, page after page; past the ranked window a relevance
// search still reaches every match once. PostgreSQL reads sorted pages and
// the tail after the window one space at a time and merges them, so the
// spaces' documents are interleaved by creation time here.
func TestSearchAcrossSpaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, shared := sharedSpace(t, s)
		n := s.SearchWindow() + 40
		hasBeta := map[string]bool{}
		var trashed string
		err := s.WithTx(ctx, func(tx *store.Store) error {
			for i := range n {
				owner, space := a.ID, a.ID
				if i%2 == 1 {
					owner, space = b.ID, shared.ID
				}
				d := &model.Document{OwnerID: owner, SpaceID: space, Title: fmt.Sprintf("doc %04d", (i*7919)%n),
					OriginalFilename: "x.txt", MIMEType: "text/plain", SizeBytes: int64((i * 37) % 101), SHA256: fmt.Sprintf("%064d", i),
					BlobKey: fmt.Sprintf("k/%d", i)}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				body := "alpha"
				if i%3 == 0 {
					body += " beta"
					hasBeta[d.ID] = true
				}
				if err := tx.SaveExtraction(ctx, d.ID, model.Extraction{Text: body, PageCount: 1}); err != nil {
					return err
				}
				if i == 9 {
					trashed = d.ID
					if err := tx.TrashDocument(ctx, space, d.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		list := func(f store.DocumentFilter) []string {
			var ids []string
			cursor := ""
			for {
				docs, next, err := s.ListDocuments(ctx, a.ID, f, store.Page{Limit: store.MaxPageLimit, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range docs {
					ids = append(ids, d.ID)
				}
				if next == "" {
					return ids
				}
				cursor = next
			}
		}
		ids := func(hits []store.SearchHit) []string {
			out := make([]string, len(hits))
			for i, h := range hits {
				out[i] = h.ID
			}
			return out
		}
		for _, space := range []string{"", shared.ID} {
			for _, word := range []string{"alpha", "beta"} {
				matches := func(id string) bool { return word == "alpha" || hasBeta[id] }
				for _, sort := range store.DocumentSorts() {
					f := store.DocumentFilter{SpaceID: space, Sort: sort}
					want := slices.DeleteFunc(list(f), func(id string) bool { return !matches(id) })
					got := ids(allPages(t, s, a.ID, words(word), f, 50))
					if !slices.Equal(got, want) {
						t.Fatalf("space %q, %q sorted by %s: %d hits, want the list's %d in its order (first difference at %d)",
							space, word, sort, len(got), len(want), firstDiff(got, want))
					}
				}
				// Relevance: every match once, across the window and its tail.
				want := slices.DeleteFunc(list(store.DocumentFilter{SpaceID: space}), func(id string) bool { return !matches(id) })
				got := ids(allPages(t, s, a.ID, words(word), store.DocumentFilter{SpaceID: space}, 50))
				if slices.Contains(got, trashed) {
					t.Fatalf("space %q, %q: the trashed document was found", space, word)
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("space %q, %q by relevance: %d hits, want each of the %d matches once", space, word, len(got), len(want))
				}
			}
		}
		// The shared space's owner, whose own space is empty, finds the
		// shared space's documents, in the same order.
		want := list(store.DocumentFilter{SpaceID: shared.ID, Sort: "-created_at"})
		if got := ids(allPages(t, s, b.ID, words("alpha"), store.DocumentFilter{Sort: "-created_at"}, 50)); len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("the shared space's owner: %d hits, want the space's %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
		}
	})
}

// firstDiff is the first index where a and b differ.
func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
