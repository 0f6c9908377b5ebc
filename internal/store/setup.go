package store

import (
	"context"
	"fmt"
	"time"
)

// CountAdmins counts enabled accounts with the admin role.
func (s *Store) CountAdmins(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count admins: %w", normalize(err))
	}
	return n, nil
}

// AddSetupToken stores a one-time setup token by its hash; storing the same
// hash again is not an error.
func (s *Store) AddSetupToken(ctx context.Context, tokenHash string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2) ON CONFLICT (token_hash) DO NOTHING`,
		tokenHash, now())
	if err != nil {
		return fmt.Errorf("add setup token: %w", normalize(err))
	}
	return nil
}

// HasSetupToken reports whether that hash is a stored setup token.
func (s *Store) HasSetupToken(ctx context.Context, tokenHash string) (bool, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1`, tokenHash).Scan(&n); err != nil {
		return false, fmt.Errorf("setup token: %w", normalize(err))
	}
	return n > 0, nil
}

// UseSetupToken deletes every setup token when tokenHash is one of them;
// otherwise (unknown, or already spent by a concurrent request) it is
// ErrNotFound. Of two concurrent calls only one deletes the rows.
func (s *Store) UseSetupToken(ctx context.Context, tokenHash string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM setup_tokens WHERE EXISTS (SELECT 1 FROM setup_tokens WHERE token_hash = $1)`, tokenHash)
	if err != nil {
		return fmt.Errorf("use setup token: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("use setup token: %w", ErrNotFound)
	}
	return nil
}

// DeleteSetupTokens drops every setup token (an admin exists now).
func (s *Store) DeleteSetupTokens(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM setup_tokens`); err != nil {
		return fmt.Errorf("delete setup tokens: %w", normalize(err))
	}
	return nil
}

// CreateInvitation stores an invitation token by its hash.
func (s *Store) CreateInvitation(ctx context.Context, userID, tokenHash string, expiresAt time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO invitations (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, userID, now(), expiresAt.UTC())
	if err != nil {
		return fmt.Errorf("create invitation: %w", normalize(err))
	}
	return nil
}

// UseInvitation spends an unexpired, unused invitation atomically and
// returns its user; the user's other invitations stop working too. Anything
// else is ErrNotFound.
func (s *Store) UseInvitation(ctx context.Context, tokenHash string) (string, error) {
	var userID string
	t := now()
	err := s.w.QueryRowContext(ctx, `UPDATE invitations SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id`, tokenHash, t).Scan(&userID)
	if err != nil {
		return "", fmt.Errorf("use invitation: %w", normalize(err))
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE invitations SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, userID, t); err != nil {
		return "", fmt.Errorf("use invitation: %w", normalize(err))
	}
	return userID, nil
}
