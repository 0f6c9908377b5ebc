package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create database directory: %w", err)
	}
	if err := privateDatabaseFiles(path); err != nil {
		return nil, err
	}
	// busy_timeout comes before journal_mode so that switching to WAL waits
	// for another process instead of failing.
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	writer, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One writer connection: SQLite allows one writer at a time, and the job
	// engine requires it too.
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	reader.SetMaxOpenConns(max(4, runtime.NumCPU()))
	s := &Store{dialect: SQLite, search: ftsIndex{}, engine: sqliteEngine{}, w: writer, r: reader, writer: writer, reader: reader, path: path}
	if err := writer.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// sqliteEngine is SQLite's engine: one database file.
type sqliteEngine struct{}

func (sqliteEngine) gooseDialect() goose.Dialect { return goose.DialectSQLite3 }

// migrateDB is nil: SQLite has no roles, migrations run on the writer.
func (sqliteEngine) migrateDB(string) (*sql.DB, error) { return nil, nil }

func (sqliteEngine) backup(ctx context.Context, s *Store, destPath string) error {
	return s.backupSQLite(ctx, destPath)
}

// privateDatabaseFiles creates the SQLite database file 0600 before SQLite
// opens it (SQLite would create it 0644 less the umask, and gives its -wal
// and -shm files the database file's mode), and takes group and other
// access away from an existing database and its -wal and -shm: they hold
// every user's extracted text, e-mail address and password hash.
func privateDatabaseFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("store: make %s private: %w", p, err)
		}
	}
	return nil
}

// staleTables is empty: the server leaves SQLite's statistics as they are
// (none, unless an operator runs ANALYZE), and its planner falls back on
// its rules and the indexes.
func (sqliteEngine) staleTables(context.Context, *Store) ([]string, error) { return nil, nil }

// analyze is never called on SQLite (staleTables is empty).
func (sqliteEngine) analyze(context.Context, *Store, string) error { return nil }
