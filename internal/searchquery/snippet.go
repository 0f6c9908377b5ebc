package searchquery

import (
	"html"
	"strings"
	"unicode"
)

// snippetWords is how many words a snippet shows around the first match.
const snippetWords = 30

// Snippet cuts a short passage (presentation of a search hit, kept here
// with the normalisation it must agree with, not in the store) of text around the first matched term and
// wraps every matched word in <mark>; everything else is HTML-escaped. terms
// are in Normalize form (Query.Terms); a term ending in "*" matches by prefix.
func Snippet(text string, terms []string) string {
	type word struct{ start, end int }
	match := func(w word) bool {
		n := text[w.start:w.end]
		if isASCII(n) {
			n = strings.ToLower(n) // what Normalize gives for an ASCII word
		} else {
			n = Normalize(n)
		}
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
	// Words are read up to the first match and the passage after it (and
	// one more, to know whether the text goes on), not to the end.
	var words []word
	first := -1
	enough := func() bool {
		return first >= 0 && len(words) > max(snippetWords, first-snippetWords/3+snippetWords)
	}
	add := func(w word) {
		words = append(words, w)
		if first < 0 && match(w) {
			first = len(words) - 1
		}
	}
	start := -1
	for i, r := range text {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			add(word{start, i})
			start = -1
		}
		if enough() {
			start = -1
			break
		}
	}
	if start >= 0 {
		add(word{start, len(text)})
	}
	if len(words) == 0 {
		return ""
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

// collapse turns every run of white space (newlines, form feeds) into one space.
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
