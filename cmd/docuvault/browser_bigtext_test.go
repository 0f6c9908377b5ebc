package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHugeTextPartlyIndexed: with MAX_EXTRACT_BYTES at 1 MiB, a
// text file of 3 MiB is uploaded, becomes ready (not failed), its page says
// only the first 1.0 MB of its text is searchable, and the documents search
// finds a word at its start but not one past the limit.
func TestBrowserHugeTextPartlyIndexed(t *testing.T) {
	ctx := browser(t)
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "MAX_EXTRACT_BYTES=1048576")
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: t.TempDir()}

	p.open("/register")
	p.fill("#email", "ada@example.com")
	p.fill("#password", "analytical engine notes")
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents"`)

	huge := filepath.Join(t.TempDir(), "server.log")
	data := append([]byte("aardvarkstart opens the log\n"), bytes.Repeat([]byte("GET /index.html 200 0.003s\n"), 3<<20/27)...)
	data = append(data, "zymurgyend closes it\n"...)
	if err := os.WriteFile(huge, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p.until("the page ready for uploads", `document.body.dataset.ready === "1"`)
	p.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{huge}))
	p.until("the document ready", `document.querySelectorAll("#doc-list .status.ready").length === 1`)
	p.eval(`(() => { document.querySelector("#doc-list .doc").click(); return ""; })()`)
	p.until("the sentence on the document page", `!document.getElementById("truncated").hidden &&
		document.getElementById("truncated").textContent === "Only the first 1.0 MB of this file's text is searchable."`)
	p.screenshot("document-truncated")

	p.open("/documents?q=aardvarkstart")
	p.until("the search finds the start", `document.body.dataset.ready === "1" && document.querySelectorAll("#doc-list .doc").length === 1`)
	p.open("/documents?q=zymurgyend")
	p.until("the search does not find the end", `document.body.dataset.ready === "1" && document.querySelectorAll("#doc-list .doc").length === 0`)
}
