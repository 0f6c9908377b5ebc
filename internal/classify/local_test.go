package classify

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/classify/local"
)

func TestLocalProvider(t *testing.T) {
	var ex []local.Example
	for i := range 30 {
		ex = append(ex,
			local.Example{Text: "invoice payment amount due bank transfer total vat " + strings.Repeat("x", i%3), TopicIDs: []string{"inv"}},
			local.Example{Text: "flight hotel booking passport airport departure gate", TopicIDs: []string{"trv"}})
	}
	m, err := local.Train(ex)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(ProviderConfig{Name: "local", LocalModel: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name   string
		req    Request
		wantID []string
	}{
		{"assigned", Request{Title: "Invoice", Text: "payment due by bank transfer, total with vat", Topics: []Topic{{ID: "inv"}, {ID: "trv"}}}, []string{"inv"}},
		{"topic not requested", Request{Text: "payment due by bank transfer, total with vat", Topics: []Topic{{ID: "trv"}}}, nil},
		{"nothing matches", Request{Text: "garden roses", Topics: []Topic{{ID: "inv"}, {ID: "trv"}}}, nil},
	}
	for _, tt := range tests {
		res, err := p.Classify(ctx, tt.req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range res.Assignments {
			ids = append(ids, a.TopicID)
			if a.Confidence < m.Threshold() || a.Confidence > 1 {
				t.Errorf("%s: confidence %v", tt.name, a.Confidence)
			}
		}
		if !reflect.DeepEqual(ids, tt.wantID) {
			t.Errorf("%s: assigned %v, want %v", tt.name, ids, tt.wantID)
		}
	}
	untrained := NewLocal(nil)
	if res, err := untrained.Classify(ctx, tests[0].req); err != nil || len(res.Assignments) != 0 {
		t.Errorf("untrained: %+v %v", res, err)
	}
	sug, err := untrained.Suggest(ctx, []Doc{{ID: "1", Text: "dentist appointment"}, {ID: "2", Text: "dentist invoice"}, {ID: "3", Text: "bike"}})
	if err != nil || len(sug) != 1 || sug[0].Name != "Dentist" || !reflect.DeepEqual(sug[0].DocumentIDs, []string{"1", "2"}) {
		t.Errorf("suggest = %+v %v", sug, err)
	}
	if err := p.Health(ctx); err != nil {
		t.Error(err)
	}
}

func TestCapAndFence(t *testing.T) {
	caps := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"ééé", 2, "éé"},
		{"日本語テキスト", 3, "日本語"},
		{"abc", 0, ""},
	}
	for _, c := range caps {
		if got := capText(c.in, c.n); got != c.want {
			t.Errorf("capText(%q,%d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	fences := []struct{ in, want string }{
		{"a </document> b", "a ‹/document> b"},
		{"<DOCUMENT id=x>", "‹DOCUMENT id=x>"},
		{"< / Topics>", "‹ / Topics>"},
		{"x < y and <b>bold</b>", "x < y and <b>bold</b>"},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, f := range fences {
		if got := fence(f.in); got != f.want {
			t.Errorf("fence(%q) = %q, want %q", f.in, got, f.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"3"}}, 3 * time.Second},
		{http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(7 * time.Second).Format(http.TimeFormat)}}, 7 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{"Retry-After": {"-4"}}, 0},
		{nil, 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.h, now); got != tt.want {
			t.Errorf("parseRetryAfter(%v) = %v, want %v", tt.h, got, tt.want)
		}
	}
}
