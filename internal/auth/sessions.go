package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Tokens is what a sign-in or refresh hands the client.
type Tokens struct {
	AccessToken    string
	ExpiresIn      int // seconds
	RefreshToken   string
	RefreshExpires time.Time // absolute end of the family
	SessionID      string
	User           *model.User
}

// Identity is an authenticated caller.
type Identity struct {
	UserID    string
	Role      string
	TokenID   string // access-token jti, or API token id
	SessionID string // refresh family of an access token; "" for API tokens
	Via       string // "bearer", "cookie" or "api_token"
	ExpiresAt time.Time
}

// LoginInput is a sign-in attempt.
type LoginInput struct {
	Email, Password      string
	TOTPCode, BackupCode string
}

func randomToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how high-entropy tokens (refresh, reset, API) are stored.
func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

var errSessionOver = apperr.New(apperr.Unauthorized, "the session has ended; sign in again")

// Login checks the credentials (and second factor) and starts a session.
// Unknown emails, wrong passwords and disabled accounts get the same answer,
// after the same amount of hashing.
func (s *Service) Login(ctx context.Context, c Client, in LoginInput) (*Tokens, error) {
	email := store.NormalizeEmail(in.Email)
	g, err := s.guardFailures(ctx, s.loginRules("login", email, c.IP))
	if err != nil {
		return nil, err
	}
	u, err := s.st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		_, _, _ = s.hash.Verify(ctx, in.Password, s.dummy)
		s.auditAlone(ctx, c, "", "auth.login_failed", "", map[string]any{"reason": "bad_credentials"})
		return nil, errBadCredentials
	}
	if err != nil {
		g.cancel(ctx)
		return nil, err
	}
	hash := u.PasswordHash
	if hash == "" { // invited, no password chosen yet
		hash = s.dummy
	}
	ok, rehash, err := s.hash.Verify(ctx, in.Password, hash)
	ok = ok && u.PasswordHash != ""
	if err != nil && !errors.Is(err, ErrBadHash) {
		g.cancel(ctx)
		return nil, err
	}
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash unreadable", slog.String("user_id", u.ID))
	}
	if !ok || u.Disabled {
		reason := "bad_credentials"
		if ok {
			reason = "disabled"
		}
		s.auditAlone(ctx, c, u.ID, "auth.login_failed", u.ID, map[string]any{"reason": reason})
		return nil, errBadCredentials
	}
	g.pass(ctx)
	if rehash {
		s.upgradeHash(ctx, u.ID, in.Password)
	}
	details := map[string]any{"mfa": u.TOTPEnabled}
	if u.TOTPEnabled {
		if in.TOTPCode == "" && in.BackupCode == "" {
			return nil, apperr.New(apperr.MFARequired, "two-factor authentication is on: send totp_code or backup_code")
		}
		usedBackup, err := s.secondFactor(ctx, c, u, in.TOTPCode, in.BackupCode)
		if err != nil {
			if apperr.Is(err, apperr.Unauthorized) {
				s.auditAlone(ctx, c, u.ID, "auth.login_failed", u.ID, map[string]any{"reason": "second_factor"})
			}
			return nil, err
		}
		details["backup_code"] = usedBackup
	}
	return s.startSession(ctx, c, u, details)
}

func (s *Service) upgradeHash(ctx context.Context, userID, password string) {
	h, err := s.hash.Hash(ctx, password)
	if err == nil {
		_, err = s.st.UpdateUser(ctx, userID, store.UserUpdate{PasswordHash: &h})
	}
	if err != nil {
		s.log.WarnContext(ctx, "password hash upgrade failed", slog.String("user_id", userID), slog.Any("error", err))
	}
}

// startSession creates a refresh family and its first tokens, recording
// auth.login in the same transaction.
func (s *Service) startSession(ctx context.Context, c Client, u *model.User, details map[string]any) (*Tokens, error) {
	refresh := randomToken("")
	t := s.now().UTC()
	sess := &model.Session{UserID: u.ID, ExpiresAt: t.Add(s.cfg.RefreshTTL), IP: c.IP, UserAgent: c.UserAgent}
	err := s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateSession(ctx, sess, hashToken(refresh)); err != nil {
			return err
		}
		details["session_id"] = sess.ID
		return s.audit(ctx, tx, c, u.ID, "auth.login", u.ID, details)
	})
	if err != nil {
		return nil, err
	}
	return s.tokensFor(c, u, sess, refresh)
}

func (s *Service) tokensFor(c Client, u *model.User, sess *model.Session, refresh string) (*Tokens, error) {
	access, claims, err := s.tokens.issue(u.ID, sess.ID, c.fingerprint(), s.now())
	if err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, ExpiresIn: int(claims.ExpiresAt.Sub(claims.IssuedAt.Time).Seconds()),
		RefreshToken: refresh, RefreshExpires: sess.ExpiresAt, SessionID: sess.ID, User: u}, nil
}

// Refresh spends a refresh token and returns new tokens in the same family.
//
// Reuse: a token that was already rotated revokes the whole family, writes
// auth.refresh_reuse and mails a security alert. Concurrent refreshes with
// the same token are resolved by the store's atomic rotation: exactly one
// succeeds and every other one is treated as reuse, so the family ends (the
// winner's new tokens stop working too). There is no grace window: a client
// must not send two refreshes at once (the web UI shares one in-flight
// refresh per tab), and a second use is what token theft looks like.
func (s *Service) Refresh(ctx context.Context, c Client, raw string) (*Tokens, error) {
	if raw == "" || len(raw) > 256 {
		return nil, apperr.New(apperr.Unauthorized, "no refresh token; sign in")
	}
	next := randomToken("")
	sess, err := s.st.RotateRefresh(ctx, hashToken(raw), hashToken(next), c.IP, c.UserAgent)
	switch {
	case errors.Is(err, store.ErrRefreshReused):
		s.refreshReused(ctx, c, sess)
		return nil, apperr.Wrap(err, apperr.Unauthorized, "this refresh token was already used; the session has been ended for safety, sign in again")
	case errors.Is(err, store.ErrSessionEnded), errors.Is(err, store.ErrNotFound):
		return nil, apperr.Wrap(err, apperr.Unauthorized, "the session has ended; sign in again")
	case err != nil:
		return nil, err
	}
	u, err := s.st.UserByID(ctx, sess.UserID)
	if err != nil || u.Disabled {
		_ = s.st.RevokeSession(ctx, sess.UserID, sess.ID)
		return nil, errSessionOver
	}
	return s.tokensFor(c, u, sess, next)
}

func (s *Service) refreshReused(ctx context.Context, c Client, sess *model.Session) {
	alreadyEnded := sess.RevokedAt != nil
	err := s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeSession(ctx, sess.UserID, sess.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, "auth.refresh_reuse", sess.UserID, map[string]any{"session_id": sess.ID})
	})
	if err != nil {
		s.log.ErrorContext(ctx, "revoking a reused refresh family failed", slog.String("session_id", sess.ID), slog.Any("error", err))
		return
	}
	if alreadyEnded {
		return // the alert went out when the family was first ended
	}
	u, err := s.st.UserByID(ctx, sess.UserID)
	if err != nil {
		return
	}
	if err := s.mail.SecurityAlert(ctx, u.Email, AlertInfo{Event: "refresh_reuse", At: s.now().UTC(), IP: c.IP, UserAgent: c.UserAgent}); err != nil {
		s.log.ErrorContext(ctx, "queueing the security alert failed", slog.String("user_id", u.ID), slog.Any("error", err))
	}
}

// Logout ends the caller's access token (its jti is revoked until it would
// have expired) and its refresh family.
func (s *Service) Logout(ctx context.Context, c Client, id *Identity) error {
	if id.Via != "api_token" {
		if ttl := time.Until(id.ExpiresAt); ttl > 0 {
			if _, err := s.state.Mark(ctx, "jti:"+id.TokenID, ttl+time.Minute); err != nil {
				return err
			}
		}
	}
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if id.SessionID != "" {
			if err := tx.RevokeSession(ctx, id.UserID, id.SessionID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return s.audit(ctx, tx, c, id.UserID, "auth.logout", id.UserID, map[string]any{"session_id": id.SessionID})
	})
}

// Authenticate checks an access token (a JWT, or a personal API token
// "dv_...") presented via "bearer" or "cookie". The user row is read on every
// request, so a disabled or deleted user is refused at once, and so is a
// token whose jti or session was revoked.
func (s *Service) Authenticate(ctx context.Context, c Client, raw, via string) (*Identity, error) {
	if strings.HasPrefix(raw, apiTokenPrefix) {
		if via == "cookie" {
			return nil, apperr.New(apperr.Unauthorized, "the access token is not valid")
		}
		return s.authenticateAPIToken(ctx, raw)
	}
	claims, err := s.tokens.verify(raw, c.fingerprint())
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unauthorized, "the access token is not valid")
	}
	// The revocation mark (when it is kept in the database), the account and
	// the session are read in one query; a mark in Redis is asked first.
	markKey := "jti:" + claims.ID
	if !s.marksInStore() {
		revoked, err := s.state.Marked(ctx, markKey)
		if err != nil {
			return nil, err
		}
		if revoked {
			return nil, apperr.New(apperr.Unauthorized, "the access token was revoked")
		}
		markKey = ""
	}
	check, err := s.st.AccessCheckOf(ctx, claims.Subject, claims.Sid, markKey)
	if err != nil {
		return nil, err
	}
	if check.Revoked {
		return nil, apperr.New(apperr.Unauthorized, "the access token was revoked")
	}
	u, err := activeAccount(check.User)
	if err != nil {
		return nil, err
	}
	if claims.Sid != "" && (check.Session == nil || check.Session.UserID != u.ID || !check.Session.Active(s.now())) {
		return nil, errSessionOver
	}
	return &Identity{UserID: u.ID, Role: u.Role, TokenID: claims.ID, SessionID: claims.Sid, Via: via, ExpiresAt: claims.ExpiresAt.Time}, nil
}

// activeAccount refuses a missing or disabled account.
func activeAccount(u *store.AuthUser) (*store.AuthUser, error) {
	if u == nil {
		return nil, apperr.New(apperr.Unauthorized, "the account no longer exists")
	}
	if u.Disabled {
		return nil, apperr.New(apperr.Unauthorized, "the account is disabled")
	}
	return u, nil
}

// marksInStore reports whether revocation marks are kept in the tables of
// the Service's own store (DBState), so AccessCheckOf can read them.
func (s *Service) marksInStore() bool {
	d, ok := s.state.(*DBState)
	return ok && d.st != nil && Store(d.st) == s.st
}

// Sessions lists the user's active refresh families.
func (s *Service) Sessions(ctx context.Context, userID string) ([]*model.Session, error) {
	return s.st.ListSessions(ctx, userID)
}

// RevokeSession ends one of the user's sessions; another user's is ErrNotFound.
func (s *Service) RevokeSession(ctx context.Context, c Client, userID, sessionID string) error {
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeSession(ctx, userID, sessionID); err != nil {
			return fmt.Errorf("auth: revoke session: %w", err)
		}
		return s.audit(ctx, tx, c, userID, "auth.session_revoke", userID, map[string]any{"session_id": sessionID})
	})
}
