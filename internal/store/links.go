package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

const shareLinkColumns = `l.id, l.document_id, l.token_hash, l.password_hash, l.expires_at, l.max_downloads,
	l.download_count, l.created_by, COALESCE(u.display_name, ''), l.created_at, l.revoked_at`

// shareLinkLive is the condition on the share_links row t (an alias or the
// table's name) of a link that still works at $2: not revoked, not
// expired, not used up, and its document not in the trash.
func shareLinkLive(t string) string {
	return t + `.revoked_at IS NULL
	AND (` + t + `.expires_at IS NULL OR ` + t + `.expires_at > $2)
	AND (` + t + `.max_downloads IS NULL OR ` + t + `.download_count < ` + t + `.max_downloads)
	AND EXISTS (SELECT 1 FROM documents dl WHERE dl.id = ` + t + `.document_id AND dl.deleted_at IS NULL)`
}

func scanShareLink(row interface{ Scan(...any) error }, extra ...any) (*model.ShareLink, error) {
	var l model.ShareLink
	var exp, revoked sql.NullTime
	var maxDL sql.NullInt64
	dest := append([]any{&l.ID, &l.DocumentID, &l.TokenHash, &l.PasswordHash, &exp, &maxDL,
		&l.DownloadCount, &l.CreatedBy, &l.CreatorName, &l.CreatedAt, &revoked}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, normalize(err)
	}
	l.CreatedAt = l.CreatedAt.UTC()
	if exp.Valid {
		t := exp.Time.UTC()
		l.ExpiresAt = &t
	}
	if revoked.Valid {
		t := revoked.Time.UTC()
		l.RevokedAt = &t
	}
	if maxDL.Valid {
		n := int(maxDL.Int64)
		l.MaxDownloads = &n
	}
	return &l, nil
}

// CreateShareLink inserts l, filling ID and CreatedAt. The document must
// exist (ErrNotFound otherwise is the caller's check; a missing one is a
// foreign-key error here).
func (s *Store) CreateShareLink(ctx context.Context, l *model.ShareLink) error {
	if l.ID == "" {
		l.ID = NewID()
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now()
	}
	var exp, maxDL any
	if l.ExpiresAt != nil {
		exp = l.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	if l.MaxDownloads != nil {
		maxDL = *l.MaxDownloads
	}
	var revoked any
	if l.RevokedAt != nil {
		revoked = l.RevokedAt.UTC()
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO share_links (id, document_id, token_hash, password_hash, expires_at,
		max_downloads, download_count, created_by, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		l.ID, l.DocumentID, l.TokenHash, l.PasswordHash, exp, maxDL, l.DownloadCount, l.CreatedBy, l.CreatedAt, revoked)
	if err != nil {
		return fmt.Errorf("create share link: %w", normalize(err))
	}
	return nil
}

// ShareLink returns a link that is not revoked, by id, whatever its
// document's state; ErrNotFound otherwise. Callers check access to its
// document.
func (s *Store) ShareLink(ctx context.Context, id string) (*model.ShareLink, error) {
	l, err := scanShareLink(s.r.QueryRowContext(ctx, `SELECT `+shareLinkColumns+` FROM share_links l
		LEFT JOIN users u ON u.id = l.created_by WHERE l.id = $1 AND l.revoked_at IS NULL`, id))
	if err != nil {
		return nil, fmt.Errorf("share link: %w", err)
	}
	return l, nil
}

// ShareLinks pages through a document's links that are not revoked (expired
// and used-up ones included), oldest first.
func (s *Store) ShareLinks(ctx context.Context, documentID string, p Page) ([]*model.ShareLink, string, error) {
	limit := p.limit()
	rows, err := s.r.QueryContext(ctx, `SELECT `+shareLinkColumns+` FROM share_links l
		LEFT JOIN users u ON u.id = l.created_by
		WHERE l.document_id = $1 AND l.revoked_at IS NULL AND l.id > $2 ORDER BY l.id LIMIT $3`,
		documentID, p.Cursor, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list share links: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.ShareLink
	for rows.Next() {
		l, err := scanShareLink(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list share links: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list share links: %w", normalize(err))
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// ShareLinkByToken returns the link with that token hash if it works at
// `at` (not revoked, expired or used up, its document not in the trash),
// with its document's file name, size and space; ErrNotFound otherwise,
// whichever the reason.
func (s *Store) ShareLinkByToken(ctx context.Context, tokenHash string, at time.Time) (*model.ShareLink, error) {
	var name, space string
	var size int64
	l, err := scanShareLink(s.r.QueryRowContext(ctx, `SELECT `+shareLinkColumns+`, d.original_filename, d.size_bytes, d.space_id
		FROM share_links l JOIN documents d ON d.id = l.document_id LEFT JOIN users u ON u.id = l.created_by
		WHERE l.token_hash = $1 AND `+shareLinkLive("l"), tokenHash, at.UTC()), &name, &size, &space)
	if err != nil {
		return nil, fmt.Errorf("share link: %w", err)
	}
	l.DocumentName, l.DocumentSize, l.DocumentSpace = name, size, space
	return l, nil
}

// ReserveShareDownload counts one download of the link if it still works
// at `at`, in one conditional UPDATE: of two concurrent downloads of a
// link with one download left, exactly one gets it. ErrNotFound when the
// link is revoked, expired, used up or its document trashed.
func (s *Store) ReserveShareDownload(ctx context.Context, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE share_links SET download_count = download_count + 1
		WHERE id = $1 AND `+shareLinkLive("share_links"), id, at.UTC())
	if err != nil {
		return fmt.Errorf("reserve share download: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("reserve share download: %w", ErrNotFound)
	}
	return nil
}

// ReleaseShareDownload gives back a download reserved by
// ReserveShareDownload whose bytes could not be sent in full.
func (s *Store) ReleaseShareDownload(ctx context.Context, id string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE share_links SET download_count = download_count - 1
		WHERE id = $1 AND download_count > 0`, id); err != nil {
		return fmt.Errorf("release share download: %w", normalize(err))
	}
	return nil
}

// RevokeShareLink revokes a link; one already revoked or unknown is
// ErrNotFound.
func (s *Store) RevokeShareLink(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE share_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, now())
	if err != nil {
		return fmt.Errorf("revoke share link: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("revoke share link: %w", ErrNotFound)
	}
	return nil
}

// RevokeDocumentLinks revokes every link of the documents and returns how
// many it revoked, in one statement. The trash calls it (in its
// transaction), so that a restored document does not bring its links back;
// so must anything that takes a document away from the people who shared
// it (moving it to another space).
func (s *Store) RevokeDocumentLinks(ctx context.Context, documentIDs ...string) (int, error) {
	documentIDs = dedupe(documentIDs)
	if len(documentIDs) == 0 {
		return 0, nil
	}
	in, args := inList(documentIDs, 1)
	res, err := s.w.ExecContext(ctx, `UPDATE share_links SET revoked_at = $1 WHERE revoked_at IS NULL AND document_id IN (`+in+`)`,
		append([]any{now()}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("revoke document links: %w", normalize(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// AllShareLinks calls fn with every link, revoked ones included (with
// RevokedAt), in id order, for the backup and the integrity check.
func (s *Store) AllShareLinks(ctx context.Context, fn func(*model.ShareLink) error) error {
	after := ""
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT `+shareLinkColumns+` FROM share_links l
			LEFT JOIN users u ON u.id = l.created_by WHERE l.id > $1 ORDER BY l.id LIMIT 500`, after)
		if err != nil {
			return fmt.Errorf("all share links: %w", normalize(err))
		}
		var page []*model.ShareLink
		for rows.Next() {
			l, err := scanShareLink(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("all share links: %w", err)
			}
			page = append(page, l)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("all share links: %w", normalize(err))
		}
		if len(page) == 0 {
			return nil
		}
		for _, l := range page {
			if err := fn(l); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}
