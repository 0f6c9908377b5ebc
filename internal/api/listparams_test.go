package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestListRejectsUnknownSortAndFilters: a misspelt sort or filter is a 400
// naming the parameter, never a silently different list.
func TestListRejectsUnknownSortAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		bob := e.user("bob@x.test", 0, 0)
		if res, body := e.upload(bob, "a.txt", []byte("quokka letter"), ""); res.StatusCode != 201 {
			t.Fatal(res.StatusCode, body)
		}
		for _, c := range []struct{ query, field string }{
			{"sort=size", "sort"},
			{"sort=-relevance", "sort"},
			{"sort=created", "sort"},
			{"q=quokka&sort=size", "sort"},
			{"q=quokka&sort=newest", "sort"},
			{"topic=abc", "topic"},
			{"q=quokka&stauts=ready", "stauts"},
			{"owner_id=someone-else", "owner_id"},
			{"source=fax", "source"},
		} {
			res, b := e.do(bob, "GET", "/api/documents?"+c.query, nil, "")
			if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %d %s, want 400 problem", c.query, res.StatusCode, b)
				continue
			}
			var p struct {
				Code   string            `json:"code"`
				Errors map[string]string `json:"errors"`
			}
			_ = json.Unmarshal(b, &p)
			if p.Code != "invalid_input" || p.Errors[c.field] == "" {
				t.Errorf("%s: %s, want invalid_input naming %q", c.query, b, c.field)
			}
		}
		for _, query := range []string{"", "sort=title", "sort=-created_at", "q=quokka&sort=relevance", "q=quokka&sort=created_at",
			"status=ready&topic_id=&limit=5", "sort=" + url.QueryEscape("-title"), "source=upload", "q=quokka&source=mail"} {
			if res, b := e.do(bob, "GET", "/api/documents?"+query, nil, ""); res.StatusCode != 200 {
				t.Errorf("%s: %d %s", query, res.StatusCode, b)
			}
		}
		// An upload is from an upload, not from mail.
		if res, b := e.do(bob, "GET", "/api/documents?source=upload", nil, ""); res.StatusCode != 200 || !strings.Contains(string(b), `"source":{"kind":"upload"}`) {
			t.Errorf("source=upload: %d %s", res.StatusCode, b)
		}
		if res, b := e.do(bob, "GET", "/api/documents?source=mail", nil, ""); res.StatusCode != 200 || !strings.Contains(string(b), `"items":[]`) {
			t.Errorf("source=mail: %d %s", res.StatusCode, b)
		}
	})
}

// TestSearchStorageFailureIsServerError: when the database fails under a
// search, the answer is a 5xx problem, not a 400 blaming the query.
func TestSearchStorageFailureIsServerError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		bob := e.user("bob@x.test", 0, 0)
		if res, b := e.do(bob, "GET", "/api/documents?q=quokka", nil, ""); res.StatusCode != 200 {
			t.Fatal(res.StatusCode, string(b))
		}
		// Authentication must not need the database that is about to fail.
		srv := httptest.NewServer(docAPI(st, e.blobs, e.docs, fixedUser(bob), nil))
		defer srv.Close()
		st.Close()
		for _, query := range []string{"q=quokka", "q=quokka&sort=title", "q=quo*&sort=-created_at"} {
			res, err := http.Get(srv.URL + "/api/documents?" + query)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode < 500 || strings.Contains(string(b), "invalid_input") {
				t.Errorf("%s on a closed database: %d %s, want 5xx", query, res.StatusCode, b)
			}
		}
	})
}

// TestOtherListsRejectUnknownParameters: the trash, audit, jobs, users and
// token lists refuse parameters they do not take.
func TestOtherListsRejectUnknownParameters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		bob := e.user("bob@x.test", 0, 0)
		for _, path := range []string{"/api/trash?sort=title", "/api/trash?q=x"} {
			if res, b := e.do(bob, "GET", path, nil, ""); res.StatusCode != 400 || !strings.Contains(string(b), "unknown parameter") {
				t.Errorf("%s: %d %s, want 400 naming the parameter", path, res.StatusCode, b)
			}
		}
		if res, b := e.do(bob, "GET", "/api/trash?limit=10", nil, ""); res.StatusCode != 200 {
			t.Errorf("trash with a limit: %d %s", res.StatusCode, b)
		}
	})
}
