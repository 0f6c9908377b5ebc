// Package store is DocuVault's database: one Store over SQLite (the embedded
// default) or PostgreSQL, with explicit SQL, a file per domain, ctx first and
// every tenant query scoped by owner. Not-found and conflicts come back as the
// sentinels ErrNotFound and ErrConflict, whatever the driver.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// Dialect names the database engine behind a Store.
type Dialect string

// The two engines DocuVault runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the database. Methods are safe for concurrent use. Inside WithTx
// the Store passed to the function runs every method in that transaction.
type Store struct {
	dialect Dialect
	w       querier // writes (on SQLite: the single writer connection)
	r       querier // reads (on SQLite: a pool of read-only connections)
	tx      *sql.Tx // set inside WithTx

	writer *sql.DB
	reader *sql.DB
	pool   *pgxpool.Pool // PostgreSQL only, for the job engine
	path   string        // SQLite file
}

// Options choose the database.
type Options struct {
	DatabaseURL string // postgres://...; empty means SQLite at SQLitePath
	SQLitePath  string
	MaxConns    int // PostgreSQL pool size; default 4 x CPUs
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.DatabaseURL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o.SQLitePath)
}

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
	s := &Store{dialect: SQLite, w: writer, r: reader, writer: writer, reader: reader, path: path}
	if err := writer.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

func openPostgres(ctx context.Context, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: DATABASE_URL: %w", err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = 4 * runtime.NumCPU()
	}
	cfg.MaxConns = int32(n)
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL at %s: %w", redactURL(o.DatabaseURL), err)
	}
	db := stdlib.OpenDBFromPool(pool)
	return &Store{dialect: Postgres, w: db, r: db, writer: db, reader: db, pool: pool}, nil
}

// Dialect tells which engine this Store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the writer *sql.DB (the job engine shares it on SQLite).
func (s *Store) DB() *sql.DB { return s.writer }

// PgxPool is the PostgreSQL pool, nil on SQLite.
func (s *Store) PgxPool() *pgxpool.Pool { return s.pool }

// Tx is the transaction inside WithTx, nil outside.
func (s *Store) Tx() *sql.Tx { return s.tx }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes every connection.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("store: Close inside a transaction")
	}
	var errs []error
	if s.reader != nil && s.reader != s.writer {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if s.pool != nil {
		s.pool.Close()
	}
	return errors.Join(errs...)
}

// WithTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise. Inside, the Store given to fn reads and writes through the
// transaction. Nested calls join the outer transaction.
func (s *Store) WithTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", normalize(err))
	}
	inner := *s
	inner.w, inner.r, inner.tx = tx, tx, tx
	if err := fn(&inner); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", normalize(err))
	}
	return nil
}

// NewID returns a new time-ordered identifier (UUIDv7).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// now is the current time at the precision both engines keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
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
