package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"

	"github.com/docuvault/docuvault/internal/searchquery"
)

// maxIndexedBytes bounds the text of one document in the full-text index
// (PostgreSQL's tsvector holds at most 1 MB).
const maxIndexedBytes = 512 << 10

// IndexDocument rebuilds the document's full-text entry from its title,
// its notes and its extracted text. Both engines index the same normalised words: lower case,
// diacritics removed, split at every character that is not a letter or digit.
func (s *Store) IndexDocument(ctx context.Context, id string) error {
	var owner, title, body string
	var created time.Time
	err := s.w.QueryRowContext(ctx, `SELECT d.space_id, d.title, COALESCE(t.body, ''), d.created_at FROM documents d
		LEFT JOIN document_texts t ON t.document_id = d.id WHERE d.id = $1`, id).Scan(&owner, &title, &body, &created)
	if err != nil {
		return fmt.Errorf("index document: %w", normalize(err))
	}
	// People's notes come first, so the cap on the text never drops them.
	notes, err := s.noteBodies(ctx, id)
	if err != nil {
		return fmt.Errorf("index document: %w", err)
	}
	e := indexEntry{id: id, owner: owner, created: created,
		title: SearchNormalize(title), body: SearchNormalize(truncate(notes+body, maxIndexedBytes))}
	if err := s.search.index(ctx, s, e); err != nil {
		return fmt.Errorf("index document: %w", normalize(err))
	}
	return nil
}

// indexEntry is one document's full-text entry, in SearchNormalize form.
type indexEntry struct {
	id, owner, title, body string
	created                time.Time
}

// searchIndex is the engine's full-text index, chosen once at open: FTS5 on
// SQLite (ftsIndex, search_sqlite.go), a tsvector table on PostgreSQL
// (tsvectorIndex, search_postgres.go). Its methods take the Store or the
// search so they run in the caller's transaction. Queries it returns or
// runs use $n placeholders and the shared documentColumns.
type searchIndex interface {
	// documentInsert is the extra columns and values of a new documents
	// row (with a leading comma), or empty.
	documentInsert() (cols, vals string)
	// index replaces the document's entry.
	index(ctx context.Context, s *Store, e indexEntry) error
	// unindexedSQL selects the ids of documents without an entry.
	unindexedSQL() string
	// orphansSQL deletes the entries whose document is gone.
	orphansSQL() string
	// optimize tidies the index after a full rewrite.
	optimize(ctx context.Context, s *Store) error
	// ownerWords is the query, with its arguments, of OwnerWords: words of
	// the owner's entries in [lo, hi) with minLen to maxLen letters, and
	// the number of the owner's documents holding each, most first.
	ownerWords(spaces []string, lo, hi string, minLen, maxLen int) (string, []any)

	// window is SearchWindow: how many of the newest matches are ranked.
	window() int
	// ranked is n of the window's matches from offset, ordered by score.
	ranked(ctx context.Context, sq *searchSQL, offset, n int) ([]SearchHit, error)
	// boundary is the last position of the window, and whether the window
	// is full (so older matches may follow).
	boundary(ctx context.Context, sq *searchSQL) (tailKey, bool, error)
	// tail is up to n matches after the position, newest first, with their
	// positions.
	tail(ctx context.Context, sq *searchSQL, after tailKey, n int) ([]SearchHit, []tailKey, error)
	// sorted is a page of a search sorted by sq.f.Sort.
	sorted(ctx context.Context, sq *searchSQL, cur searchCursor, limit int) ([]SearchHit, string, error)
	// sortedFrom is the FROM clause (documents as d, joined to the matches)
	// and the score expression of sortedPage.
	sortedFrom(sq *searchSQL) (from, score string)
}

// SearchNormalize is the form text is indexed and searched in:
// searchquery.Normalize, the one implementation the query side uses too.
func SearchNormalize(s string) string { return searchquery.Normalize(s) }

// SearchQuery is a parsed search in both engines' syntax.
type SearchQuery struct {
	FTS5    string // for SQLite MATCH
	TSQuery string // for PostgreSQL to_tsquery('simple', ...)
}

// SearchHit is one result with its rank and the text a passage is cut
// from (searchquery.Snippet): its title, a line break and the start of its
// notes and extracted text.
type SearchHit struct {
	*model.Document
	Score float64 // higher is better
	Text  string
}

// RankWindow is how many matches a relevance search ranks on SQLite: the
// owner's newest RankWindow entries of the full-text index that match
// (trashed and filtered-out documents among them are then dropped) are
// ordered by score, and any older matches follow them newest first. Queries
// with fewer matches are ranked exactly; common words cost the same
// whatever the size of the vault.
const RankWindow = 2000

// PostgresRankWindow is the same on PostgreSQL, smaller because ranking a
// tsvector costs more there (ts_rank_cd, above all for prefix queries): at
// 100k documents a window of 2,000 took 40-70 ms for words in 5-12% of the
// documents (docs/performance.md).
const PostgresRankWindow = 500

// SearchWindow is RankWindow or PostgresRankWindow, by engine.
func (s *Store) SearchWindow() int { return s.search.window() }

// SearchDocuments finds the documents of userID's spaces (or of f.SpaceID
// alone) (trash excluded) matching q,
// filtered by f, ranked by relevance (f.Sort "" or "relevance", within the
// newest SearchWindow matches) or sorted by f.Sort. The cursor is opaque. It
// returns ErrInvalid for a bad sort, cursor or query.
func (s *Store) SearchDocuments(ctx context.Context, userID string, q SearchQuery, f DocumentFilter, p Page) ([]SearchHit, string, error) {
	spaces, err := s.searchSpaces(ctx, userID, f.SpaceID)
	if err != nil || len(spaces) == 0 {
		return nil, "", err
	}
	sq := &searchSQL{s: s, user: userID, spaces: spaces, q: q, f: f}
	var cur searchCursor
	if p.Cursor != "" {
		var err error
		if cur, err = parseSearchCursor(p.Cursor); err != nil {
			return nil, "", err
		}
	}
	limit := p.limit()
	var hits []SearchHit
	var next string
	switch f.Sort {
	case "", "relevance":
		hits, next, err = sq.relevance(ctx, cur, limit)
	default:
		if _, ok := documentSorts[f.Sort]; !ok {
			return nil, "", fmt.Errorf("%w: sort must be relevance or one of %s", ErrInvalid, strings.Join(DocumentSorts(), ", "))
		}
		hits, next, err = s.search.sorted(ctx, sq, cur, limit)
	}
	if err != nil {
		return nil, "", err
	}
	docs := make([]*model.Document, len(hits))
	for i := range hits {
		docs[i] = hits[i].Document
	}
	// Topics, fields, note counts and the snippets' texts: one query.
	bodies, err := s.loadDetails(ctx, docs, true)
	if err != nil {
		return nil, "", err
	}
	for i := range hits {
		hits[i].Text = hits[i].Title + "\n" + bodies[hits[i].ID]
	}
	return hits, next, nil
}

// searchSpaces is the spaces a search of userID covers: all of theirs, or
// only spaceID when not "" (none when they are not a member of it).
func (s *Store) searchSpaces(ctx context.Context, userID, spaceID string) ([]string, error) {
	ids, err := s.MemberSpaceIDs(ctx, userID)
	if err != nil || spaceID == "" {
		return ids, err
	}
	for _, id := range ids {
		if id == spaceID {
			return []string{id}, nil
		}
	}
	return nil, nil
}

// scanPlus scans a document row followed by extra columns.
type scanPlus struct {
	rows  *sql.Rows
	extra []any
}

func (sp scanPlus) Scan(dest ...any) error { return sp.rows.Scan(append(dest, sp.extra...)...) }

// rowPlus scans a row (one of QueryRowContext) followed by extra columns.
type rowPlus struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (rp rowPlus) Scan(dest ...any) error { return rp.row.Scan(append(dest, rp.extra...)...) }
