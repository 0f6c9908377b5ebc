package searchquery

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what Parse accepts.
const (
	MaxQueryLen = 512 // characters of the raw query
	MaxWords    = 32  // words in all terms together, phrases counted word by word
	MaxWordLen  = 128 // characters of one normalised word
)

// ErrInvalidQuery is wrapped by every error Parse returns; the rest of the
// message says what is wrong and can be shown to the user.
var ErrInvalidQuery = errors.New("invalid search query")

// Query is a parsed search: every group must match (AND), a group matches
// when any of its terms does (OR), and no excluded term may match.
type Query struct {
	groups  [][]term
	exclude []term
	// lastPlain: the query ends in an unquoted word to look for, which
	// PrefixLast may turn into a prefix.
	lastPlain bool
}

// term is one word, or a phrase of consecutive words; with prefix set the
// last word matches any word it begins.
type term struct {
	words  []string
	prefix bool
}

// token is one lexical item of the raw query.
type token struct {
	term
	or      bool // the operator OR
	exclude bool
	quoted  bool
}

// Parse reads a search box's text. Errors wrap ErrInvalidQuery: an empty
// query, one that only excludes, OR without a term on each side, or a query
// over MaxQueryLen characters, MaxWords words or MaxWordLen characters in a
// word.
func Parse(s string) (*Query, error) {
	if n := utf8.RuneCountInString(s); n > MaxQueryLen {
		return nil, fmt.Errorf("%w: the query has %d characters, at most %d are allowed", ErrInvalidQuery, n, MaxQueryLen)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	q := &Query{}
	count := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.or {
			return nil, fmt.Errorf("%w: OR needs a word or phrase on each side", ErrInvalidQuery)
		}
		count += len(t.words)
		if count > MaxWords {
			return nil, fmt.Errorf("%w: the query has more than %d words", ErrInvalidQuery, MaxWords)
		}
		if t.exclude {
			if i+1 < len(toks) && toks[i+1].or {
				return nil, fmt.Errorf("%w: an excluded term cannot be part of OR", ErrInvalidQuery)
			}
			q.exclude = append(q.exclude, t.term)
			continue
		}
		group := []term{t.term}
		for i+1 < len(toks) && toks[i+1].or {
			if i+2 >= len(toks) || toks[i+2].or {
				return nil, fmt.Errorf("%w: OR needs a word or phrase on each side", ErrInvalidQuery)
			}
			next := toks[i+2]
			if next.exclude {
				return nil, fmt.Errorf("%w: an excluded term cannot be part of OR", ErrInvalidQuery)
			}
			count += len(next.words)
			if count > MaxWords {
				return nil, fmt.Errorf("%w: the query has more than %d words", ErrInvalidQuery, MaxWords)
			}
			group = append(group, next.term)
			i += 2
		}
		q.groups = append(q.groups, group)
	}
	if n := len(toks); n > 0 && !toks[n-1].exclude && !toks[n-1].quoted && !toks[n-1].or {
		q.lastPlain = true
	}
	if len(q.groups) == 0 {
		if len(q.exclude) > 0 {
			return nil, fmt.Errorf("%w: the query only excludes; add a word to look for", ErrInvalidQuery)
		}
		return nil, fmt.Errorf("%w: the query has no words to look for", ErrInvalidQuery)
	}
	return q, nil
}

// lex splits s into terms and OR operators. Items that hold no word (a lone
// "-", "*" or punctuation) are dropped.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		var t token
		if r == '-' {
			t.exclude = true
			i += size
			if i >= len(s) {
				break
			}
			if r, _ = utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
				continue
			}
		}
		var raw string
		if s[i] == '"' {
			t.quoted = true
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				raw, i = s[i+1:], len(s) // an unclosed quote runs to the end
			} else {
				raw, i = s[i+1:i+1+end], i+2+end
				if i < len(s) && s[i] == '*' {
					t.prefix = true
					i++
				}
			}
		} else {
			end := strings.IndexFunc(s[i:], unicode.IsSpace)
			if end < 0 {
				end = len(s) - i
			}
			raw, i = s[i:i+end], i+end
			if raw == "OR" && !t.exclude {
				toks = append(toks, token{or: true})
				continue
			}
			t.prefix = strings.HasSuffix(raw, "*") || strings.IndexFunc(raw, unicode.IsDigit) >= 0
		}
		t.words = words(raw)
		if len(t.words) == 0 {
			continue
		}
		for _, w := range t.words {
			if n := utf8.RuneCountInString(w); n > MaxWordLen {
				return nil, fmt.Errorf("%w: a word has %d characters, at most %d are allowed", ErrInvalidQuery, n, MaxWordLen)
			}
		}
		toks = append(toks, t)
	}
	return toks, nil
}

// PrefixLast makes the query's last word match every word it begins, as a
// search box does while the user types ("graphv" finds "graphviz"). A query
// ending in a quoted phrase or an excluded word is left as it is. Clients
// that send whole words keep exact-word matching by not calling it.
func (q *Query) PrefixLast() {
	if !q.lastPlain {
		return
	}
	g := q.groups[len(q.groups)-1]
	g[len(g)-1].prefix = true
}

// Words lists the query's positive words in normalised form, each once.
func (q *Query) Words() []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range q.groups {
		for _, t := range g {
			for _, w := range t.words {
				if !seen[w] {
					seen[w] = true
					out = append(out, w)
				}
			}
		}
	}
	return out
}
