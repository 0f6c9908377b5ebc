package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// ErrTooManyPending is returned by CreateUpload when the owner already has
// the most pending uploads allowed.
var ErrTooManyPending = errors.New("store: too many pending uploads")

const uploadColumns = `id, owner_id, document_id, filename, title, size_bytes, content_type, sha256, blob_key, expires_at, created_at,
	space_id, created_by`

func scanUpload(row interface{ Scan(...any) error }) (*model.Upload, error) {
	var u model.Upload
	if err := row.Scan(&u.ID, &u.OwnerID, &u.DocumentID, &u.Filename, &u.Title, &u.SizeBytes, &u.ContentType, &u.SHA256,
		&u.BlobKey, &u.ExpiresAt, &u.CreatedAt, &u.SpaceID, &u.CreatedBy); err != nil {
		return nil, normalize(err)
	}
	u.ExpiresAt, u.CreatedAt = u.ExpiresAt.UTC(), u.CreatedAt.UTC()
	return &u, nil
}

// CreateUpload records a started direct upload and reserves its announced
// size and one document against the owner's quota until DeleteUpload. One
// conditional UPDATE of the owner's row counts the reservation together with
// the bytes used and the other reservations, so concurrent starts cannot
// oversubscribe on either engine. It fails with ErrQuota when a quota (0 =
// unlimited) would be exceeded, with ErrTooManyPending when the owner already
// has maxPending uploads pending (0 = no cap), and with ErrNotFound when the
// owner does not exist.
func (s *Store) CreateUpload(ctx context.Context, u *model.Upload, maxPending int) error {
	if u.ID == "" {
		u.ID = NewID()
	}
	if u.SpaceID == "" {
		u.SpaceID = u.OwnerID
	}
	if u.CreatedBy == "" {
		u.CreatedBy = u.OwnerID
	}
	u.CreatedAt = now()
	u.ExpiresAt = u.ExpiresAt.UTC().Truncate(time.Microsecond)
	return s.WithTx(ctx, func(tx *Store) error {
		q := `UPDATE users SET reserved_bytes = reserved_bytes + $1, pending_uploads = pending_uploads + 1
			WHERE id = $2
			  AND (quota_bytes = 0 OR used_bytes + reserved_bytes + $1 <= quota_bytes)
			  AND (quota_documents = 0 OR document_count + pending_uploads + 1 <= quota_documents)`
		args := []any{u.SizeBytes, u.OwnerID}
		if maxPending > 0 {
			q += ` AND pending_uploads < $3`
			args = append(args, maxPending)
		}
		res, err := tx.w.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("reserve upload: %w", normalize(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			owner, err := tx.UserByID(ctx, u.OwnerID)
			if err != nil {
				return fmt.Errorf("reserve upload: %w", err)
			}
			if maxPending > 0 && owner.PendingUploads >= int64(maxPending) {
				return ErrTooManyPending
			}
			return ErrQuota
		}
		_, err = tx.w.ExecContext(ctx, `INSERT INTO uploads (`+uploadColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			u.ID, u.OwnerID, u.DocumentID, u.Filename, u.Title, u.SizeBytes, u.ContentType, u.SHA256, u.BlobKey, u.ExpiresAt, u.CreatedAt,
			u.SpaceID, u.CreatedBy)
		if err != nil {
			return fmt.Errorf("create upload: %w", normalize(err))
		}
		return nil
	})
}

// OldestPendingExpiry is when the owner's first pending upload expires, or
// ErrNotFound when none is pending.
func (s *Store) OldestPendingExpiry(ctx context.Context, ownerID string) (time.Time, error) {
	var t time.Time
	err := s.r.QueryRowContext(ctx, `SELECT expires_at FROM uploads WHERE owner_id = $1 ORDER BY expires_at LIMIT 1`, ownerID).Scan(&t)
	if err != nil {
		return time.Time{}, fmt.Errorf("oldest pending upload: %w", normalize(err))
	}
	return t.UTC(), nil
}

// Upload returns the pending upload userID started, or ErrNotFound.
func (s *Store) Upload(ctx context.Context, userID, id string) (*model.Upload, error) {
	u, err := scanUpload(s.r.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE created_by = $1 AND id = $2`, userID, id))
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// UploadByID returns a pending upload whatever its owner (for signed URLs).
func (s *Store) UploadByID(ctx context.Context, id string) (*model.Upload, error) {
	u, err := scanUpload(s.r.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// DeleteUpload removes a pending upload row and releases its reservation,
// in one transaction (or the caller's). ErrNotFound when it is already gone,
// so a reservation is released once however many callers race.
func (s *Store) DeleteUpload(ctx context.Context, id string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var owner string
		var size int64
		err := tx.w.QueryRowContext(ctx, `DELETE FROM uploads WHERE id = $1 RETURNING owner_id, size_bytes`, id).Scan(&owner, &size)
		if err != nil {
			return fmt.Errorf("delete upload: %w", normalize(err))
		}
		_, err = tx.w.ExecContext(ctx, `UPDATE users SET
			reserved_bytes = CASE WHEN reserved_bytes > $1 THEN reserved_bytes - $1 ELSE 0 END,
			pending_uploads = CASE WHEN pending_uploads > 1 THEN pending_uploads - 1 ELSE 0 END
			WHERE id = $2`, size, owner)
		if err != nil {
			return fmt.Errorf("release upload reservation: %w", normalize(err))
		}
		return nil
	})
}

// ExpiredUploads lists up to limit uploads that expired before t.
func (s *Store) ExpiredUploads(ctx context.Context, t time.Time, limit int) ([]*model.Upload, error) {
	return s.uploads(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE expires_at < $1 ORDER BY expires_at LIMIT $2`, t.UTC(), limit)
}

// ExpiredUploadsOf lists up to limit of the owner's uploads that expired
// before t.
func (s *Store) ExpiredUploadsOf(ctx context.Context, ownerID string, t time.Time, limit int) ([]*model.Upload, error) {
	return s.uploads(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE owner_id = $1 AND expires_at < $2 ORDER BY expires_at LIMIT $3`,
		ownerID, t.UTC(), limit)
}

func (s *Store) uploads(ctx context.Context, q string, args ...any) ([]*model.Upload, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("expired uploads: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, normalize(rows.Err())
}

// IsPendingUploadKey reports whether key belongs to an upload not yet
// completed, so the orphan sweep leaves it alone.
func (s *Store) IsPendingUploadKey(ctx context.Context, key string) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM uploads WHERE blob_key = $1`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("pending upload: %w", normalize(err))
	}
	return n > 0, nil
}

// BlobKeyKnown reports whether key is a document's blob or thumbnail.
func (s *Store) BlobKeyKnown(ctx context.Context, key string) (bool, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE blob_key = $1 OR thumbnail_key = $1`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("blob key: %w", normalize(err))
	}
	return n > 0, nil
}
