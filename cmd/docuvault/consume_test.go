package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsumeFolder: files dropped into CONSUME_DIR while serve runs become
// documents of CONSUME_USER and move to .imported/ (duplicates too); a
// refused file moves to .failed/ with the reason beside it; hidden files
// are left alone; serve stops cleanly. Without an account for CONSUME_USER
// the files stay where they are and the log says why.
func TestConsumeFolder(t *testing.T) {
	inbox := filepath.Join(t.TempDir(), "inbox")
	if err := os.MkdirAll(inbox, 0o700); err != nil {
		t.Fatal(err)
	}
	drop := func(name, content string, age time.Duration) {
		t.Helper()
		p := filepath.Join(inbox, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if age > 0 {
			old := time.Now().Add(-age)
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	const scan = "A scanned receipt from the bilby bakery.\n"
	drop("waiting-since-before.txt", scan, time.Hour) // there before serve starts
	env := []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "HIBP_URL=off",
		"ADMIN_EMAIL=" + crashAdminEmail, "ADMIN_PASSWORD=" + crashAdminPassword,
		"CONSUME_DIR=" + inbox, "CONSUME_USER=" + crashAdminEmail}
	p := startServe(t, env...)
	drop("invoice.txt", "Invoice 88 for the potoroo survey.\n", 0)
	drop("same-as-before.txt", scan, 0)
	drop("program.bin", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00", 0)
	drop(".still-copying.tmp", "hidden files are not taken", 0)

	deadline := time.Now().Add(2 * time.Minute)
	for {
		entries, err := os.ReadDir(inbox)
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				left = append(left, e.Name())
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("files still in the consume folder: %v\n%s", left, p.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, name := range []string{".imported/waiting-since-before.txt", ".imported/invoice.txt", ".imported/same-as-before.txt",
		".failed/program.bin", ".still-copying.tmp"} {
		if _, err := os.Stat(filepath.Join(inbox, filepath.FromSlash(name))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	why, err := os.ReadFile(filepath.Join(inbox, ".failed", "program.bin.error.txt"))
	if err != nil || len(strings.TrimSpace(string(why))) == 0 {
		t.Fatalf("no reason beside the refused file: %q %v", why, err)
	}
	t.Logf("refused because: %s", why)

	admin := login(t, p.addr, crashAdminEmail, crashAdminPassword)
	docs := waitSettled(admin, 2*time.Minute, nil, nil)
	names := map[string]bool{}
	for _, d := range docs {
		if d["status"] != "ready" {
			t.Fatalf("consumed document %v: %v %v", d["original_filename"], d["status"], d["error"])
		}
		names[d["original_filename"].(string)] = true
	}
	if len(docs) != 2 || !names["waiting-since-before.txt"] || !names["invoice.txt"] {
		t.Fatalf("documents of the consume user: %v", names)
	}
	if found := admin.json("GET", "/api/documents?q=potoroo", nil, 200)["items"].([]any); len(found) != 1 {
		t.Fatalf("search for a consumed file: %v", found)
	}
	if !strings.Contains(p.logs.String(), "watching the consume folder") {
		t.Fatalf("serve does not say it watches the folder:\n%s", p.logs)
	}
	p.stop(t)
	checkOK(t, env)

	// No account for CONSUME_USER: nothing moves, the log says why.
	inbox2 := filepath.Join(t.TempDir(), "inbox")
	if err := os.MkdirAll(inbox2, 0o700); err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(inbox2, "kept.txt")
	if err := os.WriteFile(kept, []byte("nobody to give this to\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	_ = os.Chtimes(kept, old, old)
	q := startServe(t, "DATA_DIR="+filepath.Join(t.TempDir(), "data"), "HIBP_URL=off",
		"CONSUME_DIR="+inbox2, "CONSUME_USER=nobody@example.com")
	for deadline := time.Now().Add(time.Minute); !strings.Contains(q.logs.String(), "CONSUME_USER nobody@example.com has no account"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line about the missing account:\n%s", q.logs)
		}
	}
	q.stop(t)
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("the file of a missing account was moved: %v", err)
	}
}
