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
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
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
	search  searchIndex // the engine's full-text index
	engine  engine      // the engine's other differences
	w       querier     // writes (on SQLite: the single writer connection)
	r       querier     // reads (on SQLite: a pool of read-only connections)
	tx      *sql.Tx     // set inside WithTx

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

// engine is what the engines do differently outside full-text search
// (searchIndex): sqliteEngine (store_sqlite.go) or postgresEngine
// (store_postgres.go), chosen once at open.
type engine interface {
	// gooseDialect names the engine to the migration tool.
	gooseDialect() goose.Dialect
	// migrateDB opens the connection of the role that owns the schema
	// (migrateURL, not empty); nil when the engine has no such role and
	// migrations run on the Store's writer.
	migrateDB(migrateURL string) (*sql.DB, error)
	// backup is BackupSQLite.
	backup(ctx context.Context, s *Store, destPath string) error
	// listArgs are the arguments of the document list's query.
	listArgs(args []any) []any
	// correspondentArm is the list arm of one space's documents that have
	// a correspondent, by its name then id: the arm's alias, conditions on
	// documents d (and sc, the correspondent), conditions on sc alone, and
	// the page size's placeholder.
	correspondentArm(alias string, w, corr []string, page string) string
	// explain is the query plan of q, one line per node.
	explain(ctx context.Context, s *Store, q string, args []any, analyze bool) (string, error)
	// staleTables names the tables whose planner statistics are out of
	// date (StaleStatistics); analyze refreshes one.
	staleTables(ctx context.Context, s *Store) ([]string, error)
	analyze(ctx context.Context, s *Store, table string) error
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.DatabaseURL != "" {
		return openPostgres(ctx, o)
	}
	return openSQLite(ctx, o.SQLitePath)
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
