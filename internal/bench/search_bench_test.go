package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// corpusSeed and vocabulary fix the search corpus.
const (
	corpusSeed = 1
	vocabulary = 4000
)

// BenchmarkSearch loads one owner's synthetic corpus (10k documents, and
// 100k with DOCUVAULT_BENCH_LARGE=1) straight through the store, then runs
// each query of the fixed mix, and the mix in turn, reporting the p50 and
// p95 latency of Store.SearchDocuments (first page of 50, ranked, with
// snippets). Load times are logged.
//
//	go test -run XXX -bench Search ./internal/bench
//	DOCUVAULT_BENCH_LARGE=1 go test -run XXX -bench Search -timeout 60m ./internal/bench
//
// DOCUVAULT_BENCH_SIZES (ascending, comma-separated) replaces the sizes, e.g.
// 1000000 for the million-document run on PostgreSQL:
//
//	DOCUVAULT_BENCH_SIZES=100000,1000000 go test -run XXX -bench 'Search/postgres' -timeout 180m ./internal/bench
func BenchmarkSearch(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("DOCUVAULT_BENCH_LARGE") == "1" {
		sizes = append(sizes, 100_000)
	}
	if env := os.Getenv("DOCUVAULT_BENCH_SIZES"); env != "" {
		var err error
		if sizes, err = benchSizes(env); err != nil {
			b.Fatal(err)
		}
	}
	c := NewCorpus(corpusSeed, vocabulary)
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, d)
			u := &model.User{Email: "search@x.test", PasswordHash: "x"}
			if err := st.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			loaded := 0
			for _, n := range sizes {
				start := time.Now()
				if err := Load(ctx, st, c, u.ID, loaded, n-loaded, 500); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				b.Logf("%s: loaded documents %d-%d in %s (%.0f docs/s)", d, loaded, n-1, took.Round(time.Millisecond),
					float64(n-loaded)/took.Seconds())
				loaded = n
				if err := settle(ctx, st); err != nil {
					b.Fatal(err)
				}
				mix := c.QueryMix(n)
				for _, q := range mix {
					count, err := matches(ctx, st, q.Query.SearchQuery)
					if err != nil {
						b.Fatal(err)
					}
					b.Logf("%s at %d: %s %q matches %d documents", d, n, q.Name, q.Query.FTS5, count)
				}
				if os.Getenv("DOCUVAULT_BENCH_EXPLAIN") == "1" {
					explain(b, st, u.ID, mix[0].Query.SearchQuery)
				}
				b.Run(fmt.Sprintf("docs=%dk", n/1000), func(b *testing.B) {
					for _, q := range mix {
						b.Run(q.Name, func(b *testing.B) { searchLatency(b, st, u.ID, []NamedQuery{q}, store.DocumentFilter{}) })
					}
					b.Run("mix", func(b *testing.B) { searchLatency(b, st, u.ID, mix, store.DocumentFilter{}) })
					// The common word newest first instead of by relevance: what
					// bounding the ranked candidates would cost.
					b.Run("common-word-newest", func(b *testing.B) {
						searchLatency(b, st, u.ID, mix[:1], store.DocumentFilter{Sort: "-created_at"})
					})
				})
			}
		})
	}
}

// benchSizes reads DOCUVAULT_BENCH_SIZES: ascending positive counts.
func benchSizes(env string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || (len(sizes) > 0 && n <= sizes[len(sizes)-1]) {
			return nil, fmt.Errorf("DOCUVAULT_BENCH_SIZES=%q: want ascending positive counts such as 100000,1000000", env)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// searchLatency runs the queries in turn b.N times and reports percentiles.
func searchLatency(b *testing.B, st *store.Store, owner string, qs []NamedQuery, f store.DocumentFilter) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		q := qs[i%len(qs)]
		start := time.Now()
		hits, _, err := st.SearchDocuments(ctx, owner, q.Query.SearchQuery, f, store.Page{})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatalf("%s: %v", q.Name, err)
		}
		if len(hits) == 0 {
			b.Fatalf("%s: no hits", q.Name)
		}
	}
	b.StopTimer()
	b.ReportMetric(Ms(Percentile(lat, 50)), "p50-ms")
	b.ReportMetric(Ms(Percentile(lat, 95)), "p95-ms")
}

// settle brings the database to the state a running server reaches by
// itself after a bulk of writes: PostgreSQL's autovacuum (visibility map,
// GIN pending list, statistics), SQLite's ANALYZE.
func settle(ctx context.Context, st *store.Store) error {
	q := "ANALYZE"
	if st.Dialect() == store.Postgres {
		q = "VACUUM ANALYZE"
	}
	if _, err := st.DB().ExecContext(ctx, q); err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	return nil
}

// matches counts the documents a query matches.
func matches(ctx context.Context, st *store.Store, q store.SearchQuery) (int, error) {
	query, arg := `SELECT count(*) FROM document_search WHERE document_search MATCH $1`, q.FTS5
	if st.Dialect() == store.Postgres {
		query, arg = `SELECT count(*) FROM document_search WHERE tsv @@ to_tsquery('simple', $1)`, q.TSQuery
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, query, arg).Scan(&n); err != nil {
		return 0, fmt.Errorf("count matches: %w", err)
	}
	return n, nil
}
