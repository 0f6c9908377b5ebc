package store

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/searchquery"
)

// Bounds of the vocabulary read for one suggestion: the owner's newest
// suggestDocs documents (PostgreSQL) and at most suggestWords words.
const (
	suggestDocs  = 2000
	suggestWords = 5000
)

// OwnerWords lists words of the owner's full-text index that begin with
// the same letter as word and are at most maxDist letters longer or
// shorter, with the number of the owner's documents holding each: the
// vocabulary "did you mean" draws from. Only the owner's documents are
// read, never another user's. SQLite reads the fts5vocab table over the
// index; PostgreSQL runs ts_stat over the owner's newest documents.
func (s *Store) OwnerWords(ctx context.Context, ownerID, word string, maxDist int) ([]searchquery.Candidate, error) {
	first, _ := utf8.DecodeRuneInString(word)
	if word == "" || first == utf8.RuneError {
		return nil, nil
	}
	lo, hi := string(first), string(first+1)
	n := utf8.RuneCountInString(word)
	minLen, maxLen := max(1, n-maxDist), n+maxDist
	var query string
	var args []any
	switch s.dialect {
	case SQLite:
		query = `SELECT v.term, COUNT(DISTINCT v.doc) FROM document_search_vocab v
			WHERE v.term >= $1 AND v.term < $2 AND v.col IN ('title', 'body')
			  AND length(v.term) BETWEEN $3 AND $4
			  AND v.doc IN (SELECT rowid FROM document_search WHERE document_search MATCH $5)
			GROUP BY v.term ORDER BY COUNT(DISTINCT v.doc) DESC LIMIT $6`
		args = []any{lo, hi, minLen, maxLen, `owner_id : "` + ownerToken(ownerID) + `"`, suggestWords}
	default:
		query = `SELECT word, ndoc FROM ts_stat(format(
				'SELECT tsv FROM document_search WHERE owner_id = %L ORDER BY created_at DESC LIMIT %s', $5::text, $6::int))
			WHERE word COLLATE "C" >= $1 AND word COLLATE "C" < $2 AND length(word) BETWEEN $3 AND $4
			ORDER BY ndoc DESC LIMIT $7`
		args = []any{lo, hi, minLen, maxLen, ownerID, suggestDocs, suggestWords}
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("owner words: %w", normalize(err))
	}
	defer rows.Close()
	var out []searchquery.Candidate
	for rows.Next() {
		var c searchquery.Candidate
		if err := rows.Scan(&c.Word, &c.Docs); err != nil {
			return nil, fmt.Errorf("owner words: %w", normalize(err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("owner words: %w", normalize(err))
	}
	return out, nil
}
