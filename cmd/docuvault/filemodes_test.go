package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDataDirIsPrivate starts the binary with the common umask 022 and checks
// that DATA_DIR and everything the server wrote into it (database with its
// -wal and -shm, secrets, document files, the PDF engine's cache) can be read
// by its own account only.
func TestDataDirIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)

	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, "DATA_DIR="+dataDir)
	c := newClient(t, p.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "modes@example.com", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "modes@example.com", "password": "a long enough passphrase"}, 200)["access_token"].(string)
	pdf, err := os.ReadFile("../../internal/extract/testdata/hello.pdf")
	if err != nil {
		t.Fatal(err)
	}
	c.waitReady(c.upload("private.txt", []byte("Private letter about the family's health insurance."))["id"].(string))
	c.waitReady(c.upload("hello.pdf", pdf)["id"].(string))
	if strings.Contains(p.logs.String(), "DATA_DIR is open") {
		t.Fatalf("warned about a DATA_DIR it created itself:\n%s", p.logs)
	}

	seen := map[string]bool{}
	err = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, path)
		seen[rel] = true
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %04o: readable by other local accounts", rel, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".", "docuvault.db", "docuvault.db-wal", "docuvault.db-shm", "secret_key", "cloud_creds_key"} {
		if !seen[name] {
			t.Errorf("%s not found in DATA_DIR (walked %d entries)", name, len(seen))
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d entries in DATA_DIR: the document files were not checked", len(seen))
	}
	p.stop(t)
}

// TestOpenDataDirWarnsAndDatabaseIsTightened starts the binary on a DATA_DIR
// an operator left open (0755) holding a database created 0644 by an earlier
// version: the start warns, names the fix, and the database files become 0600.
func TestOpenDataDirWarnsAndDatabaseIsTightened(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, "DATA_DIR="+dataDir)
	p.stop(t)
	if err := os.Chmod(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"docuvault.db", "docuvault.db-wal", "docuvault.db-shm"} {
		if err := os.Chmod(filepath.Join(dataDir, name), 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	p = startServe(t, "DATA_DIR="+dataDir)
	logs := p.logs.String()
	if !strings.Contains(logs, "DATA_DIR is open to other local accounts") || !strings.Contains(logs, "chmod 700") {
		t.Fatalf("no warning for a DATA_DIR open to others:\n%s", logs)
	}
	for _, name := range []string{"docuvault.db", "docuvault.db-wal", "docuvault.db-shm"} {
		st, err := os.Stat(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s still %04o after a start", name, st.Mode().Perm())
		}
	}
	p.stop(t)
}

// TestExportRefusesAFolderNotItsOwn: `docuvault export DIR` refuses a folder
// holding unrelated files or another instance's export, says why, and
// leaves it alone; its own earlier export is resumed.
func TestExportRefusesAFolderNotItsOwn(t *testing.T) {
	env := []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data")}
	other := []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "other")}
	for _, e := range [][]string{env, other} {
		if _, stderr, code := runCommand(t, e, "migrate"); code != 0 {
			t.Fatalf("migrate: %s", stderr)
		}
	}
	busy := t.TempDir()
	if err := os.WriteFile(filepath.Join(busy, "manifest.json"), []byte(`{"mine":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCommand(t, env, "export", busy)
	if code == 0 || !strings.Contains(stderr, "manifest.json") || !strings.Contains(stderr, "export into an empty folder") {
		t.Fatalf("export into a folder with a foreign manifest: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(busy, "manifest.json")); string(b) != `{"mine":true}` {
		t.Fatalf("the foreign manifest was replaced: %s", b)
	}

	dir := filepath.Join(t.TempDir(), "backup")
	for range 2 {
		if _, stderr, code := runCommand(t, env, "export", dir); code != 0 {
			t.Fatalf("export into its own folder: exit %d\n%s", code, stderr)
		}
	}
	_, stderr, code = runCommand(t, other, "export", dir)
	if code == 0 || !strings.Contains(stderr, "another DocuVault instance") {
		t.Fatalf("another instance exporting into this folder: exit %d\n%s", code, stderr)
	}
}
