package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestBrowserShareLink: the owner creates a one-download link with a
// password in the document page's Share dialog and copies its URL; a
// stranger in a fresh browser sees only the file's name and size, is told
// a wrong password is wrong, downloads the file once with the right one,
// and then finds the link used up; the owner sees the download counted.
func TestBrowserShareLink(t *testing.T) {
	ctx := browser(t)
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	shots := t.TempDir()
	if os.Getenv("DOCUVAULT_UPDATE_SCREENSHOTS") == "1" {
		shots = "../../docs/screenshots"
	}
	owner := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: shots}

	owner.open("/register")
	owner.fill("#email", "ada@example.com")
	owner.fill("#password", "analytical engine notes")
	owner.click("#register-form button[type=submit]")
	owner.until("the documents page", `location.pathname === "/documents"`)
	dir := t.TempDir()
	file := filepath.Join(dir, "bernoulli-numbers.txt")
	content := "note G: a method for the Bernoulli numbers, secret-body-words"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	owner.until("the page ready for uploads", `document.body.dataset.ready === "1"`)
	owner.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{file}))
	owner.until("the document ready", `document.querySelectorAll("#doc-list .status.ready").length === 1`)
	owner.eval(`(() => { document.querySelector("#doc-list .doc").click(); return ""; })()`)
	owner.until("the document page", `document.body.dataset.ready === "1" && document.getElementById("title").value !== ""`)
	owner.fill("#title", "Ada's Private Title")
	owner.click("#title-form button[type=submit]")
	owner.until("renamed", `document.title.startsWith("Ada's Private Title")`)

	// The Share dialog: a password and one download; the URL shown once.
	owner.click("#share-open")
	owner.until("the dialog", `document.getElementById("share-dialog").open && !document.getElementById("share-none").hidden`)
	owner.fill("#share-password", "tulip garden")
	owner.fill("#share-max", "1")
	owner.click("#share-form button[type=submit]")
	owner.until("the URL", `document.getElementById("share-url").value.includes("/s/")`)
	url := owner.eval(`document.getElementById("share-url").value`)
	owner.until("the link listed", `document.querySelectorAll("#share-list tr").length === 1 && document.querySelector("#share-list").textContent.includes("0 of 1")`)
	owner.screenshot("share-dialog")
	// FRONTEND_URL is not set: the URL names LISTEN_ADDR (port 0 here).
	i := strings.Index(url, "/s/")
	link := url[max(i, 0):]
	if i < 0 || !strings.HasPrefix(url, "http://127.0.0.1:") || len(link) != len("/s/")+43 {
		t.Fatalf("share URL %q (server %s)", url, srv.addr)
	}

	// A stranger, in a browser of their own.
	downloads := t.TempDir()
	sctx := browser(t)
	if _, err := chromedp.CallBrowser(sctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	stranger := &page{t: t, ctx: sctx, base: srv.addr, logs: srv.logs, shot: owner.shot}
	stranger.open(link)
	stranger.until("the file's name and size", `document.getElementById("share-name").textContent === "bernoulli-numbers.txt" &&
		document.getElementById("share-size").textContent === "`+strconv.Itoa(len(content))+` bytes"`)
	body := stranger.eval(`document.documentElement.outerHTML`)
	for _, secret := range []string{"Ada's Private Title", "Ada&#39;s Private Title", "secret-body-words", "ada@example.com"} {
		if strings.Contains(body, secret) {
			t.Fatalf("the share page shows %q:\n%s", secret, body)
		}
	}
	stranger.fill("#password", "wrong flowers")
	stranger.click("#share-form button[type=submit]")
	stranger.until("the wrong password message", `document.getElementById("share-error") && document.getElementById("share-error").textContent.includes("wrong")`)
	stranger.screenshot("share-wrong-password")
	stranger.fill("#password", "tulip garden")
	stranger.click("#share-form button[type=submit]")
	var got []byte
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		entries, _ := os.ReadDir(downloads)
		if len(entries) == 1 && !strings.HasSuffix(entries[0].Name(), ".crdownload") {
			got, _ = os.ReadFile(filepath.Join(downloads, entries[0].Name()))
			if len(got) == len(content) {
				break
			}
		}
	}
	if string(got) != content {
		t.Fatalf("downloaded %q", got)
	}
	stranger.open(link)
	stranger.until("the link used up", `document.querySelector("h1").textContent === "Link not available" && !document.getElementById("share-form")`)

	// The owner sees the download counted and the link spent.
	owner.do("reload", chromedp.Reload())
	// Chromium restores the title field on reload before the script runs:
	// wait for the page to be wired, or the click below can land on nothing.
	owner.until("the document page", `document.body.dataset.ready === "1" && document.getElementById("title").value === "Ada's Private Title"`)
	owner.click("#share-open")
	owner.until("the count", `document.querySelector("#share-list").textContent.includes("1 of 1") &&
		document.querySelector("#share-list").textContent.includes("no longer works")`)
	// Revoke removes it from the list.
	owner.click("#share-list button.danger")
	owner.until("revoked", `document.querySelectorAll("#share-list tr").length === 0 && !document.getElementById("share-none").hidden`)
}
