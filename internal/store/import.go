package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// The Import* methods insert rows exactly as a backup describes them (ids
// and times kept), for `docuvault import` into an empty instance.

// ImportUser inserts u as it is, with its personal space.
func (s *Store) ImportUser(ctx context.Context, u *model.User) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.importUser(ctx, u); err != nil {
			return err
		}
		return tx.createPersonalSpace(ctx, u.ID, u.CreatedAt.UTC())
	})
}

func (s *Store) importUser(ctx context.Context, u *model.User) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		u.ID, u.Email, u.DisplayName, u.PasswordHash, u.Role, u.Disabled, u.TOTPSecret, u.TOTPEnabled,
		u.QuotaBytes, u.QuotaDocuments, u.UsedBytes, u.DocumentCount, u.StorageBackend, u.CreatedAt.UTC(), u.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("restore user: %w", normalize(err))
	}
	return nil
}

// ImportTopic inserts t as it is.
func (s *Store) ImportTopic(ctx context.Context, t *model.Topic) error {
	if t.SpaceID == "" {
		t.SpaceID = t.OwnerID // a backup from before spaces
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO topics (id, owner_id, space_id, name, name_key, description, color, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, t.ID, t.OwnerID, t.SpaceID, t.Name, TopicKey(t.Name), t.Description, t.Color,
		t.CreatedAt.UTC(), t.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("restore topic: %w", normalize(err))
	}
	return nil
}

// ImportDocument inserts d with its text and topic assignments and indexes it.
func (s *Store) ImportDocument(ctx context.Context, d *model.Document, text string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var deleted any
		if d.DeletedAt != nil {
			deleted = d.DeletedAt.UTC()
		}
		source := d.SourceKind
		if source == "" {
			source = model.SourceUpload
		}
		if d.SpaceID == "" {
			d.SpaceID = d.OwnerID // a backup from before spaces
		}
		var createdBy any
		if d.CreatedBy != "" {
			createdBy = d.CreatedBy
		} else if d.SpaceID == d.OwnerID {
			createdBy = d.OwnerID
		}
		var pages any
		if d.PageCount != nil {
			pages = *d.PageCount
		}
		cols := `id, owner_id, title, original_filename, mime_type, size_bytes, sha256, blob_key, status, error,
			page_count, language, thumbnail_key, storage_backend, storage_state, storage_ref, storage_error, notes,
			deleted_at, created_at, updated_at, source_kind, source_detail, space_id, created_by, text_truncated`
		vals := `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26`
		extraCols, extraVals := tx.search.documentInsert()
		cols, vals = cols+extraCols, vals+extraVals
		_, err := tx.w.ExecContext(ctx, `INSERT INTO documents (`+cols+`) VALUES (`+vals+`)`,
			d.ID, d.OwnerID, d.Title, d.OriginalFilename, d.MIMEType, d.SizeBytes, d.SHA256, d.BlobKey, d.Status, d.Error,
			pages, d.Language, d.ThumbnailKey, d.StorageBackend, d.StorageState, d.StorageRef, d.StorageError, d.Notes,
			deleted, d.CreatedAt.UTC(), d.UpdatedAt.UTC(), source, d.SourceDetail, d.SpaceID, createdBy, d.TextTruncated)
		if err != nil {
			return fmt.Errorf("restore document: %w", normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO document_texts (document_id, body) VALUES ($1, $2)`, d.ID, text); err != nil {
			return fmt.Errorf("restore document text: %w", normalize(err))
		}
		for _, t := range d.Topics {
			var conf any
			if t.Confidence != nil {
				conf = *t.Confidence
			}
			if _, err := tx.w.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, confidence, created_at)
				VALUES ($1, $2, $3, $4, $5)`, d.ID, t.TopicID, t.Source, conf, d.CreatedAt.UTC()); err != nil {
				return fmt.Errorf("restore assignment: %w", normalize(err))
			}
		}
		if err := tx.importDocumentMeta(ctx, d); err != nil {
			return err
		}
		return tx.IndexDocument(ctx, d.ID)
	})
}

// AllAudit calls fn for every audit entry, oldest first.
func (s *Store) AllAudit(ctx context.Context, fn func(*model.AuditEntry) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor_id, action, target_type, target_id, ip, user_agent, details
		FROM audit_log ORDER BY at, id`)
	if err != nil {
		return fmt.Errorf("all audit: %w", normalize(err))
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return normalize(rows.Err())
}

// UsageDrift is an owner whose stored usage differs from their documents.
type UsageDrift struct {
	UserID                         string
	StoredBytes, ActualBytes       int64
	StoredDocs, ActualDocs         int64
	StoredReserved, ActualReserved int64 // bytes reserved by pending uploads
	StoredPending, ActualPending   int64 // pending uploads
}

// UsageDrifts lists users whose counters do not match their documents and
// pending uploads.
func (s *Store) UsageDrifts(ctx context.Context) ([]UsageDrift, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, used_bytes, doc_bytes, document_count, docs,
			reserved_bytes, upload_bytes, pending_uploads, uploads
		FROM (SELECT u.id, u.used_bytes, u.document_count, u.reserved_bytes, u.pending_uploads,
			(SELECT COALESCE(SUM(size_bytes), 0) FROM documents WHERE owner_id = u.id) AS doc_bytes,
			(SELECT COUNT(*) FROM documents WHERE owner_id = u.id) AS docs,
			(SELECT COALESCE(SUM(size_bytes), 0) FROM uploads WHERE owner_id = u.id) AS upload_bytes,
			(SELECT COUNT(*) FROM uploads WHERE owner_id = u.id) AS uploads
			FROM users u) c
		WHERE used_bytes <> doc_bytes OR document_count <> docs OR reserved_bytes <> upload_bytes OR pending_uploads <> uploads`)
	if err != nil {
		return nil, fmt.Errorf("usage drift: %w", normalize(err))
	}
	defer rows.Close()
	var out []UsageDrift
	for rows.Next() {
		var d UsageDrift
		if err := rows.Scan(&d.UserID, &d.StoredBytes, &d.ActualBytes, &d.StoredDocs, &d.ActualDocs,
			&d.StoredReserved, &d.ActualReserved, &d.StoredPending, &d.ActualPending); err != nil {
			return nil, fmt.Errorf("usage drift: %w", normalize(err))
		}
		out = append(out, d)
	}
	return out, normalize(rows.Err())
}

// FixUsage sets an owner's counters to what their documents and pending
// uploads add up to.
func (s *Store) FixUsage(ctx context.Context, userID string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE users SET
		used_bytes = (SELECT COALESCE(SUM(size_bytes), 0) FROM documents WHERE owner_id = $1),
		document_count = (SELECT COUNT(*) FROM documents WHERE owner_id = $1),
		reserved_bytes = (SELECT COALESCE(SUM(size_bytes), 0) FROM uploads WHERE owner_id = $1),
		pending_uploads = (SELECT COUNT(*) FROM uploads WHERE owner_id = $1)
		WHERE id = $1`, userID)
	if err != nil {
		return fmt.Errorf("fix usage: %w", normalize(err))
	}
	return nil
}

// Unindexed lists documents without a full-text entry.
func (s *Store) Unindexed(ctx context.Context) ([]string, error) {
	return s.queryIDs(ctx, s.search.unindexedSQL())
}

// StuckProcessing lists documents still processing since before t.
func (s *Store) StuckProcessing(ctx context.Context, t time.Time) ([]string, error) {
	return s.queryIDs(ctx, `SELECT id FROM documents WHERE status = 'processing' AND updated_at < $1 ORDER BY updated_at`, t.UTC())
}

func (s *Store) queryIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("ids: %w", normalize(err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, normalize(err)
		}
		ids = append(ids, id)
	}
	return ids, normalize(rows.Err())
}

// AllDocuments calls fn for every document of every owner, in id order.
func (s *Store) AllDocuments(ctx context.Context, fn func(*model.Document) error) error {
	after := ""
	for {
		docs, err := s.queryDocuments(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.id > $1 ORDER BY d.id LIMIT 500`, after)
		if err != nil {
			return err
		}
		if len(docs) == 0 {
			return nil
		}
		if err := s.loadTopics(ctx, docs); err != nil {
			return err
		}
		for _, d := range docs {
			if err := fn(d); err != nil {
				return err
			}
		}
		after = docs[len(docs)-1].ID
	}
}

// RawDocumentText returns a document's text whatever its owner.
func (s *Store) RawDocumentText(ctx context.Context, id string) (string, error) {
	var body string
	err := s.r.QueryRowContext(ctx, `SELECT body FROM document_texts WHERE document_id = $1`, id).Scan(&body)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("document text: %w", normalize(err))
	}
	return body, nil
}
