package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestInsertOnlyProcessEnqueuesEveryKind: a process that does not work jobs
// (a CLI command, serve with workers elsewhere) still enqueues every job
// kind, on both engines, and works none of them.
func TestInsertOnlyProcessEnqueuesEveryKind(t *testing.T) {
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

			// The path of import-folder: a document committed by a CLI
			// process queues its processing job.
			u := &model.User{Email: "insert-only@example.com", PasswordHash: "x"}
			if err := a.Store.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "note.txt"), []byte("a note from an insert-only process\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			st, err := a.Documents.ImportFolder(ctx, document.Actor{UserID: u.ID}, dir, nil)
			if err != nil || st.Imported != 1 {
				t.Fatalf("import folder without workers: %+v %v", st, err)
			}

			for _, args := range []jobs.Args{
				lifecycle.ProcessArgs{DocumentID: "d1"}, lifecycle.ClassifyArgs{DocumentID: "d1"}, cleanupArgs{}, purgeArgs{},
				auditExportArgs{}, mailArgs{To: "x@example.com", Subject: "s", Text: "t"},
				lifecycle.PlaceArgs{DocumentID: "d1"}, lifecycle.MigrateArgs{UserID: u.ID}, lifecycle.DrainArgs{AccountID: "a1"},
			} {
				if _, err := a.Jobs.Enqueue(ctx, args, nil); err != nil {
					t.Errorf("enqueue %s without workers: %v", args.Kind(), err)
				}
			}
			list, _, err := a.Jobs.ListJobs(ctx, nil, 100, "")
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]bool{}
			for _, j := range list {
				kinds[j.Kind] = true
				if j.State != "available" {
					t.Errorf("job %d %s is %s in a process that works no jobs", j.ID, j.Kind, j.State)
				}
			}
			if !kinds["document.process"] || len(kinds) != 9 {
				t.Fatalf("queued kinds: %v", kinds)
			}
		})
	}
}

// TestCleanupJobSweepsStaleTempFiles: the periodic cleanup job removes
// temp files of local puts cut by a crash while the server keeps running.
func TestCleanupJobSweepsStaleTempFiles(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir(), "HIBP_URL": "off"}
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
	stale := filepath.Join(cfg.BlobDir(), ".tmp", "put-cut-by-a-crash")
	fresh := filepath.Join(cfg.BlobDir(), ".tmp", "put-in-progress")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if err := cleanup(a.Documents, a.Blobs)(ctx, &jobs.Job[cleanupArgs]{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Fatal("the cleanup job left a stale temp file")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("the cleanup job removed a put in progress: %v", err)
	}
}
