package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// CreatePasswordReset stores a reset token by its hash.
func (s *Store) CreatePasswordReset(ctx context.Context, userID, tokenHash string, expiresAt time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		tokenHash, userID, now(), expiresAt.UTC())
	if err != nil {
		return fmt.Errorf("create password reset: %w", normalize(err))
	}
	return nil
}

// UsePasswordReset spends an unexpired, unused reset token atomically and
// returns its user; anything else is ErrNotFound.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash string) (string, error) {
	var userID string
	t := now()
	err := s.w.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id`, tokenHash, t).Scan(&userID)
	if err != nil {
		return "", fmt.Errorf("use password reset: %w", normalize(err))
	}
	// The other outstanding links of this user stop working too.
	if _, err := s.w.ExecContext(ctx, `UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, userID, t); err != nil {
		return "", fmt.Errorf("use password reset: %w", normalize(err))
	}
	return userID, nil
}

// ReplaceBackupCodes drops the user's codes and stores these.
func (s *Store) ReplaceBackupCodes(ctx context.Context, userID string, codes []model.BackupCode) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.DeleteBackupCodes(ctx, userID); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := tx.w.ExecContext(ctx, `INSERT INTO backup_codes (id, user_id, lookup, code_hash) VALUES ($1, $2, $3, $4)`,
				NewID(), userID, c.Lookup, c.CodeHash); err != nil {
				return fmt.Errorf("store backup codes: %w", normalize(err))
			}
		}
		return nil
	})
}

// DeleteBackupCodes drops every backup code of the user.
func (s *Store) DeleteBackupCodes(ctx context.Context, userID string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM backup_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("delete backup codes: %w", normalize(err))
	}
	return nil
}

// UnusedBackupCodes returns the user's unused codes with that lookup prefix.
func (s *Store) UnusedBackupCodes(ctx context.Context, userID, lookup string) ([]model.BackupCode, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, user_id, lookup, code_hash FROM backup_codes
		WHERE user_id = $1 AND lookup = $2 AND used_at IS NULL ORDER BY id LIMIT 20`, userID, lookup)
	if err != nil {
		return nil, fmt.Errorf("backup codes: %w", normalize(err))
	}
	defer rows.Close()
	var out []model.BackupCode
	for rows.Next() {
		var c model.BackupCode
		if err := rows.Scan(&c.ID, &c.UserID, &c.Lookup, &c.CodeHash); err != nil {
			return nil, fmt.Errorf("backup codes: %w", normalize(err))
		}
		out = append(out, c)
	}
	return out, normalize(rows.Err())
}

// UseBackupCode spends the code atomically; a used or unknown code is ErrNotFound.
func (s *Store) UseBackupCode(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE backup_codes SET used_at = $3 WHERE user_id = $1 AND id = $2 AND used_at IS NULL`, userID, id, now())
	if err != nil {
		return fmt.Errorf("use backup code: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("use backup code: %w", ErrNotFound)
	}
	return nil
}

const apiTokenColumns = `id, user_id, name, token_hash, created_at, expires_at, last_used_at`

func scanAPIToken(row interface{ Scan(...any) error }) (*model.APIToken, error) {
	var t model.APIToken
	var exp, last sql.NullTime
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.CreatedAt, &exp, &last); err != nil {
		return nil, normalize(err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if exp.Valid {
		v := exp.Time.UTC()
		t.ExpiresAt = &v
	}
	if last.Valid {
		v := last.Time.UTC()
		t.LastUsedAt = &v
	}
	return &t, nil
}

// CreateAPIToken inserts t, filling ID and CreatedAt.
func (s *Store) CreateAPIToken(ctx context.Context, t *model.APIToken) error {
	if t.ID == "" {
		t.ID = NewID()
	}
	t.CreatedAt = now()
	var exp any
	if t.ExpiresAt != nil {
		exp = t.ExpiresAt.UTC()
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.UserID, t.Name, t.TokenHash, t.CreatedAt, exp)
	if err != nil {
		return fmt.Errorf("create api token: %w", normalize(err))
	}
	return nil
}

// APITokenByHash finds a token by its hash, or ErrNotFound.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*model.APIToken, error) {
	t, err := scanAPIToken(s.r.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash))
	if err != nil {
		return nil, fmt.Errorf("api token: %w", err)
	}
	return t, nil
}

// TouchAPIToken records a use of the token.
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, at.UTC()); err != nil {
		return fmt.Errorf("touch api token: %w", normalize(err))
	}
	return nil
}

// ListAPITokens pages through the user's tokens, oldest first.
func (s *Store) ListAPITokens(ctx context.Context, userID string, p Page) ([]*model.APIToken, string, error) {
	limit := p.limit()
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		userID, p.Cursor, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list api tokens: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.APIToken
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list api tokens: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list api tokens: %w", normalize(err))
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// DeleteAPIToken removes the user's token; another user's is ErrNotFound.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return fmt.Errorf("delete api token: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete api token: %w", ErrNotFound)
	}
	return nil
}

// APITokenAccess is the API token with that hash (ErrNotFound when none)
// and its account, read fresh in one query; the account is nil when it no
// longer exists.
func (s *Store) APITokenAccess(ctx context.Context, hash string) (*model.APIToken, *AuthUser, error) {
	var uid, role sql.NullString
	var disabled sql.NullBool
	row := s.r.QueryRowContext(ctx, `SELECT t.id, t.user_id, t.name, t.token_hash, t.created_at, t.expires_at, t.last_used_at,
			u.id, u.role, u.disabled
		FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`, hash)
	t, err := scanAPIToken(rowPlus{row, []any{&uid, &role, &disabled}})
	if err != nil {
		return nil, nil, fmt.Errorf("api token: %w", err)
	}
	if !uid.Valid {
		return t, nil, nil
	}
	return t, &AuthUser{ID: uid.String, Role: role.String, Disabled: disabled.Bool}, nil
}
