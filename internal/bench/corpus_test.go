package bench

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestCorpusIsDeterministicAndZipfShaped(t *testing.T) {
	a, b := NewCorpus(1, 4000), NewCorpus(1, 4000)
	if a.Size() != 4000 {
		t.Fatalf("vocabulary of %d words, want 4000", a.Size())
	}
	seen := map[string]bool{}
	for r := range a.Size() {
		w := a.Word(r)
		if seen[w] || w != strings.ToLower(w) || store.SearchNormalize(w) != w {
			t.Fatalf("word %d %q is a duplicate or not in normalised form", r, w)
		}
		seen[w] = true
	}
	if NewCorpus(2, 4000).Word(500) == a.Word(500) && NewCorpus(2, 4000).Word(900) == a.Word(900) {
		t.Error("another seed gives the same vocabulary")
	}
	counts := map[string]int{}
	invoices := 0
	for i := range 700 {
		d := a.Document(i)
		if d != b.Document(i) {
			t.Fatalf("document %d differs between two corpora of the same seed", i)
		}
		words := strings.Fields(store.SearchNormalize(d.Body))
		n := len(words)
		if inv := a.Invoice(i); inv != "" {
			invoices++
			if !strings.Contains(d.Body, "Invoice "+inv) {
				t.Fatalf("document %d lacks its invoice %s", i, inv)
			}
			n -= 8 // "invoice inv yyyy nnnnnn total due x yy eur" minus the first
		}
		if n < 100 || n > 303 {
			t.Fatalf("document %d has %d words, want 100-300", i, n)
		}
		for _, w := range words {
			counts[w]++
		}
	}
	if invoices != 100 {
		t.Errorf("%d of 700 documents have an invoice, want 100", invoices)
	}
	// Zipf: frequency falls with rank, and the tail is still drawn.
	f := func(r int) int { return counts[a.Word(r)] }
	if !(f(0) > f(10) && f(10) > f(100) && f(100) > f(2000)) {
		t.Errorf("frequencies by rank 0, 10, 100, 2000 = %d, %d, %d, %d; want falling", f(0), f(10), f(100), f(2000))
	}
	tail := 0
	for r := 2000; r < a.Size(); r++ {
		if f(r) > 0 {
			tail++
		}
	}
	if tail < 500 {
		t.Errorf("only %d of the 2000 rarest words occur in 700 documents", tail)
	}
}

func TestQueryMixFindsTheRightDocuments(t *testing.T) {
	c := NewCorpus(corpusSeed, vocabulary)
	const n = 300
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: "q@x.test", PasswordHash: "x"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := Load(ctx, st, c, u.ID, 0, n, 128); err != nil {
			t.Fatal(err)
		}
		docs, _, err := st.ListDocuments(ctx, u.ID, store.DocumentFilter{Status: model.StatusReady}, store.Page{Limit: store.MaxPageLimit})
		if err != nil || len(docs) != store.MaxPageLimit {
			t.Fatalf("ready documents: %d, %v", len(docs), err)
		}
		for _, q := range c.QueryMix(n) {
			t.Run(q.Name, func(t *testing.T) {
				hits, _, err := st.SearchDocuments(ctx, u.ID, q.Query.SearchQuery, store.DocumentFilter{}, store.Page{Limit: store.MaxPageLimit})
				if err != nil {
					t.Fatal(err)
				}
				if len(hits) == 0 {
					t.Fatalf("%+v found nothing", q.Query)
				}
				want := wantMatches(c, n, q)
				if q.Name == "invoice-phrase" && len(want) != 1 {
					t.Fatalf("invoice %v is in %d documents, want 1", q.Query.Terms, len(want))
				}
				if len(hits) != min(len(want), store.MaxPageLimit) {
					t.Errorf("%d hits, want %d", len(hits), min(len(want), store.MaxPageLimit))
				}
				for _, h := range hits {
					if !want[h.Title] {
						t.Errorf("hit %q does not contain %v", h.Title, q.Query.Terms)
					}
					if sn := searchquery.Snippet(h.Text, q.Query.Terms); !strings.Contains(sn, "<mark>") {
						t.Errorf("snippet of %q has no highlight: %q", h.Title, sn)
					}
				}
			})
		}
	})
}

// wantMatches computes by brute force the titles of the documents q
// matches (titles are unique enough in 300 documents to serve as keys).
func wantMatches(c *Corpus, n int, q NamedQuery) map[string]bool {
	want := map[string]bool{}
	for i := range n {
		d := c.Document(i)
		words := strings.Fields(store.SearchNormalize(d.Title + " " + d.Body))
		var ok bool
		switch q.Name {
		case "invoice-phrase":
			ok = strings.Contains(" "+strings.Join(words, " ")+" ", " "+strings.Join(q.Query.Terms, " ")+" ")
		case "prefix":
			p := strings.TrimSuffix(q.Query.Terms[0], "*")
			ok = slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, p) })
		default:
			ok = true
			for _, term := range q.Query.Terms {
				ok = ok && slices.Contains(words, term)
			}
		}
		if ok {
			want[d.Title] = true
		}
	}
	return want
}
