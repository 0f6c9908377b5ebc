package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors every Store method returns, whatever the engine.
var (
	// ErrNotFound: no row, or a row of another owner.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique constraint (such as a taken email) was violated.
	ErrConflict = errors.New("store: conflict")
	// ErrReferenced: a foreign key refused the change.
	ErrReferenced = errors.New("store: referenced row missing or still in use")
)

// normalize maps driver errors to the sentinels, keeping the cause.
func normalize(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
		case "23503":
			return fmt.Errorf("%w: %s", ErrReferenced, pgErr.ConstraintName)
		}
		return err
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", ErrConflict, sqErr.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %s", ErrReferenced, sqErr.Error())
		}
	}
	return err
}

// isQuerySyntaxError tells whether the engine refused a full-text query it
// could not parse (FTS5's syntax errors; PostgreSQL's syntax_error, which
// to_tsquery raises), as opposed to failing to run it.
func isQuerySyntaxError(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "42601"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		if sqErr.Code() != sqlite3.SQLITE_ERROR {
			return false
		}
		msg := sqErr.Error()
		return strings.Contains(msg, "fts5:") || strings.Contains(msg, "unterminated string") ||
			strings.Contains(msg, "unknown special query")
	}
	return false
}
