package searchquery

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize is the form text is indexed and searched in: NFKD, combining
// marks removed, lower case, every run of other characters a single space,
// no leading or trailing space. The store indexes text in this form
// (store.SearchNormalize calls it), so queries and index agree by
// construction; words gives the same words one by one.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	// Invalid bytes first: norm stops decomposing at them.
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(s, "\uFFFD")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// words splits s into its normalised words.
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	// Invalid bytes first: norm stops decomposing at them.
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(s, "\uFFFD")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}
