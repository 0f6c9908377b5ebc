package searchquery

import "strings"

// FTS5 renders the query for SQLite's MATCH operator. Every word is a quoted
// string of letters and digits, so no input reaches FTS5 as syntax.
func (q *Query) FTS5() string {
	var b strings.Builder
	and := make([]string, 0, len(q.groups))
	for _, g := range q.groups {
		and = append(and, fts5Group(g))
	}
	if len(q.exclude) == 0 {
		return strings.Join(and, " AND ")
	}
	b.WriteString("(" + strings.Join(and, " AND ") + ") NOT ")
	b.WriteString(fts5Group(q.exclude))
	return b.String()
}

func fts5Group(g []term) string {
	if len(g) == 1 {
		return fts5Term(g[0])
	}
	parts := make([]string, len(g))
	for i, t := range g {
		parts[i] = fts5Term(t)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func fts5Term(t term) string {
	s := `"` + strings.Join(t.words, " ") + `"`
	if t.prefix {
		s += "*"
	}
	return s
}

// TSQuery renders the query for PostgreSQL's to_tsquery with the 'simple'
// configuration (or any configuration whose parser and dictionaries leave
// Normalize's words as they are). Every word is a quoted lexeme of letters
// and digits, so no input reaches tsquery as an operator.
func (q *Query) TSQuery() string {
	parts := make([]string, 0, len(q.groups)+len(q.exclude))
	for _, g := range q.groups {
		parts = append(parts, tsGroup(g))
	}
	for _, t := range q.exclude {
		parts = append(parts, "!"+tsTerm(t, true))
	}
	return strings.Join(parts, " & ")
}

func tsGroup(g []term) string {
	if len(g) == 1 {
		return tsTerm(g[0], false)
	}
	parts := make([]string, len(g))
	for i, t := range g {
		parts[i] = tsTerm(t, true)
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

func tsTerm(t term, paren bool) string {
	ws := make([]string, len(t.words))
	for i, w := range t.words {
		ws[i] = "'" + w + "'"
	}
	if t.prefix {
		ws[len(ws)-1] += ":*"
	}
	s := strings.Join(ws, " <-> ")
	if paren && len(ws) > 1 {
		s = "(" + s + ")"
	}
	return s
}

// Terms lists the words to highlight, in Normalize form, each once, in the
// order they appear; a prefix word carries a "*" suffix. Excluded words are
// left out.
func (q *Query) Terms() []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range q.groups {
		for _, t := range g {
			for i, w := range t.words {
				if t.prefix && i == len(t.words)-1 {
					w += "*"
				}
				if !seen[w] {
					seen[w] = true
					out = append(out, w)
				}
			}
		}
	}
	return out
}
