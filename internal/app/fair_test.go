package app

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// hostileDOCXs are n different DOCX files of about 400 KB, each holding a
// word/document.xml of one 400 MB word ("AAAA..."): the file that kept a
// worker busy for hours. The big entry is compressed once and copied raw.
func hostileDOCXs(t *testing.T, n int) [][]byte {
	t.Helper()
	head := []byte(`<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body><w:p><w:r><w:t>`)
	tail := []byte(`</w:t></w:r></w:p></w:body></w:document>`)
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestCompression)
	crc := crc32.NewIEEE()
	size := 0
	write := func(p []byte) {
		fw.Write(p)
		crc.Write(p)
		size += len(p)
	}
	write(head)
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for range 400 {
		write(chunk)
	}
	write(tail)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		ct, _ := zw.Create("[Content_Types].xml")
		fmt.Fprintf(ct, `<?xml version="1.0"?><Types xmlns="urn:ct"><!-- copy %d --></Types>`, i)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, CRC32: crc.Sum32(),
			CompressedSize64: uint64(packed.Len()), UncompressedSize64: uint64(size)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(packed.Bytes())
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		out[i] = buf.Bytes()
	}
	return out
}

// TestProcessingQueueIsFairBetweenUsers runs the real pipeline with real
// workers (2): while user A's ten hostile uploads hold both workers, user
// B's small text file is queued and becomes ready after at most a job or two
// of A's, not after all ten (A's backlog waits at a lower priority).
func TestProcessingQueueIsFairBetweenUsers(t *testing.T) {
	bombs := hostileDOCXs(t, 10)
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dataDir := t.TempDir()
			// Share the compiled PDFium between runs (internal/pipeline's tests use the same cache).
			if err := os.MkdirAll(filepath.Join(dataDir, "cache"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(os.TempDir(), "docuvault-test-wazero"), filepath.Join(dataDir, "cache", "wazero")); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"DATA_DIR": dataDir, "HIBP_URL": "off", "WORKERS": "2"}
			if d == store.Postgres {
				env["DATABASE_URL"] = storetest.PostgresURL(t)
			}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler), Options{Migrate: true, RunWorkers: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := a.Jobs.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer func() {
				sctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				a.Jobs.Stop(sctx)
			}()
			user := func(email string) *model.User {
				u := &model.User{Email: email, PasswordHash: "x"}
				if err := a.Store.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				return u
			}
			attacker, victim := user("attacker@example.com"), user("victim@example.com")

			dir := t.TempDir()
			for i, b := range bombs {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("bomb%02d.docx", i)), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if st, err := a.Documents.ImportFolder(ctx, document.Actor{UserID: attacker.ID}, dir, nil); err != nil || st.Imported != 10 {
				t.Fatalf("attacker's uploads: %+v %v", st, err)
			}
			// Both workers busy with A's files before B uploads.
			waitUntil(t, "two running jobs", func() bool {
				running, _, err := a.Jobs.ListJobs(ctx, []string{"running"}, 10, "")
				return err == nil && len(running) >= 2
			})
			vdir := t.TempDir()
			if err := os.WriteFile(filepath.Join(vdir, "note.txt"), []byte("the Zanzibar contract renews in March\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if st, err := a.Documents.ImportFolder(ctx, document.Actor{UserID: victim.ID}, vdir, nil); err != nil || st.Imported != 1 {
				t.Fatalf("victim's upload: %+v %v", st, err)
			}
			list := func(u *model.User) []*model.Document {
				docs, _, err := a.Store.ListDocuments(ctx, u.ID, store.DocumentFilter{}, store.Page{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				return docs
			}
			finished := func(docs []*model.Document) int {
				n := 0
				for _, d := range docs {
					if d.Status != model.StatusProcessing {
						n++
					}
				}
				return n
			}
			waitUntil(t, "the victim's document", func() bool { return finished(list(victim)) == 1 })
			done := finished(list(attacker))
			if v := list(victim)[0]; v.Status != model.StatusReady {
				t.Fatalf("victim's document: %s %q", v.Status, v.Error)
			}
			t.Logf("the victim's document was ready after %d of the attacker's 10", done)
			if done >= 5 {
				t.Fatalf("the victim's document waited for %d of the attacker's 10 hostile files", done)
			}
			// A's files all end too (ready with their text cut, or failed).
			waitUntil(t, "the attacker's documents", func() bool { return finished(list(attacker)) == 10 })
		})
	}
}

// waitUntil polls ok until it holds, failing the test after two minutes.
func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestJobPriorityFollowsBacklog: a user's first document waiting for
// processing is queued at priority 1, the next at 2 and 3, every later one
// at 4, whatever other users have queued; classification queues one
// priority after the owner's documents still waiting.
func TestJobPriorityFollowsBacklog(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			env := map[string]string{"DATA_DIR": t.TempDir(), "HIBP_URL": "off"}
			if d == store.Postgres {
				env["DATABASE_URL"] = storetest.PostgresURL(t)
			}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler), Options{Migrate: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := a.Jobs.Start(ctx); err != nil {
				t.Fatal(err)
			}
			importFiles := func(email string, n int) *model.User {
				u := &model.User{Email: email, PasswordHash: "x"}
				if err := a.Store.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				for i := range n {
					name := filepath.Join(dir, fmt.Sprintf("%02d.txt", i))
					if err := os.WriteFile(name, fmt.Appendf(nil, "note %d of %s\n", i, email), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				if st, err := a.Documents.ImportFolder(ctx, document.Actor{UserID: u.ID}, dir, nil); err != nil || st.Imported != n {
					t.Fatalf("import: %+v %v", st, err)
				}
				return u
			}
			busy := importFiles("busy@example.com", 6)
			other := importFiles("other@example.com", 1)
			priorities := func(kind string) map[string][]int {
				col := "args"
				if d == store.SQLite {
					col = "json(args)" // River keeps SQLite's args as JSONB
				}
				rows, err := a.Store.DB().QueryContext(ctx, `SELECT priority, `+col+` FROM river_job WHERE kind = $1 ORDER BY id`, kind)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				byOwner := map[string][]int{}
				for rows.Next() {
					var p int
					var args []byte
					if err := rows.Scan(&p, &args); err != nil {
						t.Fatal(err)
					}
					var job lifecycle.ProcessArgs
					if err := json.Unmarshal(args, &job); err != nil {
						t.Fatal(err)
					}
					doc, err := a.Store.DocumentForJob(ctx, job.DocumentID)
					if err != nil {
						t.Fatal(err)
					}
					byOwner[doc.OwnerID] = append(byOwner[doc.OwnerID], p)
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				return byOwner
			}
			got := priorities("document.process")
			if fmt.Sprint(got[busy.ID]) != "[1 2 3 4 4 4]" || fmt.Sprint(got[other.ID]) != "[1]" {
				t.Fatalf("process priorities: busy %v, other %v", got[busy.ID], got[other.ID])
			}

			// Classification of a ready document: after the owner's backlog.
			docs, _, err := a.Store.ListDocuments(ctx, busy.ID, store.DocumentFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range docs[:2] {
				if err := a.Store.SaveExtraction(ctx, d.ID, model.Extraction{Text: "done"}); err != nil {
					t.Fatal(err)
				}
				if err := a.Documents.Classify(ctx, document.Actor{UserID: busy.ID}, d.ID); err != nil {
					t.Fatalf("classify %d: %v", i, err)
				}
			}
			od, _, _ := a.Store.ListDocuments(ctx, other.ID, store.DocumentFilter{}, store.Page{})
			if err := a.Store.SaveExtraction(ctx, od[0].ID, model.Extraction{Text: "done"}); err != nil {
				t.Fatal(err)
			}
			if err := a.Documents.Classify(ctx, document.Actor{UserID: other.ID}, od[0].ID); err != nil {
				t.Fatal(err)
			}
			got = priorities("document.classify")
			if fmt.Sprint(got[busy.ID]) != "[4 4]" || fmt.Sprint(got[other.ID]) != "[1]" {
				t.Fatalf("classify priorities: busy %v, other %v", got[busy.ID], got[other.ID])
			}
		})
	}
}
