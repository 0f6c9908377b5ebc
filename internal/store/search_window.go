package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A relevance search returns the ranked window first, then the "tail": the
// older matches, newest first (by documents.seq on SQLite, by created_at
// and id on PostgreSQL). Its cursor is an offset into the window ("o12") or
// a position in the tail ("s1234", or "t<time>" with the id).
type searchCursor struct {
	offset int
	tail   bool
	key    tailKey
}

// tailKey is a position in the tail order.
type tailKey struct {
	seq int64     // SQLite
	at  time.Time // PostgreSQL, with id
	id  string
}

func parseSearchCursor(c string) (searchCursor, error) {
	key, id, err := parseKeyCursor(c)
	if err != nil || key == "" {
		return searchCursor{}, ErrBadCursor
	}
	var cur searchCursor
	switch key[0] {
	case 'o':
		cur.offset, err = strconv.Atoi(key[1:])
		if err != nil || cur.offset < 0 {
			return searchCursor{}, ErrBadCursor
		}
	case 's':
		cur.tail = true
		if cur.key.seq, err = strconv.ParseInt(key[1:], 10, 64); err != nil {
			return searchCursor{}, ErrBadCursor
		}
	case 't':
		cur.tail = true
		if cur.key.at, err = time.Parse(time.RFC3339Nano, key[1:]); err != nil || id == "" {
			return searchCursor{}, ErrBadCursor
		}
		cur.key.id = id
	default:
		return searchCursor{}, ErrBadCursor
	}
	return cur, nil
}

func offsetCursor(n int) string { return keyCursor("o"+strconv.Itoa(n), "") }

func tailCursor(k tailKey) string {
	if k.id != "" {
		return keyCursor("t"+k.at.UTC().Format(time.RFC3339Nano), k.id)
	}
	return keyCursor("s"+strconv.FormatInt(k.seq, 10), "")
}

// searchSQL builds and runs the queries of one search.
type searchSQL struct {
	s      *Store
	user   string   // whose spaces
	spaces []string // the spaces searched (the index's owner column holds the space)
	q      SearchQuery
	f      DocumentFilter
	args   []any
	win    *ftsWindow // SQLite: the window, once read
	// matches is, on PostgreSQL, how many entries the ranked window held,
	// read with a ranked page that had a row (countKey); 0 when not known.
	matches int
}

// begin starts a query's arguments.
func (sq *searchSQL) begin() { sq.args = nil }

// spaceList is the searched spaces as arguments, for an IN list.
func (sq *searchSQL) spaceList() string {
	ph := make([]string, len(sq.spaces))
	for i, id := range sq.spaces {
		ph[i] = sq.arg(id)
	}
	return strings.Join(ph, ", ")
}

func (sq *searchSQL) arg(v any) string {
	sq.args = append(sq.args, v)
	return fmt.Sprintf("$%d", len(sq.args))
}

// where is the owner's documents matching the filter.
func (sq *searchSQL) where() string {
	return strings.Join(append([]string{memberSpaces("d.space_id", sq.arg(sq.user))}, filterSQL(sq.f, sq.arg)...), " AND ")
}

// relevance is one page of a relevance search: the ranked window from
// cur.offset, then the tail.
func (sq *searchSQL) relevance(ctx context.Context, cur searchCursor, limit int) ([]SearchHit, string, error) {
	var hits []SearchHit
	after := cur.key
	if !cur.tail {
		var err error
		if hits, err = sq.s.search.ranked(ctx, sq, cur.offset, limit+1); err != nil {
			return nil, "", err
		}
		if len(hits) > limit {
			return hits[:limit], offsetCursor(cur.offset + limit), nil
		}
		var full bool
		if after, full, err = sq.s.search.boundary(ctx, sq); err != nil || !full {
			return hits, "", err
		}
	}
	tail, keys, err := sq.s.search.tail(ctx, sq, after, limit+1-len(hits))
	if err != nil {
		return nil, "", err
	}
	ranked := len(hits)
	hits = append(hits, tail...)
	if len(hits) <= limit {
		return hits, "", nil
	}
	hits = hits[:limit]
	if n := limit - ranked; n > 0 {
		after = keys[n-1]
	}
	return hits, tailCursor(after), nil
}

// sortedPage is a page of all matches in the order of f.Sort, from an
// offset (a tail cursor is refused).
func (sq *searchSQL) sortedPage(ctx context.Context, cur searchCursor, limit int) ([]SearchHit, string, error) {
	if cur.tail {
		return nil, "", ErrBadCursor
	}
	offset := cur.offset
	order, ok := sortOrder(sq.f.Sort)
	if !ok {
		return nil, "", errBadSort()
	}
	sq.begin()
	from, score := sq.s.search.sortedFrom(sq)
	query := `SELECT ` + documentColumns + `, ` + score + ` AS score FROM ` + from + ` WHERE ` + sq.where() +
		` ORDER BY ` + order + ` LIMIT ` + sq.arg(limit+1) + ` OFFSET ` + sq.arg(offset)
	hits, _, err := sq.run(ctx, query, noKey)
	if err != nil {
		return nil, "", err
	}
	if len(hits) > limit {
		return hits[:limit], offsetCursor(offset + limit), nil
	}
	return hits, "", nil
}

// keyKind is the tail position run reads with each hit.
type keyKind int

const (
	noKey    keyKind = iota
	seqKey           // a last column, the FTS5 rowid (SQLite)
	timeKey          // the document's created_at and id (PostgreSQL)
	countKey         // a last column, the window's size, kept in sq.matches (PostgreSQL)
)

// run scans documents with their score and, unless key is noKey, their
// tail positions.
func (sq *searchSQL) run(ctx context.Context, query string, key keyKind) ([]SearchHit, []tailKey, error) {
	rows, err := sq.s.r.QueryContext(ctx, query, sq.args...)
	if err != nil {
		return nil, nil, searchErr(err)
	}
	defer rows.Close()
	var hits []SearchHit
	var keys []tailKey
	for rows.Next() {
		var sc float64
		var seq sql.NullInt64
		extra := []any{&sc}
		if key == seqKey || key == countKey {
			extra = append(extra, &seq)
		}
		d, err := scanDocument(scanPlus{rows, extra})
		if err != nil {
			return nil, nil, fmt.Errorf("search: %w", err)
		}
		hits = append(hits, SearchHit{Document: d, Score: sc})
		switch key {
		case seqKey:
			keys = append(keys, tailKey{seq: seq.Int64})
		case timeKey:
			keys = append(keys, tailKey{at: d.CreatedAt, id: d.ID})
		case countKey:
			sq.matches = int(seq.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("search: %w", normalize(err))
	}
	return hits, keys, nil
}

// searchErr keeps the cause of a failed search query. Only a query the
// engine could not parse is ErrInvalid (a 400); anything else (a timeout, a
// cancelled request, a lost connection, a locked database) keeps its chain
// and is a server error.
func searchErr(err error) error {
	err = normalize(err)
	if isQuerySyntaxError(err) {
		return fmt.Errorf("%w: search: %w", ErrInvalid, err)
	}
	return fmt.Errorf("search: %w", err)
}
