package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// indexed uploads a text document and saves its extracted text, so it is
// searchable without running the pipeline.
func (e *docEnv) indexed(user, name, text string) string {
	e.t.Helper()
	res, body := e.upload(user, name, []byte(text), "?allow_duplicate=true")
	if res.StatusCode != 201 {
		e.t.Fatalf("upload: %d %v", res.StatusCode, body)
	}
	id := body["document"].(map[string]any)["id"].(string)
	if err := e.st.SaveExtraction(context.Background(), id, model.Extraction{Text: text, PageCount: 1}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

type searchAnswer struct {
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
	Suggestions []string `json:"suggestions"`
}

func (e *docEnv) search(user, query string) (searchAnswer, string) {
	e.t.Helper()
	res, b := e.do(user, "GET", "/api/documents?"+query, nil, "")
	if res.StatusCode != 200 {
		e.t.Fatalf("GET ?%s: %d %s", query, res.StatusCode, b)
	}
	var a searchAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		e.t.Fatal(err)
	}
	return a, string(b)
}

// prefix_last=true (sent by the web UI as the user types) makes the last
// word a prefix; without it a word matches whole words only, as API
// clients expect, and a quoted last word stays exact.
func TestSearchPrefixLast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		doc := e.indexed(alice, "manual.txt", "rendering graphviz diagrams and invoices")
		for _, tc := range []struct {
			query string
			hit   bool
		}{
			{"q=graphv", false},
			{"q=graphv&prefix_last=true", true},
			{"q=graphv*", true},
			{"q=" + url.QueryEscape("diagrams graphv") + "&prefix_last=true", true},
			{"q=" + url.QueryEscape("graphv diagrams") + "&prefix_last=true", false}, // only the last word
			{"q=" + url.QueryEscape(`"graphv"`) + "&prefix_last=true", false},
			{"q=invoice", false}, // exact words for API clients
			{"q=invoice&prefix_last=true", true},
			{"q=invoice&prefix_last=false&sort=relevance", false},
		} {
			a, raw := e.search(alice, tc.query)
			if got := len(a.Items) == 1 && a.Items[0].ID == doc; got != tc.hit {
				t.Errorf("?%s: hit %v, want %v: %s", tc.query, got, tc.hit, raw)
			}
		}
		if res, b := e.do(alice, "GET", "/api/documents?q=x&prefix_last=maybe", nil, ""); res.StatusCode != 400 {
			t.Errorf("prefix_last=maybe: %d %s", res.StatusCode, b)
		}
	})
}

// A search that finds nothing proposes the closest words of the caller's
// own index, never another user's, and none when a search has results.
func TestSearchSuggestionsAreOwnerScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		mallory := e.user("mallory@x.test", 0, 0)
		e.indexed(alice, "a.txt", "the zebra report about graphviz")
		e.indexed(alice, "b.txt", "another zebra in the graphviz manual")
		// Mallory's words are closer to Alice's typo than Alice's own.
		e.indexed(mallory, "m.txt", "zebrq zebrz secretword graphvix")

		a, raw := e.search(alice, "q="+url.QueryEscape("zebrq grapviz"))
		if len(a.Items) != 0 {
			t.Fatalf("expected no hits: %s", raw)
		}
		if len(a.Suggestions) == 0 || a.Suggestions[0] != "zebra graphviz" {
			t.Fatalf("suggestions %q, want \"zebra graphviz\" first", a.Suggestions)
		}
		for _, s := range []string{"zebrz", "graphvix", "secretword"} {
			if strings.Contains(raw, s) {
				t.Fatalf("alice is offered mallory's word %q: %s", s, raw)
			}
		}
		// Mallory, for the same typo, gets only her own words.
		_, raw = e.search(mallory, "q="+url.QueryEscape("zebrx grapviz"))
		if strings.Contains(raw, "zebra") || strings.Contains(raw, "graphviz") || !strings.Contains(raw, "graphvix") {
			t.Fatalf("mallory's suggestions: %s", raw)
		}
		// Field terms stay in the corrected query.
		if a, raw := e.search(alice, "q="+url.QueryEscape("date:2024 zebrq")); len(a.Suggestions) == 0 || a.Suggestions[0] != "date:2024 zebra" {
			t.Fatalf("suggestions with a field term: %s", raw)
		}
		// A search with results, or with only known words, proposes nothing.
		if a, raw := e.search(alice, "q=zebra"); len(a.Items) != 2 || len(a.Suggestions) != 0 {
			t.Fatalf("q=zebra: %s", raw)
		}
		if a, raw := e.search(alice, "q="+url.QueryEscape("zebra secretword")); len(a.Items) != 0 || len(a.Suggestions) != 0 {
			t.Fatalf("q=zebra secretword: %s", raw)
		}
	})
}
