package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/store"
)

const backupSQLiteSummary = "online backup of the embedded default (SQLite database, local document files, generated secrets) into a new folder"

// secretFiles are the secrets EnsureSecrets generates into DATA_DIR.
var secretFiles = []string{"secret_key", "cloud_creds_key"}

func runBackupSQLite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flags("backup-sqlite", backupSQLiteSummary, stderr)
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: docuvault backup-sqlite DEST\n\n"+
			"Writes a consistent copy of the embedded default into the new folder DEST while DocuVault keeps\n"+
			"running: the SQLite database (VACUUM INTO, one snapshot), every file under DATA_DIR/blobs and the\n"+
			"generated secret files. DEST is laid out like DATA_DIR: to restore, stop DocuVault and start it\n"+
			"with DATA_DIR=DEST (or copy DEST's contents into an empty DATA_DIR). Every document in the copied\n"+
			"database is checked to have its file in the copy. On PostgreSQL use pg_dump or 'docuvault export'.\n"+
			"Configuration comes from the environment (see 'docuvault --help').\n")
	}
	pos, err := parseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: docuvault backup-sqlite DEST")
	}
	dest := pos[0]
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.UsesPostgres() {
		return fmt.Errorf("DATABASE_URL is PostgreSQL: %w", store.ErrBackupUnsupported)
	}
	if _, err := os.Stat(cfg.SQLitePath()); err != nil {
		return fmt.Errorf("no DocuVault database at %s (is DATA_DIR right?): %w", cfg.SQLitePath(), err)
	}
	if err := newEmptyDir(dest); err != nil {
		return err
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: cfg.SQLitePath()})
	if err != nil {
		return err
	}
	defer st.Close()

	// Document files are written before their row commits and never
	// changed; they are removed only by purges. Copying them before the
	// snapshot gets every file a purge could remove meanwhile, copying again
	// after it gets the files of documents added meanwhile.
	destBlobs := filepath.Join(dest, "blobs")
	var files int
	var bytes int64
	if !cfg.UsesS3() {
		n, b, err := copyTree(ctx, cfg.BlobDir(), destBlobs, stderr)
		if err != nil {
			return err
		}
		files, bytes = n, b
	}
	fmt.Fprintln(stderr, "copying the database")
	if err := st.BackupSQLite(ctx, filepath.Join(dest, "docuvault.db")); err != nil {
		return err
	}
	if !cfg.UsesS3() {
		n, b, err := copyTree(ctx, cfg.BlobDir(), destBlobs, stderr)
		if err != nil {
			return err
		}
		files, bytes = files+n, bytes+b
	}
	var secrets []string
	for _, name := range secretFiles {
		src := filepath.Join(cfg.DataDir, name)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := copyFile(src, filepath.Join(dest, name)); err != nil {
			return err
		}
		secrets = append(secrets, name)
	}
	docs, err := verifyBackup(ctx, dest, cfg)
	if err != nil {
		return err
	}
	syncDir(dest)

	fmt.Fprintf(stdout, "backup written to %s: database with %d documents", dest, docs)
	if cfg.UsesS3() {
		fmt.Fprintf(stdout, "; document files are in the S3 bucket %q and are NOT in this backup (back the bucket up too)", cfg.MinioBucket)
	} else {
		fmt.Fprintf(stdout, ", %d document files (%d bytes) copied, every document's file verified", files, bytes)
	}
	if len(secrets) > 0 {
		fmt.Fprintf(stdout, ", secrets %s", strings.Join(secrets, " and "))
	}
	fmt.Fprintln(stdout)
	if len(secrets) < len(secretFiles) {
		fmt.Fprintln(stdout, "note: SECRET_KEY and/or CLOUD_CREDS_KEY come from the environment; keep them with the backup (stored cloud credentials cannot be read without CLOUD_CREDS_KEY)")
	}
	fmt.Fprintf(stdout, "restore: stop DocuVault, then start it with DATA_DIR=%s (or copy the folder's contents into an empty DATA_DIR)\n", dest)
	return nil
}

// newEmptyDir creates dir (0700), or accepts an existing empty one.
func newEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s already exists and is not empty; a backup never overwrites anything", dir)
	}
	return nil
}

// copyTree copies the regular files under src that dst does not have yet
// (same relative path and size), skipping the blob store's .tmp folder of
// uploads in progress. It returns how many files and bytes it copied.
func copyTree(ctx context.Context, src, dst string, progress io.Writer) (int, int64, error) {
	var n int
	var total int64
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != src {
				return nil // removed (purged) while we walk
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == ".tmp" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if have, err := os.Stat(target); err == nil && have.Size() == info.Size() {
			return nil
		}
		if err := copyFile(p, target); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		n++
		total += info.Size()
		if progress != nil && n%100 == 0 {
			fmt.Fprintf(progress, "\rcopied %d document files (%d bytes)", n, total)
		}
		return nil
	})
	if progress != nil && n >= 100 {
		fmt.Fprintln(progress)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil // no blobs folder yet: nothing was ever uploaded
	}
	return n, total, err
}

// copyFile copies src to dst (mode 0600) through a synced temp file.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".copy-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// verifyBackup opens the copied database and checks that every document
// kept in system storage has its file, of the right size, in the copy. It
// returns the number of documents.
func verifyBackup(ctx context.Context, dest string, cfg *config.Config) (int, error) {
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(dest, "docuvault.db")})
	if err != nil {
		return 0, fmt.Errorf("open the copied database: %w", err)
	}
	defer st.Close()
	var docs int
	var bad []string
	err = st.AllDocuments(ctx, func(d *store.Document) error {
		docs++
		if cfg.UsesS3() || d.StorageState == store.StoragePlaced {
			return nil
		}
		info, err := os.Stat(filepath.Join(dest, "blobs", filepath.FromSlash(d.BlobKey)))
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("document %s (%s): file missing from the copy", d.ID, d.BlobKey))
		case info.Size() != d.SizeBytes:
			bad = append(bad, fmt.Sprintf("document %s (%s): %d bytes in the copy, %d expected", d.ID, d.BlobKey, info.Size(), d.SizeBytes))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("verify the copy: %w", err)
	}
	if len(bad) > 0 {
		return docs, fmt.Errorf("the backup is incomplete (a document was deleted during the copy? run it again into a new folder):\n  %s", strings.Join(bad, "\n  "))
	}
	return docs, nil
}
