package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pagedPDF is a PDF with one page per label, each showing its label.
func pagedPDF(labels ...string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
	var kids []string
	for _, l := range labels {
		content := "BT /F1 36 Tf 72 700 Td (" + l + ") Tj ET"
		n := len(objs) + 1
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", n+1),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		kids = append(kids, fmt.Sprintf("%d 0 R", n))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// TestBrowserViewerAndURLState: the document page shows every page of a
// PDF (the arrow key turns the page, zoom asks for a wider picture), and
// the documents list keeps its search in the URL: reload and Back restore
// it, a prefix finds words being typed, and a typo gets "did you mean".
func TestBrowserViewerAndURLState(t *testing.T) {
	ctx := browser(t)
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: t.TempDir()}

	p.open("/register")
	p.fill("#email", "grace@example.com")
	p.fill("#password", "compiler notes from 1952")
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents"`)

	dir := t.TempDir()
	pdf := filepath.Join(dir, "zanzibar-report.pdf")
	if err := os.WriteFile(pdf, pagedPDF("Zanzibar page one", "Quokka page two", "Treaty page three"), 0o600); err != nil {
		t.Fatal(err)
	}
	note := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(note, []byte("a short note about graphviz"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.until("the page ready for uploads", `document.body.dataset.ready === "1"`)
	p.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{pdf, note}))
	p.until("both documents ready", `document.querySelectorAll("#doc-list .status.ready").length === 2`)
	p.until("the upload log collapsed", `!document.getElementById("upload-log").open`)

	// The viewer.
	p.eval(`(() => { [...document.querySelectorAll("#doc-list .doc")].find(a => a.textContent.includes("zanzibar-report")).click(); return ""; })()`)
	p.until("page 1 drawn", `document.getElementById("page-img").dataset.page === "1" && document.getElementById("page-img").naturalWidth > 0`)
	if of := p.eval(`document.getElementById("page-of").textContent`); of != "of 3" {
		t.Fatalf("page count shown as %q", of)
	}
	p.do("arrow right", chromedp.KeyEvent(kb.ArrowRight))
	p.until("page 2 drawn", `document.getElementById("page-img").dataset.page === "2" && location.hash === "#page=2"`)
	before := p.eval(`String(document.getElementById("page-img").naturalWidth)`)
	p.click("#zoom-in")
	p.until("zoomed in", `document.getElementById("zoom-level").textContent === "125%"`)
	p.until("a wider picture", `document.getElementById("page-img").naturalWidth > `+before)
	p.do("arrow left", chromedp.KeyEvent(kb.ArrowLeft))
	p.until("page 1 again", `document.getElementById("page-img").dataset.page === "1"`)
	p.screenshot("viewer")
	// A key typed in a field does not turn the page.
	p.do("focus title", chromedp.Focus(chromedp.CSS("#title")))
	p.do("arrow in the title", chromedp.KeyEvent(kb.ArrowRight))
	if pg := p.eval(`document.getElementById("page-img").dataset.page`); pg != "1" {
		t.Fatalf("an arrow key in the title field turned the page to %s", pg)
	}

	// URL state: the search is in the URL, survives a reload and Back.
	p.open("/documents")
	p.until("the list", `document.querySelectorAll("#doc-list .doc").length === 2`)
	p.fill("#q", "zanzib")
	p.until("the prefix hit", `document.querySelectorAll("#doc-list .doc").length === 1 && new URLSearchParams(location.search).get("q") === "zanzib"`)
	p.until("the count", `document.getElementById("result-count").textContent === "1 result"`)
	if s := p.eval(`document.getElementById("sort").value`); s != "relevance" {
		t.Fatalf("sort while searching: %q", s)
	}
	p.do("reload", chromedp.Reload())
	p.until("the search restored", `document.getElementById("q").value === "zanzib" && document.querySelectorAll("#doc-list .doc").length === 1`)
	p.do("choose a status", chromedp.SetValue(chromedp.CSS("#status"), "failed"))
	p.eval(`(() => { document.getElementById("status").dispatchEvent(new Event("input", {bubbles: true})); return ""; })()`)
	p.until("the filter in the URL", `new URLSearchParams(location.search).get("status") === "failed" && document.querySelectorAll("#doc-list .doc").length === 0`)
	p.do("back", chromedp.NavigateBack())
	p.until("back to the search", `location.search === "?q=zanzib" && document.getElementById("status").value === "" && document.querySelectorAll("#doc-list .doc").length === 1`)

	// A typo: "did you mean" offers the user's own word, and following it finds the document.
	p.fill("#q", "grapvhiz")
	p.until("a suggestion", `!document.getElementById("did-you-mean").hidden && document.querySelector("#did-you-mean a").textContent === "graphviz"`)
	p.click("#did-you-mean a")
	p.until("the corrected search", `new URLSearchParams(location.search).get("q") === "graphviz" && document.querySelectorAll("#doc-list .doc").length === 1`)
}
