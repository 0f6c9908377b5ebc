package searchquery_test

import (
	"html"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/docuvault/docuvault/internal/searchquery"
)

// Snippet stops reading at the end of its passage; it must give what
// reading the whole text gave (oldSnippet, the earlier implementation).
func TestSnippetMatchesFullScan(t *testing.T) {
	vocab := []string{"alpha", "Beta", "café", "CAFE", "naïve", "x1", "2024", "inv", "ÉCOLE", "ﬁle", "tax", "日本", "z"}
	rng := rand.New(rand.NewPCG(1, 2))
	seps := []string{" ", "  ", "\n", "-", ", ", "\f", "<b>", "&"}
	for i := range 3000 {
		var b strings.Builder
		for range rng.IntN(120) {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		text := b.String()
		terms := []string{searchquery.Normalize(vocab[rng.IntN(len(vocab))])}
		if rng.IntN(3) == 0 {
			terms = append(terms, searchquery.Normalize(vocab[rng.IntN(len(vocab))])[:1]+"*")
		}
		if got, want := searchquery.Snippet(text, terms), oldSnippet(text, terms); got != want {
			t.Fatalf("case %d: Snippet(%q, %q)\n got %q\nwant %q", i, text, terms, got, want)
		}
	}
}

func oldSnippet(text string, terms []string) string {
	type word struct{ start, end int }
	var words []word
	start := -1
	for i, r := range text {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			words = append(words, word{start, i})
			start = -1
		}
	}
	if start >= 0 {
		words = append(words, word{start, len(text)})
	}
	if len(words) == 0 {
		return ""
	}
	match := func(w word) bool {
		n := searchquery.Normalize(text[w.start:w.end])
		for _, t := range terms {
			if p, ok := strings.CutSuffix(t, "*"); ok {
				if p != "" && strings.HasPrefix(n, p) {
					return true
				}
			} else if n == t {
				return true
			}
		}
		return false
	}
	first := -1
	for i, w := range words {
		if match(w) {
			first = i
			break
		}
	}
	from := 0
	if first > snippetWords/3 {
		from = first - snippetWords/3
	}
	to := min(len(words), from+snippetWords)
	var b strings.Builder
	if from > 0 {
		b.WriteString("… ")
	}
	pos := words[from].start
	if from == 0 {
		pos = 0
	}
	for _, w := range words[from:to] {
		b.WriteString(html.EscapeString(collapse(text[pos:w.start])))
		if match(w) {
			b.WriteString("<mark>" + html.EscapeString(text[w.start:w.end]) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(text[w.start:w.end]))
		}
		pos = w.end
	}
	if to < len(words) {
		b.WriteString(" …")
	}
	return strings.TrimSpace(b.String())
}

// snippetWords and collapse as in snippet.go.
const snippetWords = 30

func collapse(sep string) string {
	var b strings.Builder
	space := false
	for _, r := range sep {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func TestSnippet(t *testing.T) {
	for _, tc := range []struct {
		text  string
		terms []string
		want  string
	}{
		{"Pay INV-2024-0042 now", []string{"inv", "2024", "0042*"}, "Pay <mark>INV</mark>-<mark>2024</mark>-<mark>0042</mark> now"},
		{"<script>alert(1)</script> tax", []string{"tax"}, "&lt;script&gt;alert(1)&lt;/script&gt; <mark>tax</mark>"},
		{"Crème brûlée", []string{"creme"}, "<mark>Crème</mark> brûlée"},
		{"line one\n\n\fline two", []string{"two"}, "line one line <mark>two</mark>"},
		{"", []string{"x"}, ""},
	} {
		if got := searchquery.Snippet(tc.text, tc.terms); got != tc.want {
			t.Errorf("Snippet(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
