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
//
// With spaces, "the owner" is userID's spaces (or spaceID alone when not "").
func (s *Store) OwnerWords(ctx context.Context, userID, spaceID, word string, maxDist int) ([]searchquery.Candidate, error) {
	first, _ := utf8.DecodeRuneInString(word)
	if word == "" || first == utf8.RuneError {
		return nil, nil
	}
	spaces, err := s.searchSpaces(ctx, userID, spaceID)
	if err != nil || len(spaces) == 0 {
		return nil, err
	}
	lo, hi := string(first), string(first+1)
	n := utf8.RuneCountInString(word)
	minLen, maxLen := max(1, n-maxDist), n+maxDist
	query, args := s.search.ownerWords(spaces, lo, hi, minLen, maxLen)
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
