package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

const cloudColumns = `id, owner_id, kind, display_name, status, status_error, credentials, created_at, updated_at`

func scanCloudAccount(row interface{ Scan(...any) error }) (*model.CloudAccount, error) {
	var a model.CloudAccount
	if err := row.Scan(&a.ID, &a.OwnerID, &a.Kind, &a.DisplayName, &a.Status, &a.StatusError, &a.Credentials,
		&a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, normalize(err)
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// CreateCloudAccount inserts a (ID may be preset, since the sealed
// credentials are bound to it; times and status are filled).
func (s *Store) CreateCloudAccount(ctx context.Context, a *model.CloudAccount) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.Status == "" {
		a.Status = model.CloudOK
	}
	a.CreatedAt = now()
	a.UpdatedAt = a.CreatedAt
	_, err := s.w.ExecContext(ctx, `INSERT INTO cloud_accounts (`+cloudColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.OwnerID, a.Kind, a.DisplayName, a.Status, truncate(a.StatusError, 1000), a.Credentials, a.CreatedAt, a.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create cloud account: %w", normalize(err))
	}
	return nil
}

// CloudAccount returns the owner's account, or ErrNotFound (also for
// another owner's account).
func (s *Store) CloudAccount(ctx context.Context, ownerID, id string) (*model.CloudAccount, error) {
	a, err := scanCloudAccount(s.r.QueryRowContext(ctx, `SELECT `+cloudColumns+` FROM cloud_accounts
		WHERE owner_id = $1 AND id = $2`, ownerID, id))
	if err != nil {
		return nil, fmt.Errorf("cloud account: %w", err)
	}
	return a, nil
}

// CloudAccountForJob returns an account by id whatever its owner, for
// background jobs that carry only ids.
func (s *Store) CloudAccountForJob(ctx context.Context, id string) (*model.CloudAccount, error) {
	a, err := scanCloudAccount(s.r.QueryRowContext(ctx, `SELECT `+cloudColumns+` FROM cloud_accounts WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("cloud account: %w", err)
	}
	return a, nil
}

// ListCloudAccounts returns the owner's accounts, oldest first.
func (s *Store) ListCloudAccounts(ctx context.Context, ownerID string) ([]*model.CloudAccount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+cloudColumns+` FROM cloud_accounts WHERE owner_id = $1
		ORDER BY created_at, id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list cloud accounts: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.CloudAccount{}
	for rows.Next() {
		a, err := scanCloudAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list cloud accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, normalize(rows.Err())
}

// SetCloudCredentials replaces the owner's account's sealed credentials
// (a refreshed token, a reconnect) and marks it ok.
func (s *Store) SetCloudCredentials(ctx context.Context, ownerID, id string, sealed []byte) error {
	return s.execOne(ctx, "set cloud credentials", `UPDATE cloud_accounts SET credentials = $1,
		status = CASE WHEN status = 'disconnecting' THEN status ELSE 'ok' END,
		status_error = CASE WHEN status = 'disconnecting' THEN status_error ELSE '' END, updated_at = $2
		WHERE owner_id = $3 AND id = $4`, sealed, now(), ownerID, id)
}

// RenameCloudAccount changes the owner's account's display name.
func (s *Store) RenameCloudAccount(ctx context.Context, ownerID, id, name string) error {
	return s.execOne(ctx, "rename cloud account", `UPDATE cloud_accounts SET display_name = $1, updated_at = $2
		WHERE owner_id = $3 AND id = $4`, name, now(), ownerID, id)
}

// SetCloudStatus records the owner's account's health. An account that is
// disconnecting stays so.
func (s *Store) SetCloudStatus(ctx context.Context, ownerID, id, status, errText string) error {
	return s.execOne(ctx, "set cloud status", `UPDATE cloud_accounts SET
		status = CASE WHEN status = 'disconnecting' THEN status ELSE $1 END, status_error = $2, updated_at = $3
		WHERE owner_id = $4 AND id = $5`, status, truncate(errText, 1000), now(), ownerID, id)
}

// MarkCloudDisconnecting sets the account's status to disconnecting for
// good: no new document is placed there any more.
func (s *Store) MarkCloudDisconnecting(ctx context.Context, ownerID, id string) error {
	return s.execOne(ctx, "disconnect cloud account", `UPDATE cloud_accounts SET status = 'disconnecting', updated_at = $1
		WHERE owner_id = $2 AND id = $3`, now(), ownerID, id)
}

// DeleteCloudAccount removes the owner's account row.
func (s *Store) DeleteCloudAccount(ctx context.Context, ownerID, id string) error {
	return s.execOne(ctx, "delete cloud account", `DELETE FROM cloud_accounts WHERE owner_id = $1 AND id = $2`, ownerID, id)
}

// OAuthState is an authorization code flow in progress.
type OAuthState struct {
	State     string
	OwnerID   string
	Kind      string
	AccountID string // the account being reconnected, "" for a new one
	Verifier  []byte // sealed PKCE verifier
	ExpiresAt time.Time
}

// CreateOAuthState records a flow started by its owner.
func (s *Store) CreateOAuthState(ctx context.Context, o *OAuthState) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO cloud_oauth_states (state, owner_id, kind, account_id, verifier, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, o.State, o.OwnerID, o.Kind, o.AccountID, o.Verifier, o.ExpiresAt.UTC())
	if err != nil {
		return fmt.Errorf("create oauth state: %w", normalize(err))
	}
	return nil
}

// TakeOAuthState returns and deletes the flow with this state (single
// use); ErrNotFound when unknown, already used or expired at t.
func (s *Store) TakeOAuthState(ctx context.Context, state string, t time.Time) (*OAuthState, error) {
	var o OAuthState
	err := s.WithTx(ctx, func(tx *Store) error {
		err := tx.w.QueryRowContext(ctx, `SELECT state, owner_id, kind, account_id, verifier, expires_at
			FROM cloud_oauth_states WHERE state = $1`, state).Scan(&o.State, &o.OwnerID, &o.Kind, &o.AccountID, &o.Verifier, &o.ExpiresAt)
		if err != nil {
			return fmt.Errorf("oauth state: %w", normalize(err))
		}
		return tx.execOne(ctx, "oauth state", `DELETE FROM cloud_oauth_states WHERE state = $1`, state)
	})
	if err != nil {
		return nil, err
	}
	if !o.ExpiresAt.After(t) {
		return nil, fmt.Errorf("oauth state: expired: %w", ErrNotFound)
	}
	o.ExpiresAt = o.ExpiresAt.UTC()
	return &o, nil
}

// DeleteExpiredOAuthStates removes flows that expired before t.
func (s *Store) DeleteExpiredOAuthStates(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM cloud_oauth_states WHERE expires_at <= $1`, t.UTC())
	if err != nil {
		return 0, fmt.Errorf("delete oauth states: %w", normalize(err))
	}
	return res.RowsAffected()
}

// StorageFilter selects an owner's documents by where they live. Empty
// fields do not filter.
type StorageFilter struct {
	SpaceID    string   // documents of this space
	Backend    string   // documents on this backend
	NotBackend string   // documents not on this backend
	States     []string // in one of these states
	ReadyOnly  bool     // processed documents only
	Trash      bool     // include the trash (otherwise excluded)
}

// DocumentIDsByStorage lists up to limit ids of the owner's documents
// matching f, oldest first, after the id afterID ("" from the start).
func (s *Store) DocumentIDsByStorage(ctx context.Context, ownerID string, f StorageFilter, afterID string, limit int) ([]string, error) {
	args := []any{ownerID}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	where := []string{"owner_id = $1"}
	if f.SpaceID != "" {
		where = append(where, "space_id = "+arg(f.SpaceID))
	}
	if f.Backend != "" {
		where = append(where, "storage_backend = "+arg(f.Backend))
	}
	if f.NotBackend != "" {
		where = append(where, "storage_backend <> "+arg(f.NotBackend))
	}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, st := range f.States {
			ph[i] = arg(st)
		}
		where = append(where, "storage_state IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ReadyOnly {
		where = append(where, "status = 'ready'")
	}
	if !f.Trash {
		where = append(where, "deleted_at IS NULL")
	}
	if afterID != "" {
		where = append(where, "id > "+arg(afterID))
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM documents WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("documents by storage: %w", normalize(err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("documents by storage: %w", normalize(err))
		}
		ids = append(ids, id)
	}
	return ids, normalize(rows.Err())
}

// StorageCount is how many of an owner's documents (trash included) are
// on one backend in one state.
type StorageCount struct {
	Backend string
	State   string
	Count   int64
}

// CountDocumentsByStorage groups the owner's documents by backend and state.
func (s *Store) CountDocumentsByStorage(ctx context.Context, ownerID string) ([]StorageCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT storage_backend, storage_state, COUNT(*) FROM documents
		WHERE owner_id = $1 GROUP BY storage_backend, storage_state ORDER BY storage_backend, storage_state`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("count documents by storage: %w", normalize(err))
	}
	defer rows.Close()
	out := []StorageCount{}
	for rows.Next() {
		var c StorageCount
		if err := rows.Scan(&c.Backend, &c.State, &c.Count); err != nil {
			return nil, fmt.Errorf("count documents by storage: %w", normalize(err))
		}
		out = append(out, c)
	}
	return out, normalize(rows.Err())
}

// SetDocumentPlacement records where a document's original lives.
func (s *Store) SetDocumentPlacement(ctx context.Context, id, backend, state, ref, errText string) error {
	return s.execOne(ctx, "set placement", `UPDATE documents SET storage_backend = $1, storage_state = $2,
		storage_ref = $3, storage_error = $4, updated_at = $5 WHERE id = $6`,
		backend, state, ref, truncate(errText, 1000), now(), id)
}

// MarkSystemDocumentsPending marks the space's processed documents in
// system storage (not in the trash) as waiting to move to a drive.
func (s *Store) MarkSystemDocumentsPending(ctx context.Context, spaceID string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE documents SET storage_state = 'pending', storage_error = '', updated_at = $1
		WHERE space_id = $2 AND storage_backend = 'system' AND status = 'ready' AND deleted_at IS NULL
		  AND storage_state <> 'pending'`, now(), spaceID)
	if err != nil {
		return fmt.Errorf("mark documents pending: %w", normalize(err))
	}
	return nil
}

// MarkDocumentPlaced records that the original now lives at ref on the
// cloud account, but only while the document is still in the system store
// and the account is not being disconnected; it returns false (and changes
// nothing) otherwise, and the caller removes the copy it made.
func (s *Store) MarkDocumentPlaced(ctx context.Context, id, accountID, ref string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE documents SET storage_backend = $1, storage_state = 'placed',
		storage_ref = $2, storage_error = '', updated_at = $3
		WHERE id = $4 AND storage_backend = 'system'
		  AND EXISTS (SELECT 1 FROM cloud_accounts c WHERE c.id = $1 AND c.owner_id = documents.owner_id AND c.status <> 'disconnecting')`,
		accountID, ref, now(), id)
	if err != nil {
		return false, fmt.Errorf("mark placed: %w", normalize(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MarkDocumentReturned records that the original is back in the system
// store, but only while it is still recorded at ref on the account.
func (s *Store) MarkDocumentReturned(ctx context.Context, id, accountID, ref string) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE documents SET storage_backend = 'system', storage_state = 'stored',
		storage_ref = '', storage_error = '', updated_at = $1
		WHERE id = $2 AND storage_backend = $3 AND storage_ref = $4`, now(), id, accountID, ref)
	if err != nil {
		return false, fmt.Errorf("mark returned: %w", normalize(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
