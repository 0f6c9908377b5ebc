package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// bulkDocs inserts documents 0..n-1 for owner, oldest first, in a few
// transactions; title and body come from fn.
func bulkDocs(t *testing.T, s *store.Store, owner string, n int, fn func(i int) (title, body string)) []*model.Document {
	t.Helper()
	ctx := context.Background()
	docs := make([]*model.Document, 0, n)
	for start := 0; start < n; start += 500 {
		err := s.WithTx(ctx, func(tx *store.Store) error {
			for i := start; i < min(start+500, n); i++ {
				title, body := fn(i)
				d := &model.Document{OwnerID: owner, Title: title, OriginalFilename: fmt.Sprintf("d%05d.txt", i),
					MIMEType: "text/plain", SizeBytes: 1, SHA256: fmt.Sprintf("%064d", i), BlobKey: owner + "/" + title}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				if err := tx.SaveExtraction(ctx, d.ID, model.Extraction{Text: body, PageCount: 1}); err != nil {
					return err
				}
				docs = append(docs, d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return docs
}

// allPages follows the cursor to the end.
func allPages(t *testing.T, s *store.Store, owner string, q store.SearchQuery, f store.DocumentFilter, limit int) []store.SearchHit {
	t.Helper()
	var all []store.SearchHit
	cursor := ""
	for range 100 {
		hits, next, err := s.SearchDocuments(context.Background(), owner, q, f, store.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, hits...)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatal("more than 100 pages")
	return nil
}

// A relevance search ranks the owner's newest SearchWindow matches and
// then lists the older ones newest first: every match is reachable exactly
// once through the pages, other owners' and trashed documents never show,
// and smaller result sets are ranked exactly.
func TestSearchRankWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		n := s.SearchWindow() + 70
		titles, gammas := 0, 0 // title matches in the window; documents with "gamma"
		for i := range n {
			if i%100 == 0 && i >= 70 {
				titles++
			}
			if i%500 == 7 {
				gammas++
			}
		}
		docs := bulkDocs(t, s, a.ID, n, func(i int) (string, string) {
			title := fmt.Sprintf("note %d", i)
			if i%100 == 0 {
				title = fmt.Sprintf("alpha report %d", i) // title matches rank first
			}
			body := "the alpha filler text goes on and on"
			if i%500 == 7 {
				body += " gamma"
			}
			return title, body
		})
		bulkDocs(t, s, b.ID, 30, func(i int) (string, string) { return fmt.Sprintf("alpha of b %d", i), "alpha gamma" })
		trashed := map[string]bool{}
		for _, d := range docs[n-3:] {
			if err := s.TrashDocument(ctx, a.ID, d.ID); err != nil {
				t.Fatal(err)
			}
			trashed[d.ID] = true
		}
		pos := map[string]int{}
		for i, d := range docs {
			pos[d.ID] = i
		}

		all := allPages(t, s, a.ID, words("alpha"), store.DocumentFilter{}, 200)
		if len(all) != n-3 {
			t.Fatalf("%d results over all pages, want %d", len(all), n-3)
		}
		seen := map[string]bool{}
		for _, h := range all {
			if _, ok := pos[h.ID]; !ok || trashed[h.ID] || seen[h.ID] {
				t.Fatalf("result %s %q: another owner's, trashed or repeated", h.ID, h.Title)
			}
			seen[h.ID] = true
		}
		// The window holds documents 70..n-1: its title matches first.
		for i := range titles {
			if p := pos[all[i].ID]; p%100 != 0 || p < 70 {
				t.Fatalf("result %d is document %d (%q), want a title match in the window", i, p, all[i].Title)
			}
		}
		if all[titles-1].Score <= all[titles].Score {
			t.Fatalf("title match score %v not above body match %v", all[titles-1].Score, all[titles].Score)
		}
		// Scores fall through the ranked part; the last ones are older than
		// the window, newest first, ending with document 0 (a title match,
		// but outside the window).
		ranked := n - 70 - 3 // the window is taken before the trash filter
		for i := 1; i < ranked; i++ {
			if all[i].Score > all[i-1].Score {
				t.Fatalf("result %d scores %v above result %d (%v)", i, all[i].Score, i-1, all[i-1].Score)
			}
		}
		for i := ranked; i < len(all); i++ {
			if p := pos[all[i].ID]; p >= 70 || (i > ranked && p >= pos[all[i-1].ID]) {
				t.Fatalf("tail result %d is document %d", i, p)
			}
		}
		if pos[all[len(all)-1].ID] != 0 {
			t.Fatalf("last result is document %d, want 0", pos[all[len(all)-1].ID])
		}

		// Fewer matches than the window: exact ranking of all of them.
		g := allPages(t, s, a.ID, words("gamma"), store.DocumentFilter{}, 2)
		if len(g) != gammas {
			t.Fatalf("gamma: %d results, want %d", len(g), gammas)
		}
		for _, h := range g {
			if p, ok := pos[h.ID]; !ok || p%500 != 7 {
				t.Fatalf("gamma found %q", h.Title)
			}
		}
		// The other owner sees only their own.
		if bh := allPages(t, s, b.ID, words("alpha"), store.DocumentFilter{}, 50); len(bh) != 30 {
			t.Fatalf("b sees %d documents, want 30", len(bh))
		} else {
			for _, h := range bh {
				if h.OwnerID != b.ID {
					t.Fatalf("b sees %q of another owner", h.Title)
				}
			}
		}

		// Date order over every match, both ways, in pages.
		for _, sort := range []string{"-created_at", "created_at"} {
			all := allPages(t, s, a.ID, words("alpha"), store.DocumentFilter{Sort: sort}, 200)
			if len(all) != n-3 {
				t.Fatalf("%s: %d results, want %d", sort, len(all), n-3)
			}
			for i := 1; i < len(all); i++ {
				prev, cur := all[i-1].CreatedAt, all[i].CreatedAt
				if (sort == "-created_at" && cur.After(prev)) || (sort == "created_at" && cur.Before(prev)) || all[i].ID == all[i-1].ID {
					t.Fatalf("%s: result %d (%s) out of order after %s", sort, i, cur, prev)
				}
			}
			if all[0].Score <= 0 {
				t.Fatalf("%s: score %v, want the match's score", sort, all[0].Score)
			}
		}
	})
}

// The query syntax works with the owner restriction on both engines: OR,
// exclusion, phrases and prefixes, and an owner's id never matches as a word.
func TestSearchSyntaxScopedToOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		texts := []string{"red apple pie", "green apple tart", "red cherry jam", "orange marmalade"}
		bulkDocs(t, s, a.ID, len(texts), func(i int) (string, string) { return fmt.Sprintf("doc %d", i), texts[i] })
		bulkDocs(t, s, b.ID, len(texts), func(i int) (string, string) { return fmt.Sprintf("doc %d", i), texts[i] })
		for _, tc := range []struct {
			q    string
			want int
		}{
			{"apple", 2}, {"red -apple", 1}, {"apple OR cherry", 3}, {`"apple pie"`, 1}, {"marm*", 1},
			{"o*", 1}, {"red apple", 1},
		} {
			pq, err := searchquery.Parse(tc.q)
			if err != nil {
				t.Fatal(err)
			}
			q := store.SearchQuery{FTS5: pq.FTS5(), TSQuery: pq.TSQuery()}
			for _, sort := range []string{"", "-created_at", "title"} {
				hits, _, err := s.SearchDocuments(ctx, a.ID, q, store.DocumentFilter{Sort: sort}, store.Page{})
				if err != nil {
					t.Fatalf("%s: %v", tc.q, err)
				}
				if len(hits) != tc.want {
					t.Errorf("%q sort %q: %d hits, want %d", tc.q, sort, len(hits), tc.want)
				}
				for _, h := range hits {
					if h.OwnerID != a.ID {
						t.Errorf("%q: another owner's document", tc.q)
					}
				}
			}
		}
	})
}
