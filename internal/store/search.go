package store

import (
	"context"
	"database/sql"
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
	for _, r := range norm.NFKD.String(strings.ToValidUTF8(s, " ")) {
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

// SearchQuery is a parsed search in both engines' syntax.
type SearchQuery struct {
	FTS5    string   // for SQLite MATCH
	TSQuery string   // for PostgreSQL to_tsquery('simple', ...)
	Terms   []string // positive terms in SearchNormalize form, "*" suffix for prefixes
}

// SearchHit is one result with its rank and highlighted passage.
type SearchHit struct {
	*Document
	Score   float64 // higher is better
	Snippet string
}

// SearchDocuments finds the owner's documents (trash excluded) matching q,
// filtered by f, ranked by relevance (f.Sort "" or "relevance") or sorted by
// f.Sort. The cursor is opaque.
func (s *Store) SearchDocuments(ctx context.Context, ownerID string, q SearchQuery, f DocumentFilter, p Page) ([]SearchHit, string, error) {
	offset := 0
	if p.Cursor != "" {
		key, _, err := parseKeyCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		if _, err := fmt.Sscanf(key, "o%d", &offset); err != nil || offset < 0 {
			return nil, "", ErrBadCursor
		}
	}
	args := []any{ownerID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	var from, score string
	switch s.dialect {
	case SQLite:
		from = `document_search JOIN documents d ON d.seq = document_search.rowid`
		score = `-bm25(document_search, 0.0, 10.0, 1.0)`
		from += " AND document_search MATCH " + arg(q.FTS5)
	default:
		tq := arg(q.TSQuery)
		from = `document_search ds JOIN documents d ON d.id = ds.document_id AND ds.tsv @@ to_tsquery('simple', ` + tq + `)`
		score = `ts_rank_cd(ds.tsv, to_tsquery('simple', ` + tq + `))`
	}
	where := []string{"d.owner_id = $1", "d.deleted_at IS NULL"}
	if f.Status != "" {
		where = append(where, "d.status = "+arg(f.Status))
	}
	if f.TopicID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = "+arg(f.TopicID)+")")
	}
	order := "score DESC, d.id"
	switch f.Sort {
	case "", "relevance":
	case "-created_at":
		order = "d.created_at DESC, d.id DESC"
	case "created_at":
		order = "d.created_at, d.id"
	case "title":
		order = "d.title, d.id"
	case "-title":
		order = "d.title DESC, d.id DESC"
	default:
		return nil, "", fmt.Errorf("%w: sort must be relevance, created_at, -created_at, title or -title", ErrInvalid)
	}
	limit := p.limit()
	query := `SELECT ` + documentColumns + `, ` + score + ` AS score FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + order + ` LIMIT ` + arg(limit+1) + ` OFFSET ` + arg(offset)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", fmt.Errorf("%w: search: %v", ErrInvalid, normalize(err))
	}
	var hits []SearchHit
	for rows.Next() {
		var sc float64
		d, err := scanDocument(scanPlus{rows, &sc})
		if err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("search: %w", err)
		}
		hits = append(hits, SearchHit{Document: d, Score: sc})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("search: %w", normalize(err))
	}
	next := ""
	if len(hits) > limit {
		hits = hits[:limit]
		next = keyCursor(fmt.Sprintf("o%d", offset+limit), "")
	}
	docs := make([]*Document, len(hits))
	for i := range hits {
		docs[i] = hits[i].Document
		body, err := s.snippetSource(ctx, hits[i].ID)
		if err != nil {
			return nil, "", err
		}
		hits[i].Snippet = Snippet(hits[i].Title+"\n"+body, q.Terms)
	}
	if err := s.loadTopics(ctx, docs); err != nil {
		return nil, "", err
	}
	return hits, next, nil
}

// snippetSource is the start of a document's text, enough for a snippet.
func (s *Store) snippetSource(ctx context.Context, id string) (string, error) {
	var body string
	err := s.r.QueryRowContext(ctx, `SELECT SUBSTR(body, 1, 200000) FROM document_texts WHERE document_id = $1`, id).Scan(&body)
	if err != nil && normalize(err) != ErrNotFound {
		return "", fmt.Errorf("snippet: %w", normalize(err))
	}
	return body, nil
}

// scanPlus scans a document row followed by extra columns.
type scanPlus struct {
	rows  *sql.Rows
	extra *float64
}

func (sp scanPlus) Scan(dest ...any) error { return sp.rows.Scan(append(dest, sp.extra)...) }
