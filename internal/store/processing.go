package store

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

// SaveExtraction stores a document's text and facts, marks it ready and
// rebuilds its search entry, all in the caller's transaction when there is one.
func (s *Store) SaveExtraction(ctx context.Context, id string, x model.Extraction) error {
	return s.WithTx(ctx, func(tx *Store) error {
		err := tx.execOne(ctx, "save extraction", `UPDATE documents SET status = 'ready', error = '', page_count = $1,
			language = $2, thumbnail_key = $3, notes = $4, updated_at = $5,
			title = CASE WHEN title_auto AND $7 <> '' THEN $7 ELSE title END, text_truncated = $8 WHERE id = $6`,
			x.PageCount, x.Language, x.ThumbnailKey, x.Notes, now(), id, x.Title, x.TextTruncated)
		if err != nil {
			return err
		}
		if _, err := tx.w.ExecContext(ctx, `DELETE FROM document_texts WHERE document_id = $1`, id); err != nil {
			return fmt.Errorf("save text: %w", normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO document_texts (document_id, body) VALUES ($1, $2)`, id, x.Text); err != nil {
			return fmt.Errorf("save text: %w", normalize(err))
		}
		if err := tx.IndexDocument(ctx, id); err != nil {
			return err
		}
		// Topics given at upload become labels now that the document is ready.
		return tx.bumpIfLabelled(ctx, id)
	})
}

// SetDocumentStatus sets status and error (processing, failed, ...).
func (s *Store) SetDocumentStatus(ctx context.Context, id, status, errText string) error {
	return s.execOne(ctx, "set status", `UPDATE documents SET status = $1, error = $2, updated_at = $3 WHERE id = $4`,
		status, truncate(errText, 2000), now(), id)
}

// DocumentText returns the owner's document's extracted text ("" before extraction).
func (s *Store) DocumentText(ctx context.Context, ownerID, id string) (string, error) {
	if _, err := s.Document(ctx, ownerID, id); err != nil {
		return "", err
	}
	var body string
	err := s.r.QueryRowContext(ctx, `SELECT body FROM document_texts WHERE document_id = $1`, id).Scan(&body)
	if err != nil && normalize(err) != ErrNotFound {
		return "", fmt.Errorf("document text: %w", normalize(err))
	}
	return body, nil
}

// ProcessingBacklog counts the documents of the owner of document id that
// are waiting for or in processing, id's own included, stopping at limit.
// It returns 0 for an unknown document.
func (s *Store) ProcessingBacklog(ctx context.Context, id string, limit int) (int, error) {
	var n int
	err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM documents
		WHERE owner_id = (SELECT owner_id FROM documents WHERE id = $1) AND status = 'processing' LIMIT $2) b`,
		id, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("processing backlog: %w", normalize(err))
	}
	return n, nil
}
