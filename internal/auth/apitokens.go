package auth

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// apiTokenPrefix starts every personal API token.
const apiTokenPrefix = "dv_"

// CreateAPIToken makes a personal API token and returns it with its secret,
// which is shown this once; only its SHA-256 is stored.
func (s *Service) CreateAPIToken(ctx context.Context, c Client, userID, name string, expiresAt *time.Time) (*model.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return nil, "", apperr.Fields("Give the token a name.", map[string]string{"name": "Give the token a name of at most 100 characters."})
	}
	if expiresAt != nil && !expiresAt.After(s.now()) {
		return nil, "", apperr.Fields("The expiry is in the past.", map[string]string{"expires_at": "The expiry must be in the future."})
	}
	secret := randomToken(apiTokenPrefix)
	t := &model.APIToken{UserID: userID, Name: name, TokenHash: hashToken(secret), ExpiresAt: expiresAt}
	err := s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, "auth.token_create", userID, map[string]any{"token_id": t.ID})
	})
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// ListAPITokens pages through the user's tokens (secrets are never returned).
func (s *Service) ListAPITokens(ctx context.Context, userID string, p store.Page) ([]*model.APIToken, string, error) {
	return s.st.ListAPITokens(ctx, userID, p)
}

// DeleteAPIToken revokes one of the user's tokens; another user's is ErrNotFound.
func (s *Service) DeleteAPIToken(ctx context.Context, c Client, userID, id string) error {
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteAPIToken(ctx, userID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, "auth.token_delete", userID, map[string]any{"token_id": id})
	})
}

func (s *Service) authenticateAPIToken(ctx context.Context, raw string) (*Identity, error) {
	refused := apperr.New(apperr.Unauthorized, "the API token is not valid")
	if len(raw) > 128 {
		return nil, refused
	}
	t, acct, err := s.st.APITokenAccess(ctx, hashToken(raw))
	if errors.Is(err, store.ErrNotFound) {
		return nil, refused
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return nil, apperr.New(apperr.Unauthorized, "the API token has expired")
	}
	u, err := activeAccount(acct)
	if err != nil {
		return nil, err
	}
	// last_used_at is kept to the minute, so busy tokens do not write on every request.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.st.TouchAPIToken(ctx, t.ID, now); err != nil {
			return nil, err
		}
	}
	return &Identity{UserID: u.ID, Role: u.Role, TokenID: t.ID, Via: "api_token"}, nil
}
