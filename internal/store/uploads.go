package store

import (
	"context"
	"fmt"
	"time"
)

// Upload is a direct upload that was started and not yet completed.
type Upload struct {
	ID          string
	OwnerID     string
	DocumentID  string // the id the document will get
	Filename    string
	Title       string
	SizeBytes   int64
	ContentType string
	SHA256      string // expected, hex; "" when the client gave none
	BlobKey     string
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

const uploadColumns = `id, owner_id, document_id, filename, title, size_bytes, content_type, sha256, blob_key, expires_at, created_at`

func scanUpload(row interface{ Scan(...any) error }) (*Upload, error) {
	var u Upload
	if err := row.Scan(&u.ID, &u.OwnerID, &u.DocumentID, &u.Filename, &u.Title, &u.SizeBytes, &u.ContentType, &u.SHA256,
		&u.BlobKey, &u.ExpiresAt, &u.CreatedAt); err != nil {
		return nil, normalize(err)
	}
	u.ExpiresAt, u.CreatedAt = u.ExpiresAt.UTC(), u.CreatedAt.UTC()
	return &u, nil
}

// CreateUpload records a started direct upload.
func (s *Store) CreateUpload(ctx context.Context, u *Upload) error {
	if u.ID == "" {
		u.ID = NewID()
	}
	u.CreatedAt = now()
	u.ExpiresAt = u.ExpiresAt.UTC().Truncate(time.Microsecond)
	_, err := s.w.ExecContext(ctx, `INSERT INTO uploads (`+uploadColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		u.ID, u.OwnerID, u.DocumentID, u.Filename, u.Title, u.SizeBytes, u.ContentType, u.SHA256, u.BlobKey, u.ExpiresAt, u.CreatedAt)
	if err != nil {
		return fmt.Errorf("create upload: %w", normalize(err))
	}
	return nil
}

// Upload returns the owner's pending upload, or ErrNotFound.
func (s *Store) Upload(ctx context.Context, ownerID, id string) (*Upload, error) {
	u, err := scanUpload(s.r.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE owner_id = $1 AND id = $2`, ownerID, id))
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// UploadByID returns a pending upload whatever its owner (for signed URLs).
func (s *Store) UploadByID(ctx context.Context, id string) (*Upload, error) {
	u, err := scanUpload(s.r.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return u, nil
}

// DeleteUpload removes a pending upload row.
func (s *Store) DeleteUpload(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete upload", `DELETE FROM uploads WHERE id = $1`, id)
}

// ExpiredUploads lists up to limit uploads that expired before t.
func (s *Store) ExpiredUploads(ctx context.Context, t time.Time, limit int) ([]*Upload, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE expires_at < $1 ORDER BY expires_at LIMIT $2`, t.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("expired uploads: %w", normalize(err))
	}
	defer rows.Close()
	var out []*Upload
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
