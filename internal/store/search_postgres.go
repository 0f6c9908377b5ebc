package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// tsvectorIndex is PostgreSQL's full-text index: the table document_search,
// one row per document with its space (column owner_id), created_at and a weighted tsvector
// (title A, body B). Its tail order is created_at and id.
type tsvectorIndex struct{}

// documentInsert adds nothing: rows are keyed by document_id.
func (tsvectorIndex) documentInsert() (cols, vals string) { return "", "" }

func (tsvectorIndex) index(ctx context.Context, s *Store, e indexEntry) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO document_search (document_id, owner_id, title, body, tsv, created_at)
			VALUES ($1, $2, $3, $4, setweight(to_tsvector('simple', $3), 'A') || setweight(to_tsvector('simple', $4), 'B'), $5)
			ON CONFLICT (document_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, title = EXCLUDED.title, body = EXCLUDED.body, tsv = EXCLUDED.tsv,
				created_at = EXCLUDED.created_at`,
		e.id, e.owner, e.title, e.body, e.created)
	return err
}

func (tsvectorIndex) unindexedSQL() string {
	return `SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_search s WHERE s.document_id = d.id)`
}

func (tsvectorIndex) orphansSQL() string {
	return `DELETE FROM document_search WHERE document_id NOT IN (SELECT id FROM documents)`
}

// optimize has nothing to do: PostgreSQL's autovacuum tends the table.
func (tsvectorIndex) optimize(context.Context, *Store) error { return nil }

// ownerWords runs ts_stat over the owner's newest suggestDocs entries.
func (tsvectorIndex) ownerWords(spaces []string, lo, hi string, minLen, maxLen int) (string, []any) {
	// Ids are UUIDs: an array literal needs no quoting.
	return `SELECT word, ndoc FROM ts_stat(format(
				'SELECT tsv FROM document_search WHERE owner_id = ANY(%L::text[]) ORDER BY created_at DESC LIMIT %s', $5::text, $6::int))
			WHERE word COLLATE "C" >= $1 AND word COLLATE "C" < $2 AND length(word) BETWEEN $3 AND $4
			ORDER BY ndoc DESC LIMIT $7`,
		[]any{lo, hi, minLen, maxLen, "{" + strings.Join(spaces, ",") + "}", suggestDocs, suggestWords}
}

func (tsvectorIndex) window() int { return PostgresRankWindow }

// tsquery is the query expression.
func tsquery(sq *searchSQL) string { return "to_tsquery('simple', " + sq.arg(sq.q.TSQuery) + ")" }

// ranked reads the owner's newest matching index entries from
// document_search alone (owner_id, created_at and the tsvector are all
// there) and ranks them, then keeps the page of those whose documents pass
// the filter, and only then reads the page's document columns. The
// tsvectors are read once, by the window; the rank is computed once per
// entry of the window (OFFSET 0 keeps it below the count, so the count and
// the sorts carry ids and scores, not tsvectors). Each row also carries how
// many entries the window held, so boundary need not ask.
func (x tsvectorIndex) ranked(ctx context.Context, sq *searchSQL, offset, n int) ([]SearchHit, error) {
	sq.begin()
	tq := tsquery(sq)
	window := `SELECT ds.document_id, ds.tsv FROM document_search ds
					WHERE ds.owner_id IN (` + sq.spaceList() + `) AND ds.tsv @@ ` + tq + `
					ORDER BY ds.created_at DESC, ds.document_id DESC LIMIT ` + strconv.Itoa(x.window())
	scored := `SELECT w.document_id, ts_rank_cd(w.tsv, ` + tsquery(sq) + `) AS score FROM (` + window + `) w OFFSET 0`
	page := `SELECT c.document_id, c.score, c.matches FROM (
				SELECT x.document_id, x.score, COUNT(*) OVER () AS matches FROM (` + scored + `) x) c
			JOIN documents d ON d.id = c.document_id WHERE ` + sq.where() + `
			ORDER BY c.score DESC, c.document_id LIMIT ` + sq.arg(n) + ` OFFSET ` + sq.arg(offset)
	query := `SELECT ` + documentColumns + `, r.score, r.matches FROM (` + page + `) r
		JOIN documents d ON d.id = r.document_id ORDER BY r.score DESC, d.id`
	hits, _, err := sq.run(ctx, query, countKey)
	return hits, err
}

// boundary answers from the size ranked read when the window was not full;
// otherwise (or when no ranked row came) it reads the window's last entry.
func (x tsvectorIndex) boundary(ctx context.Context, sq *searchSQL) (tailKey, bool, error) {
	if sq.matches > 0 && sq.matches < x.window() {
		return tailKey{}, false, nil
	}
	sq.begin()
	var k tailKey
	tq := tsquery(sq)
	err := sq.s.r.QueryRowContext(ctx, `SELECT ds.created_at, ds.document_id FROM document_search ds
			WHERE ds.owner_id IN (`+sq.spaceList()+`) AND ds.tsv @@ `+tq+`
			ORDER BY ds.created_at DESC, ds.document_id DESC OFFSET `+strconv.Itoa(x.window())+` - 1 LIMIT 1`, sq.args...).Scan(&k.at, &k.id)
	if normalize(err) == ErrNotFound {
		return k, false, nil
	}
	if err != nil {
		return k, false, searchErr(err)
	}
	return k, true, nil
}

// tail is in created_at and id order, newest first.
func (tsvectorIndex) tail(ctx context.Context, sq *searchSQL, after tailKey, n int) ([]SearchHit, []tailKey, error) {
	sq.begin()
	const order = `d.created_at DESC, d.id DESC`
	bound := `(d.created_at, d.id) < (` + sq.arg(after.at) + `, ` + sq.arg(after.id) + `)`
	where, ok := sq.spaceArms(order, bound, n)
	if !ok {
		where = `ds.tsv @@ ` + tsquery(sq) + ` AND ` + sq.where() + ` AND ` + bound
	}
	query := `SELECT ` + documentColumns + `, ts_rank_cd(ds.tsv, ` + tsquery(sq) + `) FROM document_search ds
		JOIN documents d ON d.id = ds.document_id WHERE ` + where + `
		ORDER BY ` + order + ` LIMIT ` + sq.arg(n)
	return sq.run(ctx, query, timeKey)
}

// sorted is a page of matches in the order of sq.f.Sort, from an offset,
// read through spaceArms; a member of very many spaces takes the shared
// sortedPage.
func (tsvectorIndex) sorted(ctx context.Context, sq *searchSQL, cur searchCursor, limit int) ([]SearchHit, string, error) {
	order, ok := sortOrder(sq.f.Sort)
	if !ok {
		return nil, "", errBadSort()
	}
	if cur.tail {
		return sq.sortedPage(ctx, cur, limit)
	}
	sq.begin()
	arms, ok := sq.spaceArms(order, "", cur.offset+limit+1)
	if !ok {
		return sq.sortedPage(ctx, cur, limit)
	}
	query := `SELECT ` + documentColumns + `, ts_rank_cd(ds.tsv, ` + tsquery(sq) + `) FROM document_search ds
		JOIN documents d ON d.id = ds.document_id WHERE ` + arms + `
		ORDER BY ` + order + ` LIMIT ` + sq.arg(limit+1) + ` OFFSET ` + sq.arg(cur.offset)
	hits, _, err := sq.run(ctx, query, noKey)
	if err != nil || len(hits) <= limit {
		return hits, "", err
	}
	return hits[:limit], offsetCursor(cur.offset + limit), nil
}

// spaceArms is a condition on d.id: one of the first n matches, in order, of
// one of the searched spaces (also matching bound, when not ""), each space
// its own arm that walks the space's (space_id, sort key, id) index and
// stops after n. One query over "space_id IN (the member's spaces)" cannot
// walk an index in order, so it sorted every match of the spaces: 330 ms
// for a common word at 480k documents where an arm takes 0.5 ms
// (docs/performance.md). ok is false for no space or more than
// maxSpaceArms.
func (sq *searchSQL) spaceArms(order, bound string, n int) (cond string, ok bool) {
	if len(sq.spaces) == 0 || len(sq.spaces) > maxSpaceArms {
		return "", false
	}
	limit := sq.arg(n)
	arms := make([]string, len(sq.spaces))
	for i, sp := range sq.spaces {
		w := append([]string{`ds.tsv @@ ` + tsquery(sq), `d.space_id = ` + sq.arg(sp)}, spaceFilterSQL(sq.f, sq.arg, sp)...)
		if bound != "" {
			w = append(w, bound)
		}
		arms[i] = fmt.Sprintf(`SELECT a%d.id FROM (SELECT d.id FROM document_search ds JOIN documents d ON d.id = ds.document_id
			WHERE %s ORDER BY %s LIMIT %s) a%d`, i, strings.Join(w, " AND "), order, limit, i)
	}
	return `d.id IN (` + strings.Join(arms, " UNION ALL ") + `)`, true
}

func (tsvectorIndex) sortedFrom(sq *searchSQL) (from, score string) {
	tq := tsquery(sq)
	return `document_search ds JOIN documents d ON d.id = ds.document_id AND ds.tsv @@ ` + tq, `ts_rank_cd(ds.tsv, ` + tq + `)`
}
