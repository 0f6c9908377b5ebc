package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/apptest"
	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// apiClient calls one test server as one user, with a real API token
// checked by the real accounts service on every request.
type apiClient struct {
	tb    testing.TB
	base  string
	token string
}

func (c *apiClient) do(method, path string, body any) (int, []byte) {
	c.tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.tb.Fatal(err)
	}
	return res.StatusCode, b
}

// newAPI boots the real application on engine d (internal/apptest) and
// returns a client of a new user holding an API token, checked by the real
// accounts service on every request, the store and the user's id.
func newAPI(b *testing.B, d store.Dialect) (*apiClient, *store.Store, string) {
	b.Helper()
	ctx := context.Background()
	a := apptest.New(b, apptest.Dialect(d))
	u := &model.User{Email: "filters@x.test", PasswordHash: "x"}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	_, secret, err := a.Accounts.CreateAPIToken(ctx, auth.Client{IP: "127.0.0.1", UserAgent: "bench"}, u.ID, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	return &apiClient{tb: b, base: a.URL, token: secret}, a.Store, u.ID
}

// filterQuery is one GET /api/documents of the filter benchmark, with the
// store filter it parses to (for EXPLAIN).
type filterQuery struct {
	name  string
	query string
	f     store.DocumentFilter
}

// filterQueries is the fixed mix: plain lists first (the yardstick), then
// filters and sorts, the "ACME invoices of 2024 above 100 EUR" saved view
// and the same typed in the search box.
func filterQueries(m *MetaCorpus, viewQuery string) []filterQuery {
	acme, invoice := m.Correspondents[0], m.Types[0]
	rare := m.Correspondents[MetaCorrespondents-5]
	amount := store.FieldFilter{FieldID: m.AmountField, Op: "gt", Currency: "EUR", Num: new(100.0)}
	acmeF := store.DocumentFilter{CorrespondentID: acme, DocumentTypeID: invoice, DateFrom: "2024-01-01", DateTo: "2024-12-31",
		Fields: []store.FieldFilter{amount}, Sort: "-document_date"}
	return []filterQuery{
		{"plain", "", store.DocumentFilter{}},
		{"plain-page3", "cursor=PAGE3", store.DocumentFilter{}},
		{"acme-invoices-2024-over-100", "correspondent_id=" + acme + "&document_type_id=" + invoice +
			"&date_from=2024-01-01&date_to=2024-12-31&field=" + url.QueryEscape(m.AmountField+":gt:EUR100") + "&sort=-document_date", acmeF},
		{"saved-view", viewQuery, acmeF},
		{"search-box", "q=" + url.QueryEscape("correspondent:acme type:invoice date:2024"),
			store.DocumentFilter{CorrespondentName: "acme", DocumentTypeName: "invoice", DateFrom: "2024-01-01", DateTo: "2024-12-31"}},
		{"sort-document-date", "sort=-document_date", store.DocumentFilter{Sort: "-document_date"}},
		{"sort-correspondent", "sort=correspondent", store.DocumentFilter{Sort: "correspondent"}},
		{"sort-size", "sort=-size_bytes", store.DocumentFilter{Sort: "-size_bytes"}},
		{"correspondent-rare", "correspondent_id=" + rare, store.DocumentFilter{CorrespondentID: rare}},
		{"topic", "topic_id=" + m.Topics[7], store.DocumentFilter{TopicIDs: []string{m.Topics[7]}}},
		{"no-topic", "no_topic=true", store.DocumentFilter{NoTopic: true}},
		{"mime-png", "mime_type=image/png", store.DocumentFilter{MIMEType: "image/png"}},
		{"trash", "/api/trash", store.DocumentFilter{Trashed: true}},
		{"amount-over-1000", "field=" + url.QueryEscape(m.AmountField+":gt:1000") + "&sort=-document_date",
			store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: m.AmountField, Op: "gt", Num: new(1000.0)}}, Sort: "-document_date"}},
	}
}

// BenchmarkFilters loads 100k documents with metadata (LoadMeta; 10k
// unless DOCUVAULT_BENCH_LARGE=1) on each engine and calls GET
// /api/documents through the real HTTP API (real API token, first page of
// 50) for each query of filterQueries in turn, b.N rounds, reporting each
// query's p50 and p95 beside the plain list of the same rounds. Then it
// times POST /api/documents/bulk set_correspondent on 500 documents.
// DOCUVAULT_BENCH_EXPLAIN=1 logs each query's plan (EXPLAIN ANALYZE on
// PostgreSQL, EXPLAIN QUERY PLAN on SQLite).
//
//	DOCUVAULT_BENCH_LARGE=1 go test -count=1 -v -run XXX -bench Filters -benchtime 200x -timeout 60m ./internal/bench
func BenchmarkFilters(b *testing.B) {
	n := 10_000
	if os.Getenv("DOCUVAULT_BENCH_LARGE") == "1" {
		n = 100_000
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			c, st, userID := newAPI(b, d)
			start := time.Now()
			m, err := LoadMeta(ctx, st, userID, n, 1)
			if err != nil {
				b.Fatal(err)
			}
			if err := settle(ctx, st); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: loaded %d documents with metadata in %s", d, n, time.Since(start).Round(time.Millisecond))
			view := createAcmeView(b, c, m)
			qs := filterQueries(m, view)
			// The third page of the plain list, by its cursor.
			cur := ""
			for range 2 {
				cur = listPage(b, c, "cursor="+url.QueryEscape(cur)).next
			}
			qs[1].query = "cursor=" + url.QueryEscape(cur)
			for _, q := range qs {
				p := listPage(b, c, q.query)
				b.Logf("%s at %dk: %-28s first page %d documents, more: %v", d, n/1000, q.name, p.items, p.next != "")
				if p.items == 0 {
					b.Fatalf("%s: no documents", q.name)
				}
			}
			if os.Getenv("DOCUVAULT_BENCH_EXPLAIN") == "1" {
				for _, q := range slices.Delete(slices.Clone(qs), 1, 2) {
					plan, err := st.ExplainListDocuments(ctx, userID, q.f, store.Page{}, true)
					if err != nil {
						b.Fatal(err)
					}
					b.Logf("%s plan of %s:\n%s", d, q.name, plan)
				}
			}
			b.Run(fmt.Sprintf("docs=%dk/list", n/1000), func(b *testing.B) { filterLatency(b, c, qs) })
			b.Run(fmt.Sprintf("docs=%dk/bulk-500", n/1000), func(b *testing.B) { bulkLatency(b, c, st, userID, m) })
		})
	}
}

// createAcmeView saves "ACME invoices 2024 over 100 EUR" through the API
// and returns its query as GET /api/documents parameters, read back from
// GET /api/views the way a client opens a view.
func createAcmeView(b *testing.B, c *apiClient, m *MetaCorpus) string {
	status, body := c.do("POST", "/api/views", map[string]any{"name": "ACME invoices 2024 over 100 EUR", "sort": "-document_date",
		"show_on_dashboard": true, "query": map[string]any{"correspondent_id": m.Correspondents[0], "document_type_id": m.Types[0],
			"date_from": "2024-01-01", "date_to": "2024-12-31", "field": []string{m.AmountField + ":gt:EUR100"}}})
	if status != http.StatusCreated {
		b.Fatalf("create view: %d %s", status, body)
	}
	var created struct {
		View struct{ ID string } `json:"view"`
	}
	_ = json.Unmarshal(body, &created)
	status, body = c.do("GET", "/api/views", nil)
	if status != http.StatusOK {
		b.Fatalf("views: %d %s", status, body)
	}
	var views struct {
		Items []viewOut `json:"items"`
	}
	if err := json.Unmarshal(body, &views); err != nil {
		b.Fatal(err)
	}
	i := slices.IndexFunc(views.Items, func(v viewOut) bool { return v.ID == created.View.ID })
	if i < 0 {
		b.Fatalf("view %s not listed: %s", created.View.ID, body)
	}
	v := views.Items[i]
	q := url.Values{}
	for k, val := range v.Query {
		switch x := val.(type) {
		case []any:
			for _, e := range x {
				q.Add(k, fmt.Sprint(e))
			}
		default:
			q.Set(k, fmt.Sprint(x))
		}
	}
	if v.Sort != "" {
		q.Set("sort", v.Sort)
	}
	return q.Encode()
}

type viewOut struct {
	ID    string         `json:"id"`
	Query map[string]any `json:"query"`
	Sort  string         `json:"sort"`
}

// listPath is GET /api/documents with the query, or the path a query
// starting with "/" names.
func listPath(query string) string {
	if strings.HasPrefix(query, "/") {
		return query
	}
	return "/api/documents?" + query
}

type page struct {
	items int
	next  string
}

func listPage(b *testing.B, c *apiClient, query string) page {
	b.Helper()
	status, body := c.do("GET", listPath(query), nil)
	if status != http.StatusOK {
		b.Fatalf("GET /api/documents?%s: %d %s", query, status, body)
	}
	var l struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		b.Fatal(err)
	}
	return page{len(l.Items), l.NextCursor}
}

// filterLatency runs every query once per round, b.N rounds after 3
// unmeasured ones, and reports each query's p50 and p95: the plain list
// and the filters share the same moments of the machine's load.
func filterLatency(b *testing.B, c *apiClient, qs []filterQuery) {
	for range 3 {
		for _, q := range qs {
			listPage(b, c, q.query)
		}
	}
	lat := make([][]time.Duration, len(qs))
	b.ResetTimer()
	for range b.N {
		for i, q := range qs {
			start := time.Now()
			status, body := c.do("GET", listPath(q.query), nil)
			lat[i] = append(lat[i], time.Since(start))
			if status != http.StatusOK {
				b.Fatalf("%s: %d %s", q.name, status, body)
			}
		}
	}
	b.StopTimer()
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "%-28s %8s %8s\n", "query", "p50 ms", "p95 ms")
	for i, q := range qs {
		p50, p95 := Ms(Percentile(lat[i], 50)), Ms(Percentile(lat[i], 95))
		b.ReportMetric(p95, q.name+"-p95-ms")
		fmt.Fprintf(&tbl, "%-28s %8.2f %8.2f\n", q.name, p50, p95)
	}
	b.Logf("%d rounds:\n%s", b.N, tbl.String())
}

// bulkLatency times POST /api/documents/bulk set_correspondent on 500
// documents of the personal space, b.N times (at most 20), alternating
// correspondents.
func bulkLatency(b *testing.B, c *apiClient, st *store.Store, userID string, m *MetaCorpus) {
	ctx := context.Background()
	var ids []string
	p := store.Page{Limit: store.MaxPageLimit}
	for len(ids) < 500 {
		docs, next, err := st.ListDocuments(ctx, userID, store.DocumentFilter{SpaceID: m.Space}, p)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		p.Cursor = next
	}
	ids = ids[:500]
	var lat []time.Duration
	b.ResetTimer()
	for i := range min(b.N, 20) {
		corr := m.Correspondents[1+i%2]
		start := time.Now()
		status, body := c.do("POST", "/api/documents/bulk", map[string]any{"document_ids": ids, "action": "set_correspondent", "correspondent_id": corr})
		lat = append(lat, time.Since(start))
		if status != http.StatusOK || !strings.Contains(string(body), `"updated":500`) {
			b.Fatalf("bulk: %d %s", status, body)
		}
	}
	b.StopTimer()
	b.ReportMetric(Ms(Percentile(lat, 50)), "p50-ms")
	b.ReportMetric(Ms(Percentile(lat, 95)), "p95-ms")
}
