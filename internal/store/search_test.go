package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// words builds the simplest query both engines accept: all words must match.
func words(ws ...string) store.SearchQuery {
	var f, t []string
	for _, w := range ws {
		f = append(f, `"`+w+`"`)
		t = append(t, w)
	}
	return store.SearchQuery{FTS5: strings.Join(f, " "), TSQuery: strings.Join(t, " & ")}
}

func TestSearchRanksScopesAndHighlights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		inTitle := mkDoc(t, s, a.ID, "Zanzibar contract", 1)
		inBody := mkDoc(t, s, a.ID, "Letter", 1)
		other := mkDoc(t, s, b.ID, "Zanzibar secrets", 1)
		trashed := mkDoc(t, s, a.ID, "Old Zanzibar note", 1)
		for _, d := range []*model.Document{inTitle, inBody, other, trashed} {
			body := "Nothing to see."
			if d == inBody {
				body = "We met in Zanzibar. The café <b>served</b> tea, and the invoice INV-2024-0042 was paid."
			}
			if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: body, PageCount: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.TrashDocument(ctx, a.ID, trashed.ID); err != nil {
			t.Fatal(err)
		}
		hits, next, err := s.SearchDocuments(ctx, a.ID, words("zanzibar"), store.DocumentFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 2 || next != "" || hits[0].ID != inTitle.ID || hits[1].ID != inBody.ID || hits[0].Score <= hits[1].Score {
			for _, h := range hits {
				t.Logf("%s %s %v", h.ID, h.Title, h.Score)
			}
			t.Fatalf("title must rank above body; other owners and the trash never show (%d hits)", len(hits))
		}
		sn := searchquery.Snippet(hits[1].Text, []string{"zanzibar"})
		if !strings.Contains(sn, "<mark>Zanzibar</mark>") || strings.Contains(sn, "<b>") || !strings.Contains(sn, "&lt;b&gt;served") {
			t.Fatalf("snippet %q", sn)
		}
		// Diacritics: "cafe" finds "café"; numbers by their parts.
		if hits, _, _ := s.SearchDocuments(ctx, a.ID, words("cafe"), store.DocumentFilter{}, store.Page{}); len(hits) != 1 {
			t.Fatalf("cafe: %d hits", len(hits))
		}
		if hits, _, _ := s.SearchDocuments(ctx, a.ID, words("inv", "2024", "0042"), store.DocumentFilter{}, store.Page{}); len(hits) != 1 {
			t.Fatalf("invoice number: %d hits", len(hits))
		}
		// Paging through results.
		p1, next, err := s.SearchDocuments(ctx, a.ID, words("zanzibar"), store.DocumentFilter{Sort: "title"}, store.Page{Limit: 1})
		if err != nil || len(p1) != 1 || next == "" {
			t.Fatalf("page 1: %d %q %v", len(p1), next, err)
		}
		p2, next2, err := s.SearchDocuments(ctx, a.ID, words("zanzibar"), store.DocumentFilter{Sort: "title"}, store.Page{Limit: 1, Cursor: next})
		if err != nil || len(p2) != 1 || next2 != "" || p2[0].ID == p1[0].ID {
			t.Fatalf("page 2: %d %q %v", len(p2), next2, err)
		}
		// Renaming reindexes the title.
		if err := s.UpdateDocumentTitle(ctx, a.ID, inTitle.ID, "Mombasa lease"); err != nil {
			t.Fatal(err)
		}
		if hits, _, _ := s.SearchDocuments(ctx, a.ID, words("mombasa"), store.DocumentFilter{}, store.Page{}); len(hits) != 1 {
			t.Fatalf("renamed: %d hits", len(hits))
		}
		// Purged documents leave the index with their row.
		if err := s.DeleteDocumentRow(ctx, inBody); err != nil {
			t.Fatal(err)
		}
		if hits, _, _ := s.SearchDocuments(ctx, a.ID, words("cafe"), store.DocumentFilter{}, store.Page{}); len(hits) != 0 {
			t.Fatalf("purged document still found")
		}
		if left, _ := s.Unindexed(ctx); len(left) != 0 {
			t.Fatalf("unindexed: %v", left)
		}
	})
}

// TestSearchStorageErrorsAreNotInvalidInput: a search that fails for a reason
// other than its query (a cancelled request, a closed database) keeps its
// cause and is not ErrInvalid, so the API answers 5xx instead of blaming the
// user's query; a query the engine cannot parse still is ErrInvalid.
func TestSearchStorageErrorsAreNotInvalidInput(t *testing.T) {
	for _, sort := range []string{"relevance", "-created_at", "title"} {
		storetest.Each(t, func(t *testing.T, s *store.Store) {
			ctx := context.Background()
			u := &model.User{Email: "err@example.com", PasswordHash: "x"}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			f := store.DocumentFilter{Sort: sort}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			_, _, err := s.SearchDocuments(cancelled, u.ID, words("zanzibar"), f, store.Page{})
			if err == nil || errors.Is(err, store.ErrInvalid) || !errors.Is(err, context.Canceled) {
				t.Fatalf("sort %s, cancelled: %v (want context.Canceled in the chain, not ErrInvalid)", sort, err)
			}
			bad := store.SearchQuery{FTS5: `"unterminated`, TSQuery: "a & & b"}
			if _, _, err := s.SearchDocuments(ctx, u.ID, bad, f, store.Page{}); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("sort %s, unparsable query: %v, want ErrInvalid", sort, err)
			}
			s.Close()
			_, _, err = s.SearchDocuments(ctx, u.ID, words("zanzibar"), f, store.Page{})
			if err == nil || errors.Is(err, store.ErrInvalid) {
				t.Fatalf("sort %s, closed database: %v, want a server error", sort, err)
			}
		})
	}
}
