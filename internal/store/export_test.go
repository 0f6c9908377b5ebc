package store

import (
	"context"
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
