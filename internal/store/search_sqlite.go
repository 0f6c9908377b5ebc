package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// ftsIndex is SQLite's full-text index: the FTS5 table document_search,
// whose rowid is documents.seq, with the owner's token in an owner_id
// column. Matches come in rowid (insertion) order.
type ftsIndex struct{}

// ownerToken is the owner's word in SQLite's full-text index: "o" and the
// hex of the id's bytes, one token for unicode61 whatever the id holds.
// Migration 00016 computes the same in SQL ('o' || lower(hex(owner_id))).
func ownerToken(ownerID string) string { return "o" + hex.EncodeToString([]byte(ownerID)) }

// ownerMatch is the FTS5 expression of all the entries of the spaces (the
// index's owner_id column holds the document's space, see IndexDocument).
func ownerMatch(spaces []string) string {
	parts := make([]string, len(spaces))
	for i, id := range spaces {
		parts[i] = `owner_id : "` + ownerToken(id) + `"`
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// bm25Score ranks a title match ten times a body match.
const bm25Score = `-bm25(document_search, 0.0, 10.0, 1.0)`

// ftsWindow is the owner's newest RankWindow matches in SQLite's index:
// how many (n) and their rowid range.
type ftsWindow struct {
	n      int
	lo, hi int64
}

// documentInsert adds seq, the full-text index's stable rowid; one
// writer, so MAX+1 is safe.
func (ftsIndex) documentInsert() (cols, vals string) {
	return ", seq", ", (SELECT IFNULL(MAX(seq), 0) + 1 FROM documents)"
}

func (ftsIndex) index(ctx context.Context, s *Store, e indexEntry) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM document_search WHERE rowid = (SELECT seq FROM documents WHERE id = $1)`, e.id); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO document_search (rowid, owner_id, title, body)
			SELECT seq, $2, $3, $4 FROM documents WHERE id = $1`, e.id, ownerToken(e.owner), e.title, e.body)
	return err
}

func (ftsIndex) unindexedSQL() string {
	return `SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_search s WHERE s.rowid = d.seq)`
}

func (ftsIndex) orphansSQL() string {
	return `DELETE FROM document_search WHERE rowid NOT IN (SELECT seq FROM documents)`
}

// optimize merges the segments a rewrite left behind into one.
func (ftsIndex) optimize(ctx context.Context, s *Store) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO document_search (document_search) VALUES ('optimize')`)
	return err
}

// ownerWords reads the fts5vocab table over the index, for the owner's
// entries only.
func (ftsIndex) ownerWords(spaces []string, lo, hi string, minLen, maxLen int) (string, []any) {
	return `SELECT v.term, COUNT(DISTINCT v.doc) FROM document_search_vocab v
			WHERE v.term >= $1 AND v.term < $2 AND v.col IN ('title', 'body')
			  AND length(v.term) BETWEEN $3 AND $4
			  AND v.doc IN (SELECT rowid FROM document_search WHERE document_search MATCH $5)
			GROUP BY v.term ORDER BY COUNT(DISTINCT v.doc) DESC LIMIT $6`,
		[]any{lo, hi, minLen, maxLen, ownerMatch(spaces), suggestWords}
}

func (ftsIndex) window() int { return RankWindow }

// match is the FTS5 expression: the owner's token and the query on title
// and body only. It finds rows; anyMatch scores them: bm25 reads every
// phrase's whole list once per statement, and the owner's token is in all
// of the owner's documents, so scores come from a statement without it.
func (ftsIndex) match(sq *searchSQL) string {
	return sq.arg(ownerMatch(sq.spaces) + ` AND ` + anyMatchExpr(sq))
}

func anyMatchExpr(sq *searchSQL) string { return `({title body} : (` + sq.q.FTS5 + `))` }

func (x ftsIndex) ranked(ctx context.Context, sq *searchSQL, offset, n int) ([]SearchHit, error) {
	w, err := x.readWindow(ctx, sq)
	if err != nil || w.n == 0 {
		return nil, err
	}
	sq.begin()
	m := sq.arg(anyMatchExpr(sq))
	query := `SELECT ` + documentColumns + `, c.score FROM (SELECT rowid AS seq, ` + bm25Score + ` AS score
			FROM document_search WHERE document_search MATCH ` + m + ` AND rowid >= ` + sq.arg(w.lo) +
		` AND rowid <= ` + sq.arg(w.hi) + `) c JOIN documents d ON d.seq = c.seq WHERE ` + sq.where() +
		` ORDER BY score DESC, d.id LIMIT ` + sq.arg(n) + ` OFFSET ` + sq.arg(offset)
	hits, _, err := sq.run(ctx, query, noKey)
	return hits, err
}

// readWindow reads (once per search) the owner's newest RankWindow matches.
func (x ftsIndex) readWindow(ctx context.Context, sq *searchSQL) (ftsWindow, error) {
	if sq.win != nil {
		return *sq.win, nil
	}
	sq.begin()
	var w ftsWindow
	err := sq.s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM (
		SELECT rowid AS seq FROM document_search WHERE document_search MATCH `+x.match(sq)+`
		ORDER BY rowid DESC LIMIT `+strconv.Itoa(x.window())+`) c`, sq.args...).Scan(&w.n, &w.lo, &w.hi)
	if err != nil {
		return w, searchErr(err)
	}
	sq.win = &w
	return w, nil
}

func (x ftsIndex) boundary(ctx context.Context, sq *searchSQL) (tailKey, bool, error) {
	w, err := x.readWindow(ctx, sq)
	return tailKey{seq: w.lo}, w.n == RankWindow, err
}

// tail is in rowid order, newest first.
func (x ftsIndex) tail(ctx context.Context, sq *searchSQL, after tailKey, n int) ([]SearchHit, []tailKey, error) {
	return x.bySeq(ctx, sq, true, &after.seq, n)
}

// sorted pages a date-sorted search by rowid (seq) from its start: rowids
// are given in insertion order, which is created_at order (one writer,
// created_at set in the inserting transaction; imports insert in id order,
// and UUIDv7 ids are in creation order), so the index itself yields the
// page without sorting every match. Other sorts, and date-sorted cursors
// from an offset, take the shared sortedPage.
func (x ftsIndex) sorted(ctx context.Context, sq *searchSQL, cur searchCursor, limit int) ([]SearchHit, string, error) {
	if !strings.HasSuffix(sq.f.Sort, "created_at") || cur.offset != 0 {
		return sq.sortedPage(ctx, cur, limit)
	}
	var after *int64
	if cur.tail {
		after = &cur.key.seq
	}
	hits, keys, err := x.bySeq(ctx, sq, sq.f.Sort == "-created_at", after, limit+1)
	if err != nil || len(hits) <= limit {
		return hits, "", err
	}
	return hits[:limit], tailCursor(keys[limit-1]), nil
}

func (x ftsIndex) sortedFrom(sq *searchSQL) (from, score string) {
	return `document_search JOIN documents d ON d.seq = document_search.rowid AND document_search MATCH ` + x.match(sq), bm25Score
}

// bySeq is up to n of the owner's matches in rowid (= seq, insertion)
// order, after the given rowid when not nil, with their scores.
func (x ftsIndex) bySeq(ctx context.Context, sq *searchSQL, desc bool, after *int64, n int) ([]SearchHit, []tailKey, error) {
	sq.begin()
	m := x.match(sq)
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
	hits, keys, err := sq.run(ctx, query, seqKey)
	if err != nil || len(hits) == 0 {
		return hits, keys, err
	}
	lo, hi := keys[0].seq, keys[len(keys)-1].seq
	if lo > hi {
		lo, hi = hi, lo
	}
	sq.begin()
	rows, err := sq.s.r.QueryContext(ctx, `SELECT rowid, `+bm25Score+` FROM document_search WHERE document_search MATCH `+
		sq.arg(anyMatchExpr(sq))+` AND rowid >= `+sq.arg(lo)+` AND rowid <= `+sq.arg(hi), sq.args...)
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
