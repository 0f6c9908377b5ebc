package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ownerToken is the owner's word in SQLite's full-text index: "o" and the
// hex of the id's bytes, one token for unicode61 whatever the id holds.
// Migration 00016 computes the same in SQL ('o' || lower(hex(owner_id))).
func ownerToken(ownerID string) string { return "o" + hex.EncodeToString([]byte(ownerID)) }

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
	s     *Store
	owner string
	q     SearchQuery
	f     DocumentFilter
	args  []any
	win   *ftsWindow // SQLite: the window, once read
}

// ftsWindow is the owner's newest RankWindow matches in SQLite's index:
// how many (n) and their rowid range.
type ftsWindow struct {
	n      int
	lo, hi int64
}

// begin starts a query's arguments: $1 is always the owner.
func (sq *searchSQL) begin() { sq.args = []any{sq.owner} }

func (sq *searchSQL) arg(v any) string {
	sq.args = append(sq.args, v)
	return fmt.Sprintf("$%d", len(sq.args))
}

// where is the owner's live documents with the filter's status and topic.
func (sq *searchSQL) where() string {
	w := []string{"d.owner_id = $1", "d.deleted_at IS NULL"}
	if sq.f.Status != "" {
		w = append(w, "d.status = "+sq.arg(sq.f.Status))
	}
	if sq.f.TopicID != "" {
		w = append(w, "EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = "+sq.arg(sq.f.TopicID)+")")
	}
	return strings.Join(w, " AND ")
}

// match is the FTS5 expression: the owner's token and the query on title
// and body only. It finds rows; anyMatch scores them: bm25 reads every
// phrase's whole list once per statement, and the owner's token is in all
// of the owner's documents, so scores come from a statement without it.
func (sq *searchSQL) match() string {
	return sq.arg(`owner_id : "` + ownerToken(sq.owner) + `" AND ` + sq.anyMatchExpr())
}

func (sq *searchSQL) anyMatchExpr() string { return `({title body} : (` + sq.q.FTS5 + `))` }

// tsquery is the PostgreSQL query expression.
func (sq *searchSQL) tsquery() string { return "to_tsquery('simple', " + sq.arg(sq.q.TSQuery) + ")" }

// bm25Score ranks a title match ten times a body match.
const bm25Score = `-bm25(document_search, 0.0, 10.0, 1.0)`

// windowSQL is the engine's SearchWindow in SQL.
func (sq *searchSQL) windowSQL() string { return strconv.Itoa(sq.s.SearchWindow()) }

// relevance is one page of a relevance search: the ranked window from
// cur.offset, then the tail.
func (sq *searchSQL) relevance(ctx context.Context, cur searchCursor, limit int) ([]SearchHit, string, error) {
	var hits []SearchHit
	after := cur.key
	if !cur.tail {
		var err error
		if hits, err = sq.ranked(ctx, cur.offset, limit+1); err != nil {
			return nil, "", err
		}
		if len(hits) > limit {
			return hits[:limit], offsetCursor(cur.offset + limit), nil
		}
		var full bool
		if after, full, err = sq.boundary(ctx); err != nil || !full {
			return hits, "", err
		}
	}
	tail, keys, err := sq.tail(ctx, after, limit+1-len(hits))
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

// ranked is the window ordered by score.
func (sq *searchSQL) ranked(ctx context.Context, offset, n int) ([]SearchHit, error) {
	var query string
	if sq.s.dialect == SQLite {
		w, err := sq.window(ctx)
		if err != nil || w.n == 0 {
			return nil, err
		}
		sq.begin()
		m := sq.arg(sq.anyMatchExpr())
		query = `SELECT ` + documentColumns + `, c.score FROM (SELECT rowid AS seq, ` + bm25Score + ` AS score
			FROM document_search WHERE document_search MATCH ` + m + ` AND rowid >= ` + sq.arg(w.lo) +
			` AND rowid <= ` + sq.arg(w.hi) + `) c JOIN documents d ON d.seq = c.seq WHERE ` + sq.where()
	} else {
		// The owner's newest matching index entries, from document_search
		// alone (owner_id, created_at and the tsvector are all there), then
		// the documents they belong to, filtered.
		sq.begin()
		tq := sq.tsquery()
		query = `SELECT ` + documentColumns + `, ts_rank_cd(c.tsv, ` + tq + `) AS score FROM (
			SELECT ds.document_id, ds.tsv FROM document_search ds
			WHERE ds.owner_id = $1 AND ds.tsv @@ ` + tq + `
			ORDER BY ds.created_at DESC, ds.document_id DESC LIMIT ` + sq.windowSQL() + `) c
			JOIN documents d ON d.id = c.document_id WHERE ` + sq.where()
	}
	query += ` ORDER BY score DESC, d.id LIMIT ` + sq.arg(n) + ` OFFSET ` + sq.arg(offset)
	hits, _, err := sq.run(ctx, query, false)
	return hits, err
}

// window reads (once) the owner's newest RankWindow matches on SQLite.
func (sq *searchSQL) window(ctx context.Context) (ftsWindow, error) {
	if sq.win != nil {
		return *sq.win, nil
	}
	sq.begin()
	var w ftsWindow
	err := sq.s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM (
		SELECT rowid AS seq FROM document_search WHERE document_search MATCH `+sq.match()+`
		ORDER BY rowid DESC LIMIT `+sq.windowSQL()+`) c`, sq.args...).Scan(&w.n, &w.lo, &w.hi)
	if err != nil {
		return w, searchErr(err)
	}
	sq.win = &w
	return w, nil
}

// boundary is the last position of the window, and whether the window is
// full (so older matches may follow).
func (sq *searchSQL) boundary(ctx context.Context) (tailKey, bool, error) {
	if sq.s.dialect == SQLite {
		w, err := sq.window(ctx)
		return tailKey{seq: w.lo}, w.n == RankWindow, err
	}
	sq.begin()
	var k tailKey
	tq := sq.tsquery()
	err := sq.s.r.QueryRowContext(ctx, `SELECT ds.created_at, ds.document_id FROM document_search ds
			WHERE ds.owner_id = $1 AND ds.tsv @@ `+tq+`
			ORDER BY ds.created_at DESC, ds.document_id DESC OFFSET `+sq.windowSQL()+` - 1 LIMIT 1`, sq.args...).Scan(&k.at, &k.id)
	if normalize(err) == ErrNotFound {
		return k, false, nil
	}
	if err != nil {
		return k, false, searchErr(err)
	}
	return k, true, nil
}

// tail is up to n matches after the position, newest first, with their
// positions.
func (sq *searchSQL) tail(ctx context.Context, after tailKey, n int) ([]SearchHit, []tailKey, error) {
	if sq.s.dialect == SQLite {
		return sq.bySeq(ctx, true, &after.seq, n)
	}
	sq.begin()
	tq := sq.tsquery()
	query := `SELECT ` + documentColumns + `, ts_rank_cd(ds.tsv, ` + tq + `) FROM document_search ds
		JOIN documents d ON d.id = ds.document_id WHERE ds.tsv @@ ` + tq + ` AND ` + sq.where() + `
		AND (d.created_at, d.id) < (` + sq.arg(after.at) + `, ` + sq.arg(after.id) + `)
		ORDER BY d.created_at DESC, d.id DESC LIMIT ` + sq.arg(n)
	return sq.run(ctx, query, true)
}

// bySeq is up to n of the owner's matches on SQLite in rowid (= seq,
// insertion) order, after the given rowid when not nil, with their scores.
func (sq *searchSQL) bySeq(ctx context.Context, desc bool, after *int64, n int) ([]SearchHit, []tailKey, error) {
	sq.begin()
	m := sq.match()
	dir, op := "", ">"
	if desc {
		dir, op = " DESC", "<"
	}
	query := `SELECT ` + documentColumns + `, 0.0, document_search.rowid FROM document_search
		JOIN documents d ON d.seq = document_search.rowid WHERE document_search MATCH ` + m
	if after != nil {
		query += ` AND document_search.rowid ` + op + ` ` + sq.arg(*after)
	}
	query += ` AND ` + sq.where() + ` ORDER BY document_search.rowid` + dir + ` LIMIT ` + sq.arg(n)
	hits, keys, err := sq.run(ctx, query, true)
	if err != nil || len(hits) == 0 {
		return hits, keys, err
	}
	lo, hi := keys[0].seq, keys[len(keys)-1].seq
	if lo > hi {
		lo, hi = hi, lo
	}
	sq.begin()
	rows, err := sq.s.r.QueryContext(ctx, `SELECT rowid, `+bm25Score+` FROM document_search WHERE document_search MATCH `+
		sq.arg(sq.anyMatchExpr())+` AND rowid >= `+sq.arg(lo)+` AND rowid <= `+sq.arg(hi), sq.args...)
	if err != nil {
		return nil, nil, searchErr(err)
	}
	defer rows.Close()
	scores := make(map[int64]float64, len(hits))
	for rows.Next() {
		var seq int64
		var sc float64
		if err := rows.Scan(&seq, &sc); err != nil {
			return nil, nil, fmt.Errorf("search: %w", normalize(err))
		}
		scores[seq] = sc
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("search: %w", normalize(err))
	}
	for i := range hits {
		hits[i].Score = scores[keys[i].seq]
	}
	return hits, keys, nil
}

// sortedBySeq is a page of a date-sorted search on SQLite: rowids (seq)
// are given in insertion order, which is created_at order (one writer,
// created_at set in the inserting transaction; imports insert in id order,
// and UUIDv7 ids are in creation order), so the index itself yields the
// page without sorting every match.
func (sq *searchSQL) sortedBySeq(ctx context.Context, cur searchCursor, limit int) ([]SearchHit, string, error) {
	var after *int64
	if cur.tail {
		after = &cur.key.seq
	}
	hits, keys, err := sq.bySeq(ctx, sq.f.Sort == "-created_at", after, limit+1)
	if err != nil || len(hits) <= limit {
		return hits, "", err
	}
	return hits[:limit], tailCursor(keys[limit-1]), nil
}

// sorted is a page of all matches in the order of f.Sort.
func (sq *searchSQL) sorted(ctx context.Context, offset, limit int) ([]SearchHit, string, error) {
	order := map[string]string{
		"-created_at": "d.created_at DESC, d.id DESC",
		"created_at":  "d.created_at, d.id",
		"title":       "d.title, d.id",
		"-title":      "d.title DESC, d.id DESC",
	}[sq.f.Sort]
	sq.begin()
	var from, score string
	if sq.s.dialect == SQLite {
		from = `document_search JOIN documents d ON d.seq = document_search.rowid AND document_search MATCH ` + sq.match()
		score = bm25Score
	} else {
		tq := sq.tsquery()
		from = `document_search ds JOIN documents d ON d.id = ds.document_id AND ds.tsv @@ ` + tq
		score = `ts_rank_cd(ds.tsv, ` + tq + `)`
	}
	query := `SELECT ` + documentColumns + `, ` + score + ` AS score FROM ` + from + ` WHERE ` + sq.where() +
		` ORDER BY ` + order + ` LIMIT ` + sq.arg(limit+1) + ` OFFSET ` + sq.arg(offset)
	hits, _, err := sq.run(ctx, query, false)
	if err != nil {
		return nil, "", err
	}
	if len(hits) > limit {
		return hits[:limit], offsetCursor(offset + limit), nil
	}
	return hits, "", nil
}

// run scans documents with their score and, when withKey, the tail
// position (seq on SQLite; created_at and id on PostgreSQL).
func (sq *searchSQL) run(ctx context.Context, query string, withKey bool) ([]SearchHit, []tailKey, error) {
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
		if withKey && sq.s.dialect == SQLite {
			extra = append(extra, &seq)
		}
		d, err := scanDocument(scanPlus{rows, extra})
		if err != nil {
			return nil, nil, fmt.Errorf("search: %w", err)
		}
		hits = append(hits, SearchHit{Document: d, Score: sc})
		if withKey {
			if sq.s.dialect == SQLite {
				keys = append(keys, tailKey{seq: seq.Int64})
			} else {
				keys = append(keys, tailKey{at: d.CreatedAt, id: d.ID})
			}
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
