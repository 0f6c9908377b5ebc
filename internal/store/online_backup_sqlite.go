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

// backupSQLite is BackupSQLite on SQLite.
func (s *Store) backupSQLite(ctx context.Context, destPath string) error {
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
