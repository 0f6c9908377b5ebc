package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// MigrateTo applies the migrations up to version only, for tests of a
// migration on a database holding rows written before it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	return s.migrate(ctx, "", version)
}

// ImportDocumentBeforeSpaces writes a document and its index entry the way
// the version before migration 00050 did (no space columns), for the
// migration test.
func (s *Store) ImportDocumentBeforeSpaces(ctx context.Context, id, ownerID, title string, at time.Time) error {
	cols := `id, owner_id, title, original_filename, mime_type, size_bytes, sha256, blob_key, status, created_at, updated_at`
	vals := `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11`
	extraCols, extraVals := s.search.documentInsert()
	if _, err := s.w.ExecContext(ctx, `INSERT INTO documents (`+cols+extraCols+`) VALUES (`+vals+extraVals+`)`,
		id, ownerID, title, "t.txt", "text/plain", 5, "ab", ownerID+"/t", model.StatusReady, at, at); err != nil {
		return err
	}
	return s.search.index(ctx, s, indexEntry{id: id, owner: ownerID, created: at, title: SearchNormalize(title)})
}

// RecordQueries makes s record the text of every statement it sends until
// the returned stop is called, which restores s and returns them in order.
// For tests that count a method's round trips; s must not be in use by
// other goroutines meanwhile.
func (s *Store) RecordQueries() (stop func() []string) {
	var log []string
	w, r := s.w, s.r
	s.w, s.r = recordingQuerier{q: w, log: &log}, recordingQuerier{q: r, log: &log}
	return func() []string {
		s.w, s.r = w, r
		return log
	}
}

// recordingQuerier appends each statement's text to log before running it.
type recordingQuerier struct {
	q   querier
	log *[]string
}

func (rq recordingQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	*rq.log = append(*rq.log, query)
	return rq.q.ExecContext(ctx, query, args...)
}

func (rq recordingQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	*rq.log = append(*rq.log, query)
	return rq.q.QueryContext(ctx, query, args...)
}

func (rq recordingQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	*rq.log = append(*rq.log, query)
	return rq.q.QueryRowContext(ctx, query, args...)
}
