package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
)

// The ranking core of store.SearchDocuments as it was before the rank
// window (every match ranked), the variants measured on the way to it, and
// the window as committed (windowed: SQLite's 2,000 inside FTS5 is in
// store.searchSQL; on PostgreSQL the newest 500 entries of document_search
// by created_at, then their documents).
const (
	pgWindowed = `SELECT d.id, ts_rank_cd(c.tsv, to_tsquery('simple', $2)) AS score FROM (
		SELECT ds.document_id, ds.tsv FROM document_search ds WHERE ds.owner_id = $1 AND ds.tsv @@ to_tsquery('simple', $2)
		ORDER BY ds.created_at DESC, ds.document_id DESC LIMIT 500) c
		JOIN documents d ON d.id = c.document_id WHERE d.owner_id = $1 AND d.deleted_at IS NULL
		ORDER BY score DESC, d.id LIMIT 51`
	sqliteCore = `SELECT d.id, -bm25(document_search, 0.0, 10.0, 1.0) AS score FROM document_search
		JOIN documents d ON d.seq = document_search.rowid AND document_search MATCH $2
		WHERE d.owner_id = $1 AND d.deleted_at IS NULL ORDER BY score DESC, d.id LIMIT 51`
	pgCore = `SELECT d.id, ts_rank_cd(ds.tsv, to_tsquery('simple', $2)) AS score FROM document_search ds
		JOIN documents d ON d.id = ds.document_id AND ds.tsv @@ to_tsquery('simple', $2)
		WHERE d.owner_id = $1 AND d.deleted_at IS NULL ORDER BY score DESC, d.id LIMIT 51`
	pgRank = `SELECT d.id, ts_rank(ds.tsv, to_tsquery('simple', $2)) AS score FROM document_search ds
		JOIN documents d ON d.id = ds.document_id AND ds.tsv @@ to_tsquery('simple', $2)
		WHERE d.owner_id = $1 AND d.deleted_at IS NULL ORDER BY score DESC, d.id LIMIT 51`
	pgCapped = `SELECT id, ts_rank_cd(tsv, to_tsquery('simple', $2)) AS score FROM (
		SELECT d.id, d.created_at, ds.tsv FROM document_search ds JOIN documents d ON d.id = ds.document_id
		WHERE ds.tsv @@ to_tsquery('simple', $2) AND d.owner_id = $1 AND d.deleted_at IS NULL
		ORDER BY d.created_at DESC LIMIT 2000) c ORDER BY score DESC, id LIMIT 51`
)

// explain logs the plan of the ranking core for q and times it against the
// variants (best of three runs each).
func explain(b *testing.B, st *store.Store, owner string, q store.SearchQuery) {
	ctx := context.Background()
	prefix, arg := "EXPLAIN QUERY PLAN ", q.FTS5
	// SQLite's committed window (the owner as an FTS5 token) is built in
	// store.searchSQL; the plan shown there is of the query before it.
	shown := "rank-all"
	variants := map[string]string{"rank-all": sqliteCore}
	if st.Dialect() == store.Postgres {
		prefix, arg = "EXPLAIN (ANALYZE, BUFFERS) ", q.TSQuery
		shown = "current"
		variants = map[string]string{"current": pgWindowed, "rank-all": pgCore, "ts_rank": pgRank, "capped-2000-newest": pgCapped}
	}
	rows, err := st.DB().QueryContext(ctx, prefix+variants[shown], owner, arg)
	if err != nil {
		b.Fatal(err)
	}
	var plan []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		line := ""
		for _, v := range vals {
			if s, ok := v.(string); ok {
				line = s
			}
		}
		plan = append(plan, line)
	}
	rows.Close()
	b.Logf("%s plan of %s for %q:\n%s", st.Dialect(), shown, arg, strings.Join(plan, "\n"))
	for name, query := range variants {
		best := time.Hour
		n := 0
		for range 3 {
			start := time.Now()
			rows, err := st.DB().QueryContext(ctx, query, owner, arg)
			if err != nil {
				b.Fatal(err)
			}
			n = 0
			for rows.Next() {
				n++
			}
			rows.Close()
			best = min(best, time.Since(start))
		}
		b.Logf("%s %q %s: %d rows in %.1f ms", st.Dialect(), arg, name, n, Ms(best))
	}
}
