package main

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestImportFolder: `docuvault import-folder DIR --user EMAIL` run beside a
// live server uploads every file once (sub-folders, not hidden ones),
// skips duplicates and refused files with a reason, resumes on a second
// run, and the server processes what the CLI queued: on the embedded
// default and on PostgreSQL (where a CLI process only inserts jobs).
func TestImportFolder(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "HIBP_URL=off"}
			if engine == "postgres" {
				env = append(env, "DATABASE_URL="+storetest.PostgresURL(t))
			}
			p := startServe(t, env...)
			defer p.stop(t)
			reg := newClient(t, p.addr)
			reg.json("POST", "/api/auth/register", map[string]any{"email": "folder@example.com", "password": crashUserPassword}, 201)

			dir := t.TempDir()
			files := map[string]string{
				"a-invoice.txt":         "Invoice 2026-17 for the quokka sanctuary.\n",
				"c-copy-of-invoice.txt": "Invoice 2026-17 for the quokka sanctuary.\n", // same content: a duplicate
				"d-program.bin":         "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00",
				"sub/b-letter.txt":      "A letter about the wombat lease.\n",
				".hidden.txt":           "never imported\n",
				"sub/.git/config":       "never imported\n",
			}
			for name, content := range files {
				path := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}

			out, errs, code := runCommand(t, env, "import-folder", dir, "--user", "folder@example.com")
			if code != 0 || !strings.Contains(out, "2 imported") || !strings.Contains(out, "1 already there") || !strings.Contains(out, "1 refused") {
				t.Fatalf("import-folder: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if !strings.Contains(out, "d-program.bin") || !strings.Contains(errs, "4/4 files") {
				t.Fatalf("no reason for the refused file or no progress:\nstdout:\n%s\nstderr:\n%s", out, errs)
			}
			// Run again: nothing new, everything recognised.
			out, errs, code = runCommand(t, env, "import-folder", "--user", "folder@example.com", dir)
			if code != 0 || !strings.Contains(out, "0 imported") || !strings.Contains(out, "3 already there") {
				t.Fatalf("second import-folder: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}

			c := login(t, p.addr, "folder@example.com", crashUserPassword)
			docs := waitSettled(c, 3*time.Minute, nil, nil)
			want := map[string]string{"a-invoice.txt": files["a-invoice.txt"], "b-letter.txt": files["sub/b-letter.txt"]}
			if len(docs) != len(want) {
				t.Fatalf("the user has %d documents, want %d: %v", len(docs), len(want), docs)
			}
			for id, d := range docs {
				content, ok := want[d["original_filename"].(string)]
				if !ok || d["status"] != "ready" {
					t.Fatalf("document %s: %v %v %v", id, d["original_filename"], d["status"], d["error"])
				}
				if code, sum, _ := downloadSum(c, id); code != 200 || sum != sha256.Sum256([]byte(content)) {
					t.Fatalf("download of %v: %d, not the file's bytes", d["original_filename"], code)
				}
			}
			found := c.json("GET", "/api/documents?q=wombat", nil, 200)["items"].([]any)
			if len(found) != 1 {
				t.Fatalf("search for a word of an imported file: %v", found)
			}

			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"import-folder", dir, "--user", "nobody@example.com"}, "no account"},
				{[]string{"import-folder", dir}, "usage: docuvault import-folder --user EMAIL DIR"},
				{[]string{"import-folder", filepath.Join(dir, "missing"), "--user", "folder@example.com"}, "does not exist"},
			} {
				if _, errs, code := runCommand(t, env, tc.args...); code != 1 || !strings.Contains(errs, tc.want) {
					t.Errorf("%v: exit %d, stderr %q; want 1 and %q", tc.args, code, errs, tc.want)
				}
			}
			checkOK(t, env)
		})
	}
}
