package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserMetadata: a person creates a correspondent, a type and a
// field on the Metadata page, sets them on a document's page, changes two
// documents at once from the list and saves the list as a view.
func TestBrowserMetadata(t *testing.T) {
	ctx := browser(t)
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: t.TempDir()}

	p.open("/register")
	p.fill("#email", "meta@example.com")
	p.fill("#password", "ledger of the harbour office")
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents"`)

	dir := t.TempDir()
	var files []string
	for name, text := range map[string]string{"water.txt": "water bill for march", "power.txt": "power bill for april"} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	p.until("the page ready for uploads", `document.body.dataset.ready === "1"`)
	p.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), files))
	p.until("both documents ready", `document.querySelectorAll("#doc-list .status.ready").length === 2`)

	// The Metadata page.
	p.open("/metadata")
	p.fill("#corr-name", "Waterworks")
	p.click("#corr-form button[type=submit]")
	p.until("the correspondent", `document.querySelector("#corr-list input") && document.querySelector("#corr-list input").value === "Waterworks"`)
	p.fill("#type-name", "Bill")
	p.click("#type-form button[type=submit]")
	p.until("the type", `document.querySelector("#type-list input") && document.querySelector("#type-list input").value === "Bill"`)
	p.fill("#field-name", "Amount")
	p.eval(`(() => { document.getElementById("field-type").value = "monetary"; return ""; })()`)
	p.click("#field-form button[type=submit]")
	p.until("the field", `document.querySelector("#field-list input") && document.querySelector("#field-list input").value === "Amount"`)
	p.screenshot("metadata")

	// The document page: set the details.
	p.open("/documents")
	p.until("the list", `document.querySelectorAll("#doc-list .doc").length === 2`)
	p.eval(`(() => { [...document.querySelectorAll("#doc-list .doc")].find(a => a.textContent.includes("water")).click(); return ""; })()`)
	p.until("the details form", `document.body.dataset.ready === "1" && document.querySelectorAll("#doc-corr option").length === 2 && document.querySelector("#doc-fields input") !== null`)
	p.eval(`(() => { document.getElementById("doc-corr").selectedIndex = 1; document.getElementById("doc-type").selectedIndex = 1;
		document.getElementById("doc-date").value = "2024-03-05"; document.querySelector("#doc-fields input").value = "EUR12.5"; return ""; })()`)
	p.click("#meta-form button[type=submit]")
	p.until("saved", `document.getElementById("flash").textContent === "Details saved." && document.querySelector("#doc-fields input").value === "EUR12.50"`)
	// A wrong value is named.
	p.eval(`(() => { document.querySelector("#doc-fields input").value = "twelve"; return ""; })()`)
	p.click("#meta-form button[type=submit]")
	p.until("the error", `document.getElementById("meta-error").textContent.startsWith("Amount:")`)

	// The list: select both, set the type to none, then filter by it.
	p.open("/documents")
	p.until("the list", `document.querySelectorAll("#doc-list input.pick").length === 2 && document.querySelectorAll("#bulk-action option").length > 0`)
	p.eval(`(() => { const a = document.getElementById("select-all"); a.checked = true; a.dispatchEvent(new Event("change")); return ""; })()`)
	p.until("the bulk bar", `!document.getElementById("bulk-bar").hidden && document.getElementById("bulk-count").textContent === "2 selected"`)
	p.eval(`(() => { const s = document.getElementById("bulk-action"); s.value = "set_correspondent"; s.dispatchEvent(new Event("change")); return ""; })()`)
	p.eval(`(() => { document.getElementById("bulk-value").selectedIndex = 1; return ""; })()`)
	p.click("#bulk-apply")
	p.until("changed", `document.getElementById("flash").textContent === "2 documents changed."`)
	// Names complete as you type after correspondent:.
	p.fill("#q", "march correspondent:wat")
	p.until("the completion", `[...document.querySelectorAll("#q-complete option")].map(o => o.value).join("|") === "march correspondent:Waterworks"`)
	p.fill("#q", "correspondent:waterworks")
	p.until("both by correspondent", `document.querySelectorAll("#doc-list .doc").length === 2`)
	p.fill("#q", "correspondent:waterworks date:2024-03")
	p.until("one by date", `document.querySelectorAll("#doc-list .doc").length === 1`)

	// Save as a view; it is listed and opens the same list.
	p.eval(`(() => { window.prompt = () => "March water"; return ""; })()`)
	p.click("#save-view")
	p.until("the view listed", `[...document.querySelectorAll("#view-list-items a")].some(a => a.textContent === "March water")`)
	p.open("/documents")
	p.until("all again", `document.querySelectorAll("#doc-list .doc").length === 2`)
	p.until("the view listed again", `[...document.querySelectorAll("#view-list-items a")].some(a => a.textContent === "March water")`)
	p.eval(`(() => { [...document.querySelectorAll("#view-list-items a")].find(a => a.textContent === "March water").click(); return ""; })()`)
	p.until("the view's list", `document.getElementById("q").value === "correspondent:waterworks date:2024-03" && document.querySelectorAll("#doc-list .doc").length === 1`)
}
