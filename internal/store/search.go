package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxIndexedBytes bounds the text of one document in the full-text index
// (PostgreSQL's tsvector holds at most 1 MB).
const maxIndexedBytes = 512 << 10

// IndexDocument rebuilds the document's full-text entry from its title and
// extracted text. Both engines index the same normalised words: lower case,
// diacritics removed, split at every character that is not a letter or digit.
func (s *Store) IndexDocument(ctx context.Context, id string) error {
	var owner, title, body string
	err := s.w.QueryRowContext(ctx, `SELECT d.owner_id, d.title, COALESCE(t.body, '') FROM documents d
		LEFT JOIN document_texts t ON t.document_id = d.id WHERE d.id = $1`, id).Scan(&owner, &title, &body)
	if err != nil {
		return fmt.Errorf("index document: %w", normalize(err))
	}
	title, body = SearchNormalize(title), SearchNormalize(truncate(body, maxIndexedBytes))
	switch s.dialect {
	case SQLite:
		if _, err := s.w.ExecContext(ctx, `DELETE FROM document_search WHERE rowid = (SELECT seq FROM documents WHERE id = $1)`, id); err != nil {
			return fmt.Errorf("index document: %w", normalize(err))
		}
		_, err = s.w.ExecContext(ctx, `INSERT INTO document_search (rowid, owner_id, title, body)
			SELECT seq, owner_id, $2, $3 FROM documents WHERE id = $1`, id, title, body)
	default:
		_, err = s.w.ExecContext(ctx, `INSERT INTO document_search (document_id, owner_id, title, body, tsv)
			VALUES ($1, $2, $3, $4, setweight(to_tsvector('simple', $3), 'A') || setweight(to_tsvector('simple', $4), 'B'))
			ON CONFLICT (document_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body, tsv = EXCLUDED.tsv`,
			id, owner, title, body)
	}
	if err != nil {
		return fmt.Errorf("index document: %w", normalize(err))
	}
	return nil
}

// SearchNormalize is the form text is indexed and searched in: NFKD, marks
// removed, lower case, every run of other characters a single space.
func SearchNormalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range norm.NFKD.String(s) {
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
