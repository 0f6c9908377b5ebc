package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
)

const userColumns = `id, email, display_name, password_hash, role, disabled, totp_secret, totp_enabled,
	quota_bytes, quota_documents, used_bytes, document_count, storage_backend, created_at, updated_at`

// userSelect is userColumns and the upload reservations, which only
// CreateUpload and DeleteUpload write.
const userSelect = userColumns + `, reserved_bytes, pending_uploads`

func scanUser(row interface{ Scan(...any) error }) (*model.User, error) {
	var u model.User
	err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.PasswordHash, &u.Role, &u.Disabled, &u.TOTPSecret,
		&u.TOTPEnabled, &u.QuotaBytes, &u.QuotaDocuments, &u.UsedBytes, &u.DocumentCount, &u.StorageBackend,
		&u.CreatedAt, &u.UpdatedAt, &u.ReservedBytes, &u.PendingUploads)
	if err != nil {
		return nil, normalize(err)
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

// NormalizeEmail is the form emails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser inserts u, filling ID and times. A taken email is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	if u.ID == "" {
		u.ID = NewID()
	}
	u.Email = NormalizeEmail(u.Email)
	if u.Role == "" {
		u.Role = "user"
	}
	if u.StorageBackend == "" {
		u.StorageBackend = "system"
	}
	u.CreatedAt = now()
	u.UpdatedAt = u.CreatedAt
	// The personal space (id = the user's) is created with the account.
	return s.WithTx(ctx, func(tx *Store) error {
		_, err := tx.w.ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			u.ID, u.Email, u.DisplayName, u.PasswordHash, u.Role, u.Disabled, u.TOTPSecret, u.TOTPEnabled,
			u.QuotaBytes, u.QuotaDocuments, u.UsedBytes, u.DocumentCount, u.StorageBackend, u.CreatedAt, u.UpdatedAt)
		if err != nil {
			return fmt.Errorf("create user: %w", normalize(err))
		}
		return tx.createPersonalSpace(ctx, u.ID, u.CreatedAt)
	})
}

// UserByID returns the user, or ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (*model.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userSelect+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("user by id: %w", err)
	}
	return u, nil
}

// UserByEmail returns the user with that email (any case), or ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userSelect+` FROM users WHERE email = $1`, NormalizeEmail(email)))
	if err != nil {
		return nil, fmt.Errorf("user by email: %w", err)
	}
	return u, nil
}

// UserUpdate names the fields to change; nil fields stay as they are.
type UserUpdate struct {
	DisplayName    *string
	PasswordHash   *string
	Role           *string
	Disabled       *bool
	TOTPSecret     *[]byte
	TOTPEnabled    *bool
	QuotaBytes     *int64
	QuotaDocuments *int64
	StorageBackend *string
}

// UpdateUser changes the named fields and returns the updated user.
func (s *Store) UpdateUser(ctx context.Context, id string, up UserUpdate) (*model.User, error) {
	var sets []string
	var args []any
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if up.DisplayName != nil {
		add("display_name", *up.DisplayName)
	}
	if up.PasswordHash != nil {
		add("password_hash", *up.PasswordHash)
	}
	if up.Role != nil {
		add("role", *up.Role)
	}
	if up.Disabled != nil {
		add("disabled", *up.Disabled)
	}
	if up.TOTPSecret != nil {
		add("totp_secret", *up.TOTPSecret)
	}
	if up.TOTPEnabled != nil {
		add("totp_enabled", *up.TOTPEnabled)
	}
	if up.QuotaBytes != nil {
		add("quota_bytes", *up.QuotaBytes)
	}
	if up.QuotaDocuments != nil {
		add("quota_documents", *up.QuotaDocuments)
	}
	if up.StorageBackend != nil {
		add("storage_backend", *up.StorageBackend)
	}
	add("updated_at", now())
	args = append(args, id)
	q := fmt.Sprintf(`UPDATE users SET %s WHERE id = $%d RETURNING `+userSelect, strings.Join(sets, ", "), len(args))
	u, err := scanUser(s.w.QueryRowContext(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	return u, nil
}

// DeleteUser removes the user row; rows that reference it go by cascade.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	// The personal space's metadata goes with it (its documents cascade).
	if err := s.deleteSpaceMetadata(ctx, id); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete user: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete user: %w", ErrNotFound)
	}
	return nil
}

// ListUsers pages through all users in creation order.
func (s *Store) ListUsers(ctx context.Context, p Page) ([]*model.User, string, error) {
	limit := p.limit()
	rows, err := s.r.QueryContext(ctx, `SELECT `+userSelect+` FROM users WHERE id > $1 ORDER BY id LIMIT $2`,
		p.Cursor, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list users: %w", normalize(err))
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// CountUsers counts every account.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", normalize(err))
	}
	return n, nil
}
