package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/docuvault/docuvault/internal/mailin/imaptest"
)

// TestBrowserMailIntake is the mail intake's "done when" in Chromium: a
// user connects a mailbox in the settings (after a clearly refused
// password), tests it, adds the rule "attachments from billing@ into
// Invoices, then move to Archive", presses Poll now and sees the result;
// both PDFs of the waiting message are documents with the topic, the
// message is in Archive, and the password never shows on the page.
func TestBrowserMailIntake(t *testing.T) {
	ctx := browser(t)
	srv := imaptest.Start(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "CLOUD_ALLOWED_HOSTS=127.0.0.1", "MAIL_CA_FILE="+ca)
	p := &page{t: t, ctx: ctx, base: bin.addr, logs: bin.logs, shot: t.TempDir()}

	p.open("/register")
	p.fill("#display_name", "Grace Hopper")
	p.fill("#email", "grace@example.com")
	p.fill("#password", "compiler notes for the vault")
	p.click("#register-form button[type=submit]")
	p.until("the documents page", `location.pathname === "/documents" && document.getElementById("who-name").textContent.includes("Grace")`)
	topic := p.await("a topic", `DV.api("POST", "/api/topics", {name: "Invoices"}).then((r) => r.topic.id)`)

	p.open("/settings")
	p.until("the mail section loaded", `!document.getElementById("mail-accounts-empty").hidden`)
	connect := func(pass string) {
		p.fill("#host", srv.Host)
		p.eval(`document.getElementById("mail-security").value = "tls"; ""`)
		p.fill("#port", strconv.Itoa(srv.TLSPort))
		p.fill("#mail-username", srv.User)
		p.fill("#mail-password", pass)
		p.eval(`document.getElementById("mail-account-error").textContent = ""; ""`)
		p.click("#mail-account-form button[type=submit]")
	}
	connect("wrong password")
	p.until("the refusal", `document.getElementById("mail-account-error").textContent.includes("refused the user name or password")`)
	connect(srv.Pass)
	p.until("the connected mailbox", `document.querySelectorAll("#mail-accounts li").length === 1`)
	p.click("#mail-accounts li .mail-test")
	p.until("the test result", `document.getElementById("flash").textContent.includes("Connected. Folders:")`)

	srv.Deliver(t, "INBOX", imaptest.Invoice("ui1"))
	srv.Deliver(t, "INBOX", imaptest.Plain("friend@example.org", "hello"))
	p.fill("#rule-name", "Invoices")
	p.fill("#from", "billing@")
	p.eval(`document.getElementById("after").value = "move"; ""`)
	p.fill("#move_to", "Archive")
	// The rule's topics are those of the mailbox's space, loaded with it.
	p.until("the space's topics", `[...document.getElementById("topic_ids").options].some((o) => o.value === "`+topic+`")`)
	p.eval(`[...document.getElementById("topic_ids").options].forEach((o) => { o.selected = o.value === "` + topic + `"; }); ""`)
	p.click("#mail-rule-form button[type=submit]")
	p.until("the rule", `document.querySelectorAll("#mail-rules li").length === 1`)

	p.click("#mail-accounts li .mail-poll")
	p.until("the poll result", `document.querySelector("#mail-accounts li .mail-last-poll").textContent.includes("1 messages, 2 documents")`)
	p.screenshot("settings-mail")
	n := p.await("mail documents with the topic", `DV.api("GET", "/api/documents?source=mail").then((r) =>
		String(r.items.filter((d) => d.topics.some((x) => x.id === "`+topic+`") && d.source.from === "billing@shop.example").length))`)
	if n != "2" {
		t.Fatalf("%s mail documents with the topic, want 2", n)
	}
	if got := srv.Messages(t, "Archive"); len(got) != 1 || got[0].Subject != "ui1" {
		t.Fatalf("Archive = %+v", got)
	}
	if inbox := srv.Messages(t, "INBOX"); len(inbox) != 1 || len(inbox[0].Flags) != 0 {
		t.Fatalf("INBOX = %+v, want the other message untouched", inbox)
	}
	if p.eval(`String(document.body.innerText.includes("`+srv.Pass+`"))`) != "false" {
		t.Fatal("the password is shown on the page")
	}
}
