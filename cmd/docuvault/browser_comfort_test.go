package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserComfort: every invalid field of a form is marked at once and
// cleared when edited; "Test connection" checks the provider chosen in the
// form before it is saved, showing only that provider's fields; the dark
// theme chosen with the toggle survives a reload; "?" lists the keyboard
// shortcuts and "/" goes to the search box; backup codes can be copied and
// downloaded; the admin page fits a phone's width, every stacked cell
// labelled with its column.
func TestBrowserComfort(t *testing.T) {
	ctx := browser(t)
	var mu sync.Mutex
	var keys []string
	anthropic := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("X-Api-Key"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"msg_h","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"ok"}],
			"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}`)
	}))
	defer anthropic.Close()
	srv := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "ANTHROPIC_API_KEY=sk-ant-operator", "ANTHROPIC_BASE_URL="+anthropic.URL,
		"ADMIN_EMAIL=admin@example.com", "ADMIN_PASSWORD=correct horse battery staple")
	shots := t.TempDir()
	if os.Getenv("DOCUVAULT_UPDATE_SCREENSHOTS") == "1" {
		shots = "../../docs/screenshots"
	}
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: shots}

	// Every invalid field at once, each marked with its reason under it.
	p.open("/register")
	p.fill("#display_name", strings.Repeat("n", 101))
	p.fill("#email", "not-an-address")
	p.fill("#password", "short")
	p.click("#register-form button[type=submit]")
	p.until("three fields marked", `document.querySelectorAll('#register-form [aria-invalid="true"]').length === 3 &&
		document.querySelectorAll("#register-form .field-error").length === 3`)
	if got := p.eval(`document.getElementById("email-why").textContent`); got != "That is not an email address." {
		t.Errorf("the email's reason: %q", got)
	}
	if got := p.eval(`document.getElementById("email").getAttribute("aria-describedby")`); !strings.Contains(got, "email-why") {
		t.Errorf("the reason is not tied to the field: aria-describedby=%q", got)
	}
	p.fill("#email", "ada@example.com")
	p.until("the fixed field cleared", `!document.getElementById("email").hasAttribute("aria-invalid") && !document.getElementById("email-why") &&
		document.querySelectorAll('#register-form [aria-invalid="true"]').length === 2`)
	p.fill("#display_name", "Ada")
	p.fill("#password", "analytical engine notes")
	p.click("#register-form button[type=submit]")
	p.until("signed in", `location.pathname === "/documents" && document.getElementById("who-name").textContent.includes("Ada")`)

	// Shortcuts: "?" lists them, "/" focuses the search box; not while typing.
	p.until("the page ready", `document.body.dataset.ready === "1"`)
	p.do("press ?", chromedp.KeyEvent("?"))
	p.until("the shortcut list", `document.getElementById("shortcuts") && document.getElementById("shortcuts").open &&
		document.getElementById("shortcuts").textContent.includes("Upload files")`)
	p.do("press Escape", chromedp.KeyEvent("\x1b"))
	p.until("the list closed", `!document.getElementById("shortcuts").open`)
	p.do("press /", chromedp.KeyEvent("/"))
	p.until("the search box focused", `document.activeElement.id === "q"`)
	p.do("type ? in the search box", chromedp.KeyEvent("?"))
	if p.eval(`String(document.getElementById("shortcuts").open)`) != "false" {
		t.Error("typing ? in the search box opened the shortcut list")
	}

	// The dark theme, chosen with the toggle, survives a reload.
	p.open("/settings")
	if p.eval(`document.getElementById("theme").textContent`) != "Theme: system" {
		t.Fatalf("the default theme is not the system's: %q", p.eval(`document.getElementById("theme").textContent`))
	}
	p.click("#theme")
	p.until("dark", `document.documentElement.dataset.theme === "dark" && document.getElementById("theme").textContent === "Theme: dark"`)
	p.open("/settings")
	p.until("still dark after a reload", `document.documentElement.dataset.theme === "dark" && getComputedStyle(document.body).backgroundColor === "rgb(20, 23, 27)"`)

	// Test connection: Anthropic chosen in the form, not saved.
	p.until("the AI settings loaded", `document.getElementById("ai-form").dataset.loaded === "1" && document.getElementById("provider").value === "local"`)
	if p.eval(`String(document.getElementById("field-api_key").hidden && document.getElementById("field-base_url").hidden)`) != "true" {
		t.Error("the built-in provider shows fields it does not use")
	}
	p.eval(`(() => { const s = document.getElementById("provider"); s.value = "anthropic"; s.dispatchEvent(new Event("change")); return ""; })()`)
	p.until("the key field", `!document.getElementById("field-api_key").hidden && !document.getElementById("field-model").hidden`)
	p.click("#ai-test")
	p.until("Anthropic answers", `document.getElementById("ai-ok").textContent.startsWith("Anthropic answers")`)
	mu.Lock()
	got := strings.Join(keys, ",")
	mu.Unlock()
	if got != "sk-ant-operator" {
		t.Errorf("the operator's Anthropic endpoint got keys %q, want one request with the operator's key", got)
	}
	if p.await("the saved provider", `DV.api("GET", "/api/settings/ai").then((s) => s.provider)`) != "local" {
		t.Error("testing the connection saved the form")
	}
	// A bad base URL is marked on its field, next to the section.
	p.fill("#base_url", "not a url")
	p.click("#ai-test")
	p.until("the base URL marked", `document.getElementById("base_url").getAttribute("aria-invalid") === "true" && document.getElementById("ai-error").textContent !== ""`)
	p.fill("#base_url", "")
	p.until("the error cleared", `document.getElementById("ai-error").textContent === ""`)

	// Backup codes can be copied and downloaded (the clipboard and the
	// download are observed through DV.copyText and DV.download).
	p.click("#tfa button")
	p.until("the QR code", `document.querySelector("#tfa code") !== null`)
	code, err := totp.GenerateCode(p.eval(`document.querySelector("#tfa code").textContent`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p.fill("#enable-code", code)
	p.click("#tfa button.primary")
	p.until("the backup codes", `document.querySelectorAll("#tfa .codes li").length === 10`)
	p.eval(`DV.copyText = async (t) => { window.copied = t; }; DV.download = (name, text) => { window.saved = [name, text]; }; ""`)
	p.click("#codes-copy")
	p.until("copied", `window.copied && window.copied.split("\n").length === 10 && document.querySelector("#backup-codes [role=status]").textContent === "Copied."`)
	p.click("#codes-download")
	p.until("downloaded", `window.saved && window.saved[0].endsWith(".txt") && window.saved[1].includes(document.querySelector("#tfa .codes li").textContent)`)

	// The admin page on a phone: nothing wider than the screen, cells labelled.
	p.click("#logout")
	p.until("the sign-in page", `location.pathname === "/login"`)
	p.fill("#email", "admin@example.com")
	p.fill("#password", "correct horse battery staple")
	p.click("#login-form button[type=submit]")
	p.until("signed in as admin", `location.pathname === "/documents" && !document.querySelector(".admin-only").hidden`)
	p.do("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	p.open("/admin")
	p.until("the users", `[...document.querySelectorAll("#users tr")].some(tr => tr.textContent.includes("ada@example.com"))`)
	p.until("the audit log", `document.querySelectorAll("#audit tr").length > 1`)
	if w := p.eval(`String(document.documentElement.scrollWidth) + " " + String(window.innerWidth)`); strings.Fields(w)[0] != strings.Fields(w)[1] {
		t.Errorf("the admin page is wider than a phone (scroll width, screen width): %s", w)
	}
	if got := p.eval(`[...document.querySelectorAll("#users tr:first-child td")].map(td => td.dataset.label).join("|")`); !strings.HasPrefix(got, "User|Role|Disabled|Usage|Storage quota|Document quota") {
		t.Errorf("stacked cells labelled %q", got)
	}
	if got := p.eval(`getComputedStyle(document.querySelector("#users td"), "::before").content`); got != `"User"` {
		t.Errorf("the label is not shown on a phone: %s", got)
	}
	p.screenshot("admin-phone")
}
