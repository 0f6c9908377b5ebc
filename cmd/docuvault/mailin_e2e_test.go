package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/mailin/imaptest"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Mail intake through the real binary, on SQLite and PostgreSQL: a user
// connects a mailbox (served by this test process over TLS on loopback,
// with its own CA in MAIL_CA_FILE and loopback allowed by
// CLOUD_ALLOWED_HOSTS) and adds a rule "attachments from billing@ into
// Invoices, then move to Archive". The server is killed with SIGKILL in the
// middle of a poll, started again and polled again: every PDF is a document
// exactly once, with its topic and its mail source, every message is in
// Archive, other mail is left alone, and more polls import nothing.
func TestMailIntakeSurvivesKill(t *testing.T) {
	for name, env := range map[string]func(t *testing.T) []string{
		"sqlite":   func(t *testing.T) []string { return nil },
		"postgres": func(t *testing.T) []string { return []string{"DATABASE_URL=" + storetest.PostgresURL(t)} },
	} {
		t.Run(name, func(t *testing.T) { mailKillSuite(t, env(t)) })
	}
}

func mailKillSuite(t *testing.T, env []string) {
	srv := imaptest.Start(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	env = append(env, "DATA_DIR="+filepath.Join(t.TempDir(), "data"), "HIBP_URL=off", "WORKERS=1",
		"CLOUD_ALLOWED_HOSTS=127.0.0.1", "MAIL_CA_FILE="+ca, "MAIL_POLL_INTERVAL=1h")
	p := startServe(t, env...)
	c := newClient(t, p.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "mail@example.com", "password": crashUserPassword}, 201)
	c = login(t, p.addr, "mail@example.com", crashUserPassword)

	// Wrong password and unknown CA are clear 422s; loopback needs the allowlist (set here).
	c.json("POST", "/api/mail/accounts", map[string]any{"host": srv.Host, "port": srv.TLSPort, "security": "tls",
		"username": srv.User, "password": "wrong"}, 422)
	acc := c.json("POST", "/api/mail/accounts", map[string]any{"host": srv.Host, "port": srv.TLSPort, "security": "tls",
		"username": srv.User, "password": srv.Pass, "display_name": "Billing inbox"}, 201)
	id := acc["id"].(string)
	if _, leaked := acc["password"]; leaked {
		t.Fatalf("the account answers its password: %v", acc)
	}
	if r := c.json("POST", "/api/mail/accounts/"+id+"/test", nil, 200); r["ok"] != true {
		t.Fatalf("test: %v", r)
	}
	topic := c.json("POST", "/api/topics", map[string]any{"name": "Invoices"}, 201)["topic"].(map[string]any)["id"].(string)
	c.json("POST", "/api/mail/rules", map[string]any{"account_id": id, "name": "invoices", "folder": "INBOX",
		"from": "billing@", "consume": "attachments", "after": "move", "move_to": "Archive", "topic_ids": []string{topic},
		"enabled": true, "order": 1}, 201)

	srv.Deliver(t, "INBOX", imaptest.Plain("friend@example.org", "hello"))
	total := 0
	killed := false
	for batch := 0; batch < 5 && !killed; batch++ {
		for i := range 40 {
			srv.Deliver(t, "INBOX", imaptest.Invoice(fmt.Sprintf("b%dm%d", batch, i)))
		}
		total += 40
		c.json("POST", "/api/mail/accounts/"+id+"/poll", nil, 202)
		// Kill once some but not all of this batch's documents exist.
		for {
			n := len(allDocuments(c, "&source=mail"))
			if n > (total-40)*2 && n < total*2 {
				p.kill(t)
				t.Logf("killed the server with SIGKILL after %d of %d mail documents", n, total*2)
				killed = true
				break
			}
			if n == total*2 {
				break // the poll finished first: try a bigger batch
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if !killed {
		t.Fatal("every poll finished before the kill could land")
	}
	p = startServe(t, env...)
	c.base = p.addr
	for {
		c.json("POST", "/api/mail/accounts/"+id+"/poll", nil, 202)
		if n := len(srv.Messages(t, "Archive")); n == total {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// One more poll after everything moved imports nothing.
	before := lastPoll(c, id)
	c.json("POST", "/api/mail/accounts/"+id+"/poll", nil, 202)
	// A poll cut by the kill may wait as a retryable job (River's backoff),
	// and "poll now" is deduplicated against it until it has run.
	deadline := time.Now().Add(4 * time.Minute)
	for lastPoll(c, id) == before {
		if time.Now().After(deadline) {
			jobs := jobsDump(t, env, "mail.poll", "mail-poll")
			buf := make([]byte, 1<<22)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("the last poll never ran: %s\njobs:\n%s\nserver log:\n%s\nserver goroutines about mail:\n%s\nIMAP server goroutines:\n%s",
				before, jobs, tail(withoutHTTP(p.logs.String()), 40), stacksAbout(p.goroutines(t), "mailin", "imap"),
				stacksAbout(string(buf), "imapserver", "imapmemserver"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	docs := allDocuments(c, "&source=mail")
	names := map[string]int{}
	for _, d := range docs {
		names[d["original_filename"].(string)]++
		src := d["source"].(map[string]any)
		if src["kind"] != "mail" || src["from"] != "billing@shop.example" {
			t.Errorf("source = %v", src)
		}
		if tp := d["topics"].([]any); len(tp) != 1 || tp[0].(map[string]any)["id"] != topic {
			t.Errorf("%s topics = %v", d["original_filename"], tp)
		}
	}
	if len(docs) != total*2 || len(names) != total*2 {
		t.Fatalf("%d mail documents with %d distinct names, want %d once each", len(docs), len(names), total*2)
	}
	inbox := srv.Messages(t, "INBOX")
	if len(inbox) != 1 || inbox[0].Subject != "hello" || len(inbox[0].Flags) != 0 {
		t.Errorf("INBOX = %+v, want only the untouched other message", inbox)
	}
	if all := allDocuments(c, ""); len(all) != len(docs) {
		t.Errorf("%d documents in all, %d from mail", len(all), len(docs))
	}
}

// lastPoll is the account's last poll time and result.
func lastPoll(c *client, id string) string {
	for _, it := range c.json("GET", "/api/mail/accounts", nil, 200)["items"].([]any) {
		a := it.(map[string]any)
		if a["id"] == id {
			return fmt.Sprint(a["last_poll_at"]) + " " + fmt.Sprint(a["last_poll_result"]) + " " + strconv.Quote(fmt.Sprint(a["last_error"]))
		}
	}
	c.t.Fatalf("account %s gone", id)
	return ""
}

// stacksAbout keeps the goroutines of a dump whose stack mentions one of
// words.
func stacksAbout(dump string, words ...string) string {
	var b strings.Builder
	for _, g := range strings.Split(dump, "\n\n") {
		for _, w := range words {
			if strings.Contains(g, w) {
				b.WriteString(g + "\n\n")
				break
			}
		}
	}
	return b.String()
}
