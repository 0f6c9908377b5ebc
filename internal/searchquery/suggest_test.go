package searchquery

import (
	"slices"
	"testing"
)

func TestClosestAndReplace(t *testing.T) {
	vocab := []Candidate{{"graphviz", 3}, {"graph", 9}, {"zebra", 1}, {"zebras", 5}, {"invoice", 2}}
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"grapviz", []string{"graphviz"}},
		{"zebrq", []string{"zebra", "zebras"}},
		{"invoice", []string{}}, // the word itself is never suggested
		{"xylophone", []string{}},
		{"zbra", []string{"zebra"}}, // short words: one edit
	} {
		if got := Closest(tc.word, vocab, 3); !slices.Equal(got, tc.want) {
			t.Errorf("Closest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
	if got := Replace(`Zebrq -grapviz "zebrq x" grapviz*`, map[string]string{"zebrq": "zebra", "grapviz": "graphviz"}); got != `zebra -graphviz "zebrq x" graphviz*` {
		t.Errorf("Replace: %q", got)
	}
}

func TestPrefixLast(t *testing.T) {
	for _, tc := range []struct{ in, fts string }{
		{"graphv", `"graphv"*`},
		{"report graphv", `"report" AND "graphv"*`},
		{`"late fee"`, `"late fee"`},
		{"invoice -draft", `("invoice") NOT "draft"`},
	} {
		q, err := Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		q.PrefixLast()
		if got := q.FTS5(); got != tc.fts {
			t.Errorf("%q: %s, want %s", tc.in, got, tc.fts)
		}
	}
}
