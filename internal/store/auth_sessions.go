package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

// Sentinels of refresh-token rotation.
var (
	// ErrRefreshReused: the refresh token was already rotated; the caller
	// must treat it as theft and revoke the family.
	ErrRefreshReused = errors.New("store: refresh token already used")
	// ErrSessionEnded: the family is revoked or past its absolute lifetime.
	ErrSessionEnded = errors.New("store: session ended")
)

const sessionColumns = `id, user_id, created_at, expires_at, last_used_at, ip, user_agent, revoked_at`

func scanSession(row interface{ Scan(...any) error }) (*model.Session, error) {
	var s model.Session
	var revoked sql.NullTime
	if err := row.Scan(&s.ID, &s.UserID, &s.CreatedAt, &s.ExpiresAt, &s.LastUsedAt, &s.IP, &s.UserAgent, &revoked); err != nil {
		return nil, normalize(err)
	}
	s.CreatedAt, s.ExpiresAt, s.LastUsedAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC(), s.LastUsedAt.UTC()
	if revoked.Valid {
		t := revoked.Time.UTC()
		s.RevokedAt = &t
	}
	return &s, nil
}

// CreateSession inserts a session (filling ID and times from CreatedAt, or
// now) and its first refresh token, stored by hash.
func (s *Store) CreateSession(ctx context.Context, sess *model.Session, tokenHash string) error {
	if sess.ID == "" {
		sess.ID = NewID()
	}
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = now()
	}
	sess.LastUsedAt = sess.CreatedAt
	return s.WithTx(ctx, func(tx *Store) error {
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO auth_sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
			sess.ID, sess.UserID, sess.CreatedAt, sess.ExpiresAt, sess.LastUsedAt, truncate(sess.IP, 64), truncate(sess.UserAgent, 512)); err != nil {
			return fmt.Errorf("create session: %w", normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)`,
			tokenHash, sess.ID, sess.CreatedAt); err != nil {
			return fmt.Errorf("create session: token: %w", normalize(err))
		}
		return nil
	})
}

// SessionByID returns any user's session (for token checks), or ErrNotFound.
func (s *Store) SessionByID(ctx context.Context, id string) (*model.Session, error) {
	sess, err := scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM auth_sessions WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return sess, nil
}

// RotateRefresh spends the refresh token oldHash and stores newHash in its
// family, atomically: of two calls with the same token exactly one succeeds.
// A token already spent is ErrRefreshReused (with its session returned, so
// the caller can revoke the family); a revoked or expired family is
// ErrSessionEnded; an unknown token is ErrNotFound.
func (s *Store) RotateRefresh(ctx context.Context, oldHash, newHash, ip, userAgent string) (*model.Session, error) {
	var sess *model.Session
	err := s.WithTx(ctx, func(tx *Store) error {
		var sessionID string
		var used sql.NullTime
		if err := tx.w.QueryRowContext(ctx, `SELECT session_id, used_at FROM auth_refresh_tokens WHERE token_hash = $1`, oldHash).
			Scan(&sessionID, &used); err != nil {
			return fmt.Errorf("rotate refresh: %w", normalize(err))
		}
		var err error
		if sess, err = scanSession(tx.w.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM auth_sessions WHERE id = $1`, sessionID)); err != nil {
			return fmt.Errorf("rotate refresh: session: %w", err)
		}
		t := now()
		if used.Valid {
			return ErrRefreshReused
		}
		if !sess.Active(t) {
			return ErrSessionEnded
		}
		res, err := tx.w.ExecContext(ctx, `UPDATE auth_refresh_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL`, oldHash, t)
		if err != nil {
			return fmt.Errorf("rotate refresh: %w", normalize(err))
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrRefreshReused // a concurrent rotation won
		}
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)`,
			newHash, sess.ID, t); err != nil {
			return fmt.Errorf("rotate refresh: %w", normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `UPDATE auth_sessions SET last_used_at = $2, ip = $3, user_agent = $4 WHERE id = $1`,
			sess.ID, t, truncate(ip, 64), truncate(userAgent, 512)); err != nil {
			return fmt.Errorf("rotate refresh: %w", normalize(err))
		}
		sess.LastUsedAt, sess.IP, sess.UserAgent = t, ip, userAgent
		return nil
	})
	if errors.Is(err, ErrRefreshReused) || errors.Is(err, ErrSessionEnded) {
		return sess, err
	}
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// ListSessions returns the user's active sessions, most recently used first.
func (s *Store) ListSessions(ctx context.Context, userID string) ([]*model.Session, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+sessionColumns+` FROM auth_sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_used_at DESC, id DESC LIMIT 500`, userID, now())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, sess)
	}
	return out, normalize(rows.Err())
}

// RevokeSession ends the user's session id. Another user's session, or an
// unknown one, is ErrNotFound; revoking twice is not an error.
func (s *Store) RevokeSession(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx, `UPDATE auth_sessions SET revoked_at = COALESCE(revoked_at, $3) WHERE user_id = $1 AND id = $2`,
		userID, id, now())
	if err != nil {
		return fmt.Errorf("revoke session: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke session: %w", ErrNotFound)
	}
	return nil
}

// RevokeOtherSessions ends every session of the user except keepID ("" ends
// all) and returns how many it ended.
func (s *Store) RevokeOtherSessions(ctx context.Context, userID, keepID string) (int64, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE auth_sessions SET revoked_at = $3 WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
		userID, keepID, now())
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", normalize(err))
	}
	return res.RowsAffected()
}

// AuthUser is what authenticating a request needs of an account.
type AuthUser struct {
	ID, Role string
	Disabled bool
}

// AccessCheck is what authenticating a request with an access token
// needs, read fresh in one query by AccessCheckOf.
type AccessCheck struct {
	// Revoked: the token's revocation mark is set and not expired.
	Revoked bool
	// User is the account; nil when there is no such account.
	User *AuthUser
	// Session is the token's session with ID, UserID, ExpiresAt and
	// RevokedAt filled; nil when there is no such session.
	Session *model.Session
}

// AccessCheckOf reads, in one query, whether markKey is set (as HasMark;
// "" is never set), the account userID and the session sessionID ("" for
// none). Nothing is cached: every call reads the rows as they are.
func (s *Store) AccessCheckOf(ctx context.Context, userID, sessionID, markKey string) (*AccessCheck, error) {
	var marks int
	var uid, role, sid, suser sql.NullString
	var disabled sql.NullBool
	var expires, revoked sql.NullTime
	err := s.r.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM auth_marks m WHERE m.key = $3 AND m.expires_at > $4),
			u.id, u.role, u.disabled, ss.id, ss.user_id, ss.expires_at, ss.revoked_at
		FROM (SELECT 1 AS one) o
		LEFT JOIN users u ON u.id = $1
		LEFT JOIN auth_sessions ss ON ss.id = $2`, userID, sessionID, markKey, now()).
		Scan(&marks, &uid, &role, &disabled, &sid, &suser, &expires, &revoked)
	if err != nil {
		return nil, fmt.Errorf("access check: %w", normalize(err))
	}
	c := &AccessCheck{Revoked: markKey != "" && marks > 0}
	if uid.Valid {
		c.User = &AuthUser{ID: uid.String, Role: role.String, Disabled: disabled.Bool}
	}
	if sid.Valid {
		c.Session = &model.Session{ID: sid.String, UserID: suser.String, ExpiresAt: expires.Time.UTC()}
		if revoked.Valid {
			t := revoked.Time.UTC()
			c.Session.RevokedAt = &t
		}
	}
	return c, nil
}
