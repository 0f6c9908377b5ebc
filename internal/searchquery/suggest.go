package searchquery

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Candidate is a word of the user's index with the number of documents
// holding it.
type Candidate struct {
	Word string
	Docs int
}

// MaxDistance is how many edits a suggestion may be from the typed word:
// one for words of up to four letters, two for longer ones.
func MaxDistance(word string) int {
	if utf8.RuneCountInString(word) <= 4 {
		return 1
	}
	return 2
}

// Closest returns up to n candidates within MaxDistance(word) edits of
// word (Levenshtein over letters), nearest first, then the most common.
// The word itself is never suggested.
func Closest(word string, vocab []Candidate, n int) []string {
	type scored struct {
		Candidate
		d int
	}
	limit := MaxDistance(word)
	var found []scored
	for _, c := range vocab {
		if c.Word == word {
			continue
		}
		if d := distance([]rune(word), []rune(c.Word), limit); d <= limit {
			found = append(found, scored{c, d})
		}
	}
	slices.SortFunc(found, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		if a.Docs != b.Docs {
			return b.Docs - a.Docs
		}
		return strings.Compare(a.Word, b.Word)
	})
	out := make([]string, 0, min(n, len(found)))
	for _, f := range found[:min(n, len(found))] {
		out = append(out, f.Word)
	}
	return out
}

// distance is the Levenshtein distance of a and b, or limit+1 as soon as
// it must exceed limit.
func distance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Replace rewrites the raw query text with each word found in fix replaced
// by its correction: a space-separated item that is exactly one word (with
// its leading "-" or trailing "*" kept) is replaced; quoted phrases are
// left alone.
func Replace(raw string, fix map[string]string) string {
	items := strings.Fields(raw)
	for i, it := range items {
		if strings.ContainsRune(it, '"') {
			continue
		}
		core := strings.TrimSuffix(strings.TrimPrefix(it, "-"), "*")
		ws := words(core)
		if len(ws) != 1 {
			continue
		}
		if to, ok := fix[ws[0]]; ok {
			items[i] = strings.Replace(it, core, to, 1)
		}
	}
	return strings.Join(items, " ")
}
