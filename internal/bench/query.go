package bench

import (
	"strings"

	"github.com/docuvault/docuvault/internal/store"
)

// The query builders render the engine syntax for plain lower-case ASCII
// words, the way internal/searchquery's Parse renders them.

// Query is a search in the store's engine syntax with its positive terms
// (what a snippet highlights, and what the corpus tests check hits for).
type Query struct {
	store.SearchQuery
	Terms []string
}

// Words matches documents containing every word.
func Words(ws ...string) Query {
	f := make([]string, len(ws))
	for i, w := range ws {
		f[i] = `"` + w + `"`
	}
	return Query{store.SearchQuery{FTS5: strings.Join(f, " "), TSQuery: strings.Join(ws, " & ")}, ws}
}

// Phrase matches the words next to each other, in order.
func Phrase(ws ...string) Query {
	return Query{store.SearchQuery{FTS5: `"` + strings.Join(ws, " ") + `"`, TSQuery: strings.Join(ws, " <-> ")}, ws}
}

// Prefix matches any word starting with p.
func Prefix(p string) Query {
	return Query{store.SearchQuery{FTS5: `"` + p + `"*`, TSQuery: p + ":*"}, []string{p + "*"}}
}

// NamedQuery is one query of the benchmark mix.
type NamedQuery struct {
	Name  string
	Query Query
}

// QueryMix is the fixed query mix over c for a corpus of n documents: a
// common word, two mid-frequency words, the rarest word of one document, an invoice number as a
// phrase, and a prefix.
func (c *Corpus) QueryMix(n int) []NamedQuery {
	inv := store.SearchNormalize(c.Invoice((n / 2) / InvoiceEvery * InvoiceEvery))
	pre := c.Word(200)
	return []NamedQuery{
		{"common-word", Words(c.Word(10))},
		{"two-words", Words(c.Word(60), c.Word(150))},
		{"rare-word", Words(c.Rarest(n / 3))},
		{"invoice-phrase", Phrase(strings.Fields(inv)...)},
		{"prefix", Prefix(pre[:min(3, len(pre))])},
	}
}
