package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestPagesRenderWithStrictCSP(t *testing.T) {
	ui, err := New(Config{Version: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	handlerAttr := regexp.MustCompile(`\son[a-z]+\s*=`)
	for _, p := range Pages {
		path := strings.Replace(p.Path, "{id}", "0190f5c8-aaaa-7000-8000-000000000000", 1)
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		html := string(body)
		if inlineScript.MatchString(html) || handlerAttr.MatchString(html) {
			t.Errorf("%s has inline script", path)
		}
		for _, want := range []string{`<html lang="en">`, `<main id="main"`, "/static/" + p.Name + ".js", "<title>" + p.Title} {
			if !strings.Contains(html, want) {
				t.Errorf("%s: missing %q", path, want)
			}
		}
		// Every page with its CSS and scripts stays under 200 KB.
		total := len(body)
		for _, asset := range []string{"app.css", "app.js", p.Name + ".js"} {
			b, err := fs.ReadFile(staticFS, "static/"+asset)
			if err != nil {
				t.Fatalf("%s: asset %s: %v", path, asset, err)
			}
			total += len(b)
		}
		if total > 200_000 {
			t.Errorf("%s weighs %d bytes", path, total)
		}
	}
	res, err := http.Get(srv.URL + "/")
	if err == nil {
		res.Body.Close()
	}
	if err != nil || res.Request.URL.Path != "/login" && res.Request.URL.Path != "/documents" {
		t.Fatalf("/ should lead to the documents: %v", err)
	}
}

// The scripts never put server data into innerHTML: user strings are text.
func TestScriptsDoNotUseInnerHTML(t *testing.T) {
	entries, _ := fs.ReadDir(staticFS, "static")
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".js") {
			continue
		}
		b, _ := fs.ReadFile(staticFS, "static/"+e.Name())
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %s", e.Name(), bad)
			}
		}
	}
}
