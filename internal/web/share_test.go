package web

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The share page escapes the file name, carries no inline script and a
// strict CSP, and the page of a dead link says nothing about the link.
func TestSharePages(t *testing.T) {
	ui, err := New(Config{Version: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	ui.SharePage(w, 200, ShareView{Token: "tok", Filename: `<script>alert(1)</script>.pdf`, Size: 1536, HasPassword: true, Error: "The password is wrong."})
	body := w.Body.String()
	if w.Code != 200 || strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") ||
		!strings.Contains(body, "1.5 KB") || !strings.Contains(body, `name="password"`) || !strings.Contains(body, "The password is wrong.") ||
		!strings.Contains(body, `action="/s/tok/download"`) {
		t.Fatalf("share page: %d %s", w.Code, body)
	}
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(body) {
		t.Fatal("inline script")
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Fatalf("csp %q", csp)
	}
	g := httptest.NewRecorder()
	ui.ShareGone(g, 404, "Link not available", "This link does not exist or no longer works.")
	if g.Code != 404 || !strings.Contains(g.Body.String(), "no longer works") || strings.Contains(g.Body.String(), "<form") {
		t.Fatalf("gone page: %d %s", g.Code, g.Body.String())
	}
	for n, want := range map[int64]string{0: "0 bytes", 1: "1 byte", 1023: "1023 bytes", 1024: "1.0 KB", 5 << 20: "5.0 MB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
