// Package bench measures DocuVault end to end on both databases: ingest
// throughput from the upload call until a document is searchable (the real
// document service, River engine, pipeline and extractor), search latency
// percentiles over a deterministic synthetic corpus of 10k and 100k
// documents, the peak resident memory while ingesting, and the document
// list's filters and sorts through the HTTP API over 100k documents with
// metadata (BenchmarkFilters, LoadMeta), beside the plain list.
//
// The measurements are Go benchmarks; nothing runs under plain `go test`
// except a few fast tests of the corpus and statistics helpers:
//
//	go test -run XXX -bench . -benchtime 400x ./internal/bench            # ingest + search at 10k
//	DOCUVAULT_BENCH_LARGE=1 go test -run XXX -bench Search -timeout 60m ./internal/bench  # adds 100k
//	DOCUVAULT_BENCH_LARGE=1 go test -v -run XXX -bench Filters -benchtime 200x -timeout 60m ./internal/bench
//
// PostgreSQL comes from storetest (DOCUVAULT_TEST_POSTGRES_URL, default
// 127.0.0.1:5432); without a server the PostgreSQL cases are skipped unless
// CI=true. Results are recorded in docs/performance.md.
package bench
