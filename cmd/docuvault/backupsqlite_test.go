package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestBackupSQLite: `docuvault backup-sqlite DEST` copies a running
// embedded instance while uploads go on; the folder starts as a DocuVault of
// its own with every document acknowledged before the backup began, byte
// for byte, the same secrets (a token signed before still works) and a
// clean `docuvault check`.
func TestBackupSQLite(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := []string{"DATA_DIR=" + data, "HIBP_URL=off"}
	p := startServe(t, env...)
	reg := newClient(t, p.addr)
	reg.json("POST", "/api/auth/register", map[string]any{"email": "backup@example.com", "password": crashUserPassword}, 201)
	c := login(t, p.addr, "backup@example.com", crashUserPassword)

	want := map[string][32]byte{}
	for i := range 6 {
		g := genPDF{Label: fmt.Sprintf("Backup PDF %d", i), Pad: int64(i) * 300 << 10, Seed: uint64(i)}
		body, _ := io.ReadAll(g.Reader())
		d := c.upload(fmt.Sprintf("before-%d.pdf", i), body)
		want[d["id"].(string)] = sha256.Sum256(body)
	}
	c.upload("note.txt", []byte("The backup note mentions the numbat registry.\n"))
	waitSettled(c, 2*time.Minute, nil, nil)

	// Uploads go on while the backup runs.
	stopUploads := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stopUploads:
				return
			default:
			}
			g := genPDF{Label: fmt.Sprintf("During %d", i), Pad: 64 << 10, Seed: uint64(100 + i)}
			if code, body, err := rawUpload(c.hc, c.base, c.token, fmt.Sprintf("during-%d.pdf", i), g.Reader()); err != nil || code != 201 {
				t.Errorf("upload during the backup: %d %v %s", code, err, body)
				return
			}
		}
	}()
	dest := filepath.Join(t.TempDir(), "backup")
	out, errs, code := runCommand(t, env, "backup-sqlite", dest)
	close(stopUploads)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "every document's file verified") || !strings.Contains(out, "secrets secret_key and cloud_creds_key") {
		t.Fatalf("backup-sqlite: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	t.Logf("backup-sqlite: %s", out)
	if _, errs, code := runCommand(t, env, "backup-sqlite", dest); code != 1 || !strings.Contains(errs, "not empty") {
		t.Fatalf("backup-sqlite into a used folder: exit %d, %s", code, errs)
	}
	for _, name := range []string{"docuvault.db", "secret_key", "cloud_creds_key"} {
		info, err := os.Stat(filepath.Join(dest, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s in the backup: %v %v", name, info, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "blobs", ".tmp")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(dest, "blobs", ".tmp"))
		if len(entries) > 0 {
			t.Fatalf("uploads in progress were copied: %v", entries)
		}
	}
	p.stop(t)

	// The backup folder is a DocuVault of its own.
	restored := []string{"DATA_DIR=" + dest, "HIBP_URL=off"}
	checkOK(t, restored)
	r := startServe(t, restored...)
	defer r.stop(t)
	old := newClient(t, r.addr)
	old.token = c.token // same secret key: the token signed before the backup still works
	old.json("GET", "/api/me", nil, 200)
	rc := login(t, r.addr, "backup@example.com", crashUserPassword)
	docs := allDocuments(rc, "")
	for id, sum := range want {
		if _, ok := docs[id]; !ok {
			t.Fatalf("document %s acknowledged before the backup is not in it", id)
		}
		if code, got, _ := downloadSum(rc, id); code != 200 || got != sum {
			t.Fatalf("document %s from the backup: %d, not the bytes uploaded", id, code)
		}
	}
	if found := rc.json("GET", "/api/documents?q=numbat", nil, 200)["items"].([]any); len(found) != 1 {
		t.Fatalf("search in the restored instance: %v", found)
	}
}

// TestBackupSQLiteRefusals: on PostgreSQL the command says what to use
// instead; without a database it says where it looked.
func TestBackupSQLiteRefusals(t *testing.T) {
	pg := []string{"DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + storetest.PostgresURL(t)}
	if _, errs, code := runCommand(t, pg, "backup-sqlite", filepath.Join(t.TempDir(), "b")); code != 1 || !strings.Contains(errs, "PostgreSQL") || !strings.Contains(errs, "pg_dump") {
		t.Fatalf("backup-sqlite on PostgreSQL: exit %d, %s", code, errs)
	}
	empty := []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "nothing")}
	if _, errs, code := runCommand(t, empty, "backup-sqlite", filepath.Join(t.TempDir(), "b")); code != 1 || !strings.Contains(errs, "no DocuVault database") {
		t.Fatalf("backup-sqlite without a database: exit %d, %s", code, errs)
	}
	if _, errs, code := runCommand(t, empty, "backup-sqlite"); code != 1 || !strings.Contains(errs, "usage: docuvault backup-sqlite DEST") {
		t.Fatalf("backup-sqlite without DEST: exit %d, %s", code, errs)
	}
}
