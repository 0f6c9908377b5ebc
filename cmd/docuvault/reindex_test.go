package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestReindexCommandEmbedded(t *testing.T) {
	dir := t.TempDir()
	reindexSuite(t, []string{"DATA_DIR=" + dir, "HIBP_URL=off"}, store.Options{SQLitePath: filepath.Join(dir, "docuvault.db")})
}

func TestReindexCommandPostgres(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	reindexSuite(t, []string{"DATA_DIR=" + t.TempDir(), "HIBP_URL=off", "DATABASE_URL=" + dbURL}, store.Options{DatabaseURL: dbURL})
}

// reindexSuite: documents uploaded through the server, the index emptied
// behind its back, `docuvault reindex` brings search back; the state a
// crash after the first batch leaves (position saved, later entries
// missing) is resumed from that position.
func reindexSuite(t *testing.T, env []string, so store.Options) {
	ctx := context.Background()
	p := startServe(t, env...)
	c := newClient(t, p.addr)
	c.json("POST", "/api/auth/register", map[string]any{"email": "reindex@example.com", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "reindex@example.com", "password": "a long enough passphrase"}, 200)["access_token"].(string)
	for i := range 3 {
		d := c.upload(fmt.Sprintf("note%d.txt", i), fmt.Appendf(nil, "Kumquat harvest report number %d.\n", i))
		c.waitReady(d["id"].(string))
	}
	found := func(p *proc) int {
		t.Helper()
		c.base = p.addr
		return len(c.json("GET", "/api/documents?q=kumquat", nil, 200)["items"].([]any))
	}
	if n := found(p); n != 3 {
		t.Fatalf("before: %d found", n)
	}
	p.stop(t)

	st, err := store.Open(ctx, so)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	exec1 := func(q string, args ...any) {
		t.Helper()
		if _, err := st.DB().ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec1(`DELETE FROM document_search`)

	reindex := func(args ...string) (string, string, error) {
		cmd := exec.Command(binPath, append([]string{"reindex"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	if _, stderr, err := reindex("extra"); err == nil || !strings.Contains(stderr, "usage: docuvault reindex") {
		t.Fatalf("reindex with an argument: %v %s", err, stderr)
	}
	stdout, stderr, err := reindex("--batch", "2")
	if err != nil || !strings.Contains(stdout, "reindexed 3 documents") || !strings.Contains(stderr, "reindex: 3/3 documents (100%)") {
		t.Fatalf("reindex: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	p = startServe(t, env...)
	if n := found(p); n != 3 {
		t.Fatalf("after reindex: %d found", n)
	}
	p.stop(t)

	// What a crash after the first batch of one leaves behind.
	var first string
	if err := st.DB().QueryRowContext(ctx, `SELECT MIN(id) FROM documents`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	if st.Dialect() == store.SQLite {
		exec1(`DELETE FROM document_search WHERE rowid <> (SELECT seq FROM documents WHERE id = $1)`, first)
	} else {
		exec1(`DELETE FROM document_search WHERE document_id <> $1`, first)
	}
	exec1(`INSERT INTO maintenance_state (name, value, updated_at) VALUES ('reindex.after', $1, CURRENT_TIMESTAMP)`, first)
	stdout, stderr, err = reindex("--batch", "1")
	if err != nil || !strings.Contains(stderr, "resuming an interrupted run after 1 documents") ||
		!strings.Contains(stderr, "reindex: 3/3 documents") || !strings.Contains(stdout, "reindexed 3 documents") {
		t.Fatalf("resumed reindex: %v\nstdout: %s\nstderr: %s", err, stdout, stderr)
	}
	p = startServe(t, env...)
	if n := found(p); n != 3 {
		t.Fatalf("after resumed reindex: %d found", n)
	}
	p.stop(t)
}
