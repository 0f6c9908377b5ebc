package main

import (
	"bytes"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/davtest"
)

// TestCloudDriveThroughTheBinary is issue 7's "done when" through the real
// binary and a real WebDAV server with Nextcloud's layout, plus the admin
// commands around it: a new user connects the folder, chooses it, uploads
// documents and sees them appear in the folder, downloads them back;
// `check` verifies the originals in the drive, `export` reads them from the
// drive (stopping, naming the document, while the drive is down, unless
// --skip-unreachable) and `import` restores them into system storage of a
// new instance; finally the user disconnects without losing a document.
func TestCloudDriveThroughTheBinary(t *testing.T) {
	dav := davtest.NewNextcloud(t, "ada", "app-pass-1234")
	data := t.TempDir()
	env := []string{"DATA_DIR=" + data, "HIBP_URL=off", "CLOUD_ALLOWED_HOSTS=127.0.0.1"}
	srv := startServe(t, env...)
	c := newClient(t, srv.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "ada@example.com", "password": "analytical engine notes"}, 201)
	c = login(t, srv.addr, "ada@example.com", "analytical engine notes")

	acc := c.json("POST", "/api/cloud/nextcloud", map[string]any{"server_url": dav.URL, "username": "ada", "password": "app-pass-1234"}, 201)
	accID, _ := acc["id"].(string)
	if acc["status"] != "ok" || acc["kind"] != "nextcloud" {
		t.Fatalf("connect: %v", acc)
	}
	if out := c.json("POST", "/api/cloud/"+accID+"/test", nil, 200); out["ok"] != true {
		t.Fatalf("test: %v", out)
	}
	c.json("PUT", "/api/settings/storage", map[string]any{"backend": accID}, 200)

	docs := map[string][]byte{
		"Rechnung März.txt": append([]byte("Rechnung 2024-0042 — Grüße\n"), bytes.Repeat([]byte("eine Zeile\n"), 400)...),
		"contract.txt":      bytes.Repeat([]byte("the parties agree\n"), 900),
	}
	ids := map[string]string{}
	for name, body := range docs {
		ids[name] = c.upload(name, body)["id"].(string)
	}
	for name, id := range ids {
		c.waitReady(id)
		waitFor(t, name+" placed in the drive", func() bool {
			d := c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)
			st := d["storage"].(map[string]any)
			return st["state"] == "placed" && st["backend"] == accID
		})
	}
	files := dav.Files(t, cloud.Folder)
	if len(files) != 2 {
		t.Fatalf("drive folder: %v", files)
	}
	for _, f := range files {
		got := dav.Read(t, cloud.Folder+"/"+f)
		stem := f[:strings.Index(f, " (")]
		if want := docs[stem+filepath.Ext(f)]; !bytes.Equal(got, want) {
			t.Fatalf("drive file %q differs from the upload", f)
		}
	}
	for name, id := range ids {
		if code, sum, _ := downloadSum(c, id); code != 200 || sum != sha256.Sum256(docs[name]) {
			t.Fatalf("download of %s from the drive: %d", name, code)
		}
	}

	// The admin commands, with the server stopped.
	srv.stop(t)
	out := checkOK(t, env)
	if !strings.Contains(out, "2 originals checked in cloud drives") {
		t.Fatalf("check did not verify the drive:\n%s", out)
	}
	checkOK(t, env, "--quick")
	backupDir := filepath.Join(t.TempDir(), "backup")
	dav.SetDown(true)
	stdout, stderr, code := runCommand(t, env, "export", backupDir)
	if code == 0 || !strings.Contains(stderr, "--skip-unreachable") || !strings.Contains(stderr, accID) ||
		!(strings.Contains(stderr, ids["contract.txt"]) || strings.Contains(stderr, ids["Rechnung März.txt"])) {
		t.Fatalf("export with the drive down: exit %d\n%s\n%s", code, stdout, stderr)
	}
	out = checkOK(t, env)
	if !strings.Contains(out, "NOT BE VERIFIED") {
		t.Fatalf("check with the drive down:\n%s", out)
	}
	stdout, stderr, code = runCommand(t, env, "export", "--skip-unreachable", filepath.Join(t.TempDir(), "partial"))
	if code != 0 || strings.Count(stdout, "NOT in this backup") != 2 || !strings.Contains(stdout, "WARNING: 2 document(s)") {
		t.Fatalf("export --skip-unreachable: exit %d\n%s\n%s", code, stdout, stderr)
	}
	dav.SetDown(false)
	if stdout, stderr, code = runCommand(t, env, "export", backupDir); code != 0 || !strings.Contains(stdout, "2 documents") {
		t.Fatalf("export: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Import into a new instance: the originals live in its system storage.
	env2 := []string{"DATA_DIR=" + t.TempDir(), "HIBP_URL=off"}
	if stdout, stderr, code = runCommand(t, env2, "import", backupDir); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if out := checkOK(t, env2); !strings.Contains(out, "0 originals checked in cloud drives") {
		t.Fatalf("check of the imported instance:\n%s", out)
	}
	srv2 := startServe(t, env2...)
	c2 := login(t, srv2.addr, "ada@example.com", "analytical engine notes")
	for name, id := range ids {
		if code, sum, _ := downloadSum(c2, id); code != 200 || sum != sha256.Sum256(docs[name]) {
			t.Fatalf("download of %s from the imported instance: %d", name, code)
		}
	}
	if st := c2.json("GET", "/api/settings/storage", nil, 200); st["backend"] != "system" {
		t.Fatalf("imported storage setting: %v", st)
	}
	srv2.stop(t)

	// A changed file in the drive is a problem for check.
	victim := cloud.Folder + "/" + files[0]
	orig := dav.Read(t, victim)
	dav.Write(t, victim, bytes.Repeat([]byte("X"), len(orig)))
	if out, _, code := runCommand(t, env, "check"); code == 0 || !strings.Contains(out, "WRONG CHECKSUM") {
		t.Fatalf("check with a changed drive file: exit %d\n%s", code, out)
	}
	dav.Write(t, victim, orig)

	// Disconnect: every document comes back, byte for byte, and the folder empties.
	srv = startServe(t, env...)
	c = login(t, srv.addr, "ada@example.com", "analytical engine notes")
	if code, b, _ := c.call("DELETE", "/api/cloud/"+accID, nil, ""); code != 204 {
		t.Fatalf("disconnect: %d %s", code, b)
	}
	waitFor(t, "the account gone after its documents came back", func() bool {
		l := c.json("GET", "/api/cloud", nil, 200)["items"].([]any)
		return len(l) == 0
	})
	if files := dav.Files(t, cloud.Folder); len(files) != 0 {
		t.Fatalf("the drive still holds %v", files)
	}
	for name, id := range ids {
		d := c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)
		if st := d["storage"].(map[string]any); st["backend"] != "system" || st["state"] != "stored" {
			t.Fatalf("%s after disconnect: %v", name, st)
		}
		if code, sum, _ := downloadSum(c, id); code != 200 || sum != sha256.Sum256(docs[name]) {
			t.Fatalf("download of %s after disconnect: %d", name, code)
		}
	}
	srv.stop(t)
	if out := checkOK(t, env); !strings.Contains(out, "checked 2 documents (2 blobs read") {
		t.Fatalf("check after disconnect:\n%s", out)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !ok(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
	}
}
