package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserNotes: on the document page a note is written, listed with
// its author and counted, found by the documents search, and deleted.
func TestBrowserNotes(t *testing.T) {
	ctx := browser(t)
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: t.TempDir()}

	p.open("/register")
	p.fill("#email", "ada@example.com")
	p.fill("#password", "analytical engine notes")
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents"`)

	lease := filepath.Join(t.TempDir(), "lease.txt")
	if err := os.WriteFile(lease, []byte("the lease of the flat on Elm Road"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.until("the page ready for uploads", `document.body.dataset.ready === "1"`)
	p.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{lease}))
	p.until("the document ready", `document.querySelectorAll("#doc-list .status.ready").length === 1`)
	p.eval(`(() => { document.querySelector("#doc-list .doc").click(); return ""; })()`)
	p.until("the notes section", `document.body.dataset.ready === "1" && document.querySelector("#note-list .empty-notes") !== null`)

	p.fill("#note-body", "Ask the landlord about the wombat in the cellar.")
	p.click("#note-form button[type=submit]")
	p.until("the note listed with its author and counted",
		`document.querySelectorAll("#note-list .note").length === 1 &&
		 document.querySelector("#note-list .note .note-body").textContent === "Ask the landlord about the wombat in the cellar." &&
		 document.querySelector("#note-list .note .hint").textContent.startsWith("You · ") &&
		 document.getElementById("notes-count").textContent === "(1)" && document.getElementById("note-body").value === ""`)
	docPath := p.eval(`location.pathname`)

	p.open("/documents?q=wombat")
	p.until("the search finds the note's word", `document.querySelectorAll("#doc-list .doc").length === 1 &&
		document.querySelector("#doc-list").textContent.includes("wombat")`)

	p.open(docPath)
	p.until("the note again", `document.querySelectorAll("#note-list .note").length === 1`)
	p.eval(`window.confirm = () => true; ""`)
	p.click("#note-list .note button")
	p.until("the note gone", `document.querySelectorAll("#note-list .note").length === 0 &&
		document.getElementById("notes-count").textContent === ""`)
	p.open("/documents?q=wombat")
	p.until("the search no longer finds it", `document.body.dataset.ready === "1" && document.querySelectorAll("#doc-list .doc").length === 0`)
}
