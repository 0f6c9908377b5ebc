package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var setupLinkRE = regexp.MustCompile(`no admin yet: finish setup at (http://[0-9.:]+)/setup\?token=([A-Za-z0-9_-]+)`)

// TestBrowserFirstRunAndInvitation starts serve with no admin and no
// ADMIN_EMAIL (and registration closed): the person at the keyboard takes
// the setup link from the log, creates the admin in the browser, invites a
// colleague, and the colleague accepts the invitation and signs in.
func TestBrowserFirstRunAndInvitation(t *testing.T) {
	ctx := browser(t)
	dataDir := t.TempDir()
	srv := startServe(t, "DATA_DIR="+dataDir, "HIBP_URL=off", "REGISTRATION_OPEN=false")
	var m []string
	for deadline := time.Now().Add(30 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m = setupLinkRE.FindStringSubmatch(srv.logs.String())
	}
	if m == nil {
		t.Fatalf("no setup link in the log:\n%s", srv.logs)
	}
	if m[1] != srv.addr {
		t.Fatalf("the setup link names %s, the server listens on %s", m[1], srv.addr)
	}
	token := m[2]
	tokenFile := filepath.Join(dataDir, "setup-token")
	b, err := os.ReadFile(tokenFile)
	if err != nil || strings.TrimSpace(string(b)) != token {
		t.Fatalf("setup-token file: %q %v", b, err)
	}
	if st, _ := os.Stat(tokenFile); st.Mode().Perm() != 0o600 {
		t.Fatalf("setup-token mode %v", st.Mode().Perm())
	}
	shots := t.TempDir()
	if os.Getenv("DOCUVAULT_UPDATE_SCREENSHOTS") == "1" {
		shots = "../../docs/screenshots"
	}
	p := &page{t: t, ctx: ctx, base: srv.addr, logs: srv.logs, shot: shots}

	// The sign-in page says how to start, and offers no registration.
	p.open("/login")
	p.until("the setup hint", `!document.getElementById("setup-hint").hidden`)
	if p.eval(`String(document.getElementById("register-link").hidden)`) != "true" {
		t.Fatal("the sign-in page offers registration while REGISTRATION_OPEN=false")
	}

	// Finish setup from the logged link.
	p.open("/setup?token=" + token)
	p.until("the token in the form", `document.getElementById("token").value.length > 20 && location.search === ""`)
	p.screenshot("setup")
	p.fill("#display_name", "Grace Hopper")
	p.fill("#email", "grace@example.com")
	p.fill("#password", "compilers all the way down")
	p.click("#setup-form button[type=submit]")
	p.until("the admin page", `location.pathname === "/admin" && [...document.querySelectorAll("#users tr")].some(tr => tr.textContent.includes("grace@example.com"))`)
	if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
		t.Fatalf("the setup-token file is still there: %v", err)
	}
	p.until("the jobs empty state or list", `document.querySelector("#jobs tr") !== null`)
	p.until("the audit names the admin", `[...document.querySelectorAll("#audit tr")].some(tr => tr.textContent.includes("auth.setup") && tr.textContent.includes("Grace Hopper <grace@example.com>"))`)

	// Invite a colleague without a password; the link is shown once.
	p.fill("#new-email", "linus@example.com")
	p.fill("#new-name", "Linus")
	p.click("#new-user button[type=submit]")
	p.until("the invitation link", `!document.getElementById("invite").hidden && document.getElementById("invite-url").textContent.includes("/invite?token=")`)
	p.screenshot("admin-invite")
	inv, err := url.Parse(p.eval(`document.getElementById("invite-url").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	p.until("the storage quota shown as unlimited", `[...document.querySelectorAll("#users tr")].some(tr => tr.textContent.includes("linus@example.com") && tr.querySelector("input.quota").placeholder === "unlimited" && tr.querySelector("input.quota").value === "" && tr.querySelector(".invited") !== null)`)
	if !strings.Contains(srv.logs.String(), "invite?token="+url.QueryEscape(inv.Query().Get("token"))) {
		t.Fatalf("the invitation mail is not in the log:\n%s", srv.logs)
	}

	// The colleague accepts in another session and signs in.
	p.click("#logout")
	p.until("the sign-in page", `location.pathname === "/login"`)
	p.open(inv.Path + "?" + inv.RawQuery)
	p.fill("#password", "short")
	p.click("#invite-form button[type=submit]")
	p.until("the weak password refused", `document.getElementById("invite-error").textContent.includes("password")`)
	p.fill("#password", "penguins on the ice floe")
	p.click("#invite-form button[type=submit]")
	p.until("accepted", `document.getElementById("invite-done") && document.getElementById("invite-done").textContent.includes("Your password is set")`)
	p.open("/login")
	p.fill("#email", "linus@example.com")
	p.fill("#password", "penguins on the ice floe")
	p.click("#login-form button[type=submit]")
	p.until("signed in as the invitee", `location.pathname === "/documents" && document.getElementById("who-name").textContent.includes("Linus")`)
}
