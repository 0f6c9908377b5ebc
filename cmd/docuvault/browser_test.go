package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// browser starts headless Chromium (Debian's chromium package). It skips
// when Chromium is missing, unless CI=true.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required in CI (apt-get install chromium)")
		}
		t.Skip("SKIPPING browser tests: chromium is not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	return ctx
}

// page is one browser session against a running server.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string      // where screenshots go
	logs *syncBuffer // the server's log, shown when a wait runs out
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// until waits for a JavaScript condition to hold.
func (p *page) until(what, js string) {
	p.t.Helper()
	// Evaluate in a loop rather than one in-page poll: the condition often
	// holds only after a navigation, which ends an in-page poll.
	var err error
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var ok bool
		if ok, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool]("Boolean("+js+")")); err == nil && ok {
			return
		}
	}
	loc, _ := chromedp.Run(p.ctx, chromedp.Location())
	body, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.body.innerText`))
	var logs string
	if p.logs != nil {
		logs = lastLines(p.logs.String(), 40)
	}
	// The step that timed out comes last, where a truncated log still shows it.
	p.t.Fatalf("server log (last lines):\n%s\npage at %s:\n%s\nwaiting for %s (%s): %v", logs, loc, body, what, js, err)
}

// lastLines is the end of a log, at most n lines.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (p *page) eval(js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

func (p *page) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path))
	p.until("page script ready", `document.readyState === "complete"`)
}

// fill sets a field's value as typing would, firing an input event.
func (p *page) fill(sel, value string) {
	p.t.Helper()
	js, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	p.until("field "+sel, fmt.Sprintf(`document.querySelector(%s) !== null`, js))
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.focus(); e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true})); return ""; })()`, js, v))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(p.shot, name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// TestBrowserFlows is a person using DocuVault in Chromium against the real
// binary: sign up, 2FA, sign out and in with a code, upload, search, topics,
// trash, and an admin changing a quota.
func TestBrowserFlows(t *testing.T) {
	ctx := browser(t)
	shots := t.TempDir()
	if os.Getenv("DOCUVAULT_UPDATE_SCREENSHOTS") == "1" {
		shots = "../../docs/screenshots"
		_ = os.MkdirAll(shots, 0o755)
	}
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "ADMIN_EMAIL=admin@example.com", "ADMIN_PASSWORD=correct horse battery staple")
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: shots}

	// Sign up.
	p.open("/register")
	p.screenshot("register")
	p.fill("#display_name", "Ada Lovelace")
	p.fill("#email", "ada@example.com")
	p.fill("#password", "analytical engine notes")
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents" && document.getElementById("who-name").textContent.includes("Ada")`)
	p.until("the empty state", `!document.getElementById("empty").hidden`)
	p.screenshot("documents-empty")

	// Enable two-factor authentication with the QR code's secret.
	p.open("/settings")
	p.until("settings loaded", `document.querySelector("#tfa button") !== null`)
	p.click("#tfa button")
	p.until("the QR code", `document.querySelector("#tfa img") !== null`)
	secret := p.eval(`document.querySelector("#tfa code").textContent`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.fill("#enable-code", code)
	p.click("#tfa button.primary")
	p.until("the backup codes", `document.querySelectorAll("#tfa .codes li").length === 10`)
	p.screenshot("settings-2fa")
	var backup []string
	_ = json.Unmarshal([]byte(p.eval(`JSON.stringify([...document.querySelectorAll("#tfa .codes li")].map(li => li.textContent))`)), &backup)

	// Sign out, and back in: the password, then a backup code (the phone is lost).
	p.click("#logout")
	p.until("the sign-in page", `location.pathname === "/login"`)
	p.fill("#email", "ada@example.com")
	p.fill("#password", "analytical engine notes")
	p.click("#login-form button[type=submit]")
	p.until("the second step", `!document.querySelector(".step-code").hidden`)
	p.screenshot("login-2fa")
	p.do("open backup code", chromedp.Click(chromedp.CSS("details summary")))
	p.fill("#backup_code", backup[0])
	p.click("#login-form button[type=submit]")
	p.until("signed in again", `location.pathname === "/documents"`)

	// Upload two files through the page (the file input takes the same path as a drop).
	dir := t.TempDir()
	letter := filepath.Join(dir, "letter.txt")
	if err := os.WriteFile(letter, []byte("Dear Ada,\nthe Zanzibar invoice INV-2024-0042 is attached.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hostile := filepath.Join(dir, "<img src=x onerror=alert(1)>.txt")
	if err := os.WriteFile(hostile, []byte("a file with a hostile name"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.until("the page ready for uploads", `document.body.dataset.ready === "1"`)
	p.do("upload", chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{letter, hostile}))
	p.until("both uploads done", `[...document.querySelectorAll("#uploads li span:last-child")].filter(s => s.textContent === "done").length === 2`)
	p.until("both documents ready", `document.querySelectorAll("#doc-list .status.ready").length === 2`)
	if n := p.eval(`String(document.querySelectorAll("#doc-list img[src='x']").length)`); n != "0" {
		t.Fatal("a filename was rendered as HTML")
	}
	p.screenshot("documents")

	// Search as you type, open the hit.
	p.fill("#q", "zanzibar")
	p.until("a highlighted hit", `document.querySelectorAll("#doc-list .doc").length === 1 && document.querySelector("#doc-list mark") !== null`)
	p.screenshot("search")
	p.click("#doc-list .doc")
	p.until("the document page", `document.getElementById("text").textContent.includes("INV-2024-0042")`)

	// Topics: create one, file the document under it.
	docPath := p.eval(`location.pathname`)
	p.open("/topics")
	p.fill("#name", "Invoices")
	p.click("#topic-form button[type=submit]")
	p.until("the topic", `[...document.querySelectorAll("#topic-list input")].some(i => i.value === "Invoices")`)
	p.screenshot("topics")
	p.open(docPath)
	p.until("topic choice", `document.querySelector("#add-topic option") !== null`)
	p.click("#topics-form button[type=submit]")
	p.until("the topic chip", `document.querySelector("#doc-topics .chip") && document.querySelector("#doc-topics .chip").textContent.includes("Invoices")`)
	p.screenshot("document")

	// Trash and restore.
	p.click("#delete")
	p.until("back on the list", `location.pathname === "/documents" && document.querySelectorAll("#doc-list .doc").length === 1`)
	p.open("/trash")
	p.until("the trashed document", `document.querySelectorAll("#trash-list .doc").length === 1`)
	p.screenshot("trash")
	p.click("#trash-list button")
	p.until("the trash empty", `!document.getElementById("empty").hidden`)
	p.open("/documents")
	p.until("both documents back", `document.querySelectorAll("#doc-list .doc").length === 2`)

	// The admin changes Ada's document quota.
	p.click("#logout")
	p.until("the sign-in page", `location.pathname === "/login"`)
	p.fill("#email", "admin@example.com")
	p.fill("#password", "correct horse battery staple")
	p.click("#login-form button[type=submit]")
	p.until("signed in as admin", `location.pathname === "/documents" && !document.querySelector(".admin-only").hidden`)
	p.open("/admin")
	p.until("the users", `[...document.querySelectorAll("#users tr")].some(tr => tr.textContent.includes("ada@example.com"))`)
	row := `[...document.querySelectorAll("#users tr")].find(tr => tr.textContent.includes("ada@example.com"))`
	p.eval(fmt.Sprintf(`(() => { const i = %s.querySelectorAll("input[type=number]")[1]; i.value = "5"; return ""; })()`, row))
	p.eval(fmt.Sprintf(`(() => { %s.querySelector("button").click(); return ""; })()`, row))
	p.until("saved", `document.getElementById("flash").textContent.includes("Saved ada@example.com")`)
	p.screenshot("admin")
	p.open("/admin")
	p.until("the new quota", fmt.Sprintf(`%s && %s.querySelectorAll("input[type=number]")[1].value === "5"`, row, row))
	if !strings.HasPrefix(srv.addr, "http://127.0.0.1:") {
		t.Fatalf("unexpected address %s", srv.addr)
	}
}
