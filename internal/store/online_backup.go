package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
)

// ErrBackupUnsupported is returned by BackupSQLite on PostgreSQL.
var ErrBackupUnsupported = errors.New("store: online SQLite backup of a PostgreSQL database; use pg_dump or `docuvault export`")

// ErrBackupExists is returned by BackupSQLite when the destination exists.
var ErrBackupExists = errors.New("store: backup destination already exists")

// BackupSQLite writes a consistent copy of the whole SQLite database (users,
// documents, texts, the full-text index, jobs, audit) to destPath with
// VACUUM INTO, while the application keeps reading and writing: the copy is
// the snapshot of one read transaction, and writers are not blocked. The
// file is created with mode 0600 and synced; an existing destPath is never
// overwritten (ErrBackupExists). On PostgreSQL it returns
// ErrBackupUnsupported. Document bytes (DATA_DIR/blobs) and the secret files
// are not in the database: copy them too.
func (s *Store) BackupSQLite(ctx context.Context, destPath string) error {
	if s.dialect != SQLite {
		return ErrBackupUnsupported
	}
	if destPath == "" {
		return errors.New("store: backup destination is empty")
	}
	// An empty file created exclusively claims the name (VACUUM INTO accepts
	// an empty file) and fixes its mode before any data is written.
	f, err := os.OpenFile(destPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrBackupExists, destPath)
	}
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	f.Close()
	if err := s.vacuumInto(ctx, destPath); err != nil {
		os.Remove(destPath)
		return err
	}
	if err := syncFile(destPath); err != nil {
		os.Remove(destPath)
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// vacuumInto runs VACUUM INTO on a connection of its own, so that neither the
// single writer nor a query_only reader is tied up for the whole copy.
func (s *Store) vacuumInto(ctx context.Context, destPath string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: s.path}).EscapedPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, destPath); err != nil {
		return fmt.Errorf("store: backup into %s: %w", destPath, err)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
