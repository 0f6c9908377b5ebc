package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// addIndexedDoc commits, in one transaction, a document with its usage, its
// text and its index entry, so that every snapshot must show all of them or
// none. The text holds the word "uniq<n>".
func addIndexedDoc(ctx context.Context, s *store.Store, owner string, n int) (*model.Document, error) {
	d := &model.Document{OwnerID: owner, Title: fmt.Sprintf("Report %d", n), OriginalFilename: "r.txt", MIMEType: "text/plain",
		SizeBytes: int64(100 + n), SHA256: fmt.Sprintf("%064x", n), BlobKey: fmt.Sprintf("%s/%d/r.txt", owner, n)}
	text := fmt.Sprintf("online backup marker uniq%d ", n) + strings.Repeat("filler words for a longer body ", 60)
	return d, s.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.ChargeUsage(ctx, owner, d.SizeBytes, 1); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		return tx.SaveExtraction(ctx, d.ID, model.Extraction{Text: text, PageCount: 1})
	})
}

// TestBackupSQLiteWhileWriting copies the database while a writer keeps
// committing documents and while a write transaction is held open, then opens
// each copy as a Store and finds it consistent: users, documents, usage
// counters, and the FTS5 index (rowid = documents.seq) answering MATCH.
func TestBackupSQLiteWhileWriting(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite)
	u := mkUser(t, s, "owner@backup.test", 0, 0)
	const seeded = 150
	for i := range seeded {
		if _, err := addIndexedDoc(ctx, s, u.ID, i); err != nil {
			t.Fatal(err)
		}
	}

	// Phase 1: a writer commits documents before, during and after the backup.
	stop := make(chan struct{})
	first := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := seeded; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := addIndexedDoc(ctx, s, u.ID, n); err != nil {
				writeErr = err
				return
			}
			if n == seeded {
				close(first)
			}
		}
	}()
	<-first
	dir := t.TempDir()
	dest := filepath.Join(dir, "during-writes.db")
	backupErr := s.BackupSQLite(ctx, dest)
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("writes during the backup: %v", writeErr)
	}
	if backupErr != nil {
		t.Fatalf("backup during writes: %v", backupErr)
	}
	docs := checkBackup(t, dest, u.ID)
	if docs < seeded+1 {
		t.Fatalf("backup holds %d documents; at least %d were committed before it began", docs, seeded+1)
	}

	// Phase 2: the backup neither waits for nor sees an open write transaction.
	dest2 := filepath.Join(dir, "open-tx.db")
	var pending *model.Document
	err := s.WithTx(ctx, func(tx *store.Store) error {
		pending = &model.Document{OwnerID: u.ID, Title: "Uncommitted", OriginalFilename: "u.txt", MIMEType: "text/plain",
			SizeBytes: 7, SHA256: strings.Repeat("cd", 32), BlobKey: u.ID + "/pending/u.txt"}
		if err := tx.ChargeUsage(ctx, u.ID, 7, 1); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, pending); err != nil {
			return err
		}
		// A backup that needed the writer would wait for this very
		// transaction; the deadline turns that deadlock into a failure.
		bctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return s.BackupSQLite(bctx, dest2)
	})
	if err != nil {
		t.Fatalf("backup with a write transaction open: %v", err)
	}
	checkBackup(t, dest2, u.ID)
	cp := openCopy(t, dest2)
	if _, err := cp.Document(ctx, u.ID, pending.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the copy holds a document committed after its snapshot: %v", err)
	}
	if _, err := s.Document(ctx, u.ID, pending.ID); err != nil {
		t.Fatalf("the original lost the document committed during the backup: %v", err)
	}

	// The copy is a working database of its own.
	if err := cp.Migrate(ctx, ""); err != nil {
		t.Fatalf("migrate the copy: %v", err)
	}
	if _, err := addIndexedDoc(ctx, cp, u.ID, 100000); err != nil {
		t.Fatalf("write to the copy: %v", err)
	}
	if fi, err := os.Stat(dest2); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file mode: %v %v; want 0600", fi.Mode(), err)
	}
}

func openCopy(t *testing.T, path string) *store.Store {
	t.Helper()
	cp, err := store.Open(context.Background(), store.Options{SQLitePath: path})
	if err != nil {
		t.Fatalf("open backup %s: %v", path, err)
	}
	t.Cleanup(func() { cp.Close() })
	return cp
}

// checkBackup opens the copy and checks its consistency; it returns how many
// documents it holds.
func checkBackup(t *testing.T, path, owner string) int {
	t.Helper()
	ctx := context.Background()
	cp := openCopy(t, path)
	db := cp.DB()
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check of the copy: %q %v", ok, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO document_search (document_search, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("FTS5 integrity-check against its content in the copy: %v", err)
	}
	if n, err := cp.CountUsers(ctx); err != nil || n != 1 {
		t.Fatalf("users in the copy: %d %v", n, err)
	}
	if drifts, err := cp.UsageDrifts(ctx); err != nil || len(drifts) != 0 {
		t.Fatalf("usage counters in the copy disagree with its documents: %+v %v", drifts, err)
	}
	if ids, err := cp.Unindexed(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("documents without an index entry in the copy: %v %v", ids, err)
	}
	var docIDs []string
	if err := cp.AllDocuments(ctx, func(d *model.Document) error {
		docIDs = append(docIDs, d.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	u, err := cp.UserByID(ctx, owner)
	if err != nil || u.DocumentCount != int64(len(docIDs)) {
		t.Fatalf("owner in the copy: %+v %v; %d documents", u, err, len(docIDs))
	}

	// MATCH in the copy, joined on rowid = documents.seq: every document once.
	rows, err := db.QueryContext(ctx, `SELECT d.id FROM document_search
		JOIN documents d ON d.seq = document_search.rowid WHERE document_search MATCH 'marker'`)
	if err != nil {
		t.Fatalf("MATCH in the copy: %v", err)
	}
	var matched []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		matched = append(matched, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	sort.Strings(matched)
	sort.Strings(docIDs)
	if strings.Join(matched, ",") != strings.Join(docIDs, ",") {
		t.Fatalf("MATCH 'marker' in the copy found %d documents, the copy holds %d", len(matched), len(docIDs))
	}

	// One word of one document finds exactly it through the Store's search.
	hits, _, err := cp.SearchDocuments(ctx, owner, words("uniq42"), store.DocumentFilter{}, store.Page{})
	if err != nil || len(hits) != 1 || hits[0].Title != "Report 42" {
		t.Fatalf("search uniq42 in the copy: %d hits, %v", len(hits), err)
	}
	return len(docIDs)
}

func TestBackupSQLiteRefuses(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite)
	dir := t.TempDir()

	existing := filepath.Join(dir, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dest string
		want       error // nil: any error
	}{
		{"existing file", existing, store.ErrBackupExists},
		{"existing empty file", empty, store.ErrBackupExists},
		{"existing directory", dir, store.ErrBackupExists},
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "b.db"), nil},
		{"empty path", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.BackupSQLite(ctx, tt.dest)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("BackupSQLite(%q) = %v; want %v", tt.dest, err, tt.want)
			}
		})
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != "keep me" {
		t.Fatalf("an existing file was touched: %q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "no")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed backup left files behind: %v", err)
	}

	t.Run("postgres", func(t *testing.T) {
		pg := storetest.Open(t, store.Postgres)
		dest := filepath.Join(t.TempDir(), "pg.db")
		err := pg.BackupSQLite(ctx, dest)
		if !errors.Is(err, store.ErrBackupUnsupported) || !strings.Contains(err.Error(), "pg_dump") || !strings.Contains(err.Error(), "docuvault export") {
			t.Fatalf("BackupSQLite on PostgreSQL = %v", err)
		}
		if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a refused backup created %s: %v", dest, err)
		}
	})
}
