package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// SetupNeeded reports whether no enabled admin exists yet.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	n, err := s.st.CountAdmins(ctx)
	return n == 0, err
}

// PrepareSetup returns the one-time setup token while no admin exists, and
// "" once one does. It keeps previous when that token is still stored (a
// restart prints the same link) and stores a new one otherwise. Tokens are
// kept by hash in the database, so any node accepts them.
func (s *Service) PrepareSetup(ctx context.Context, previous string) (string, error) {
	needed, err := s.SetupNeeded(ctx)
	if err != nil || !needed {
		return "", err
	}
	if previous != "" {
		ok, err := s.st.HasSetupToken(ctx, hashToken(previous))
		if err != nil {
			return "", err
		}
		if ok {
			return previous, nil
		}
	}
	token := randomToken("")
	if err := s.st.AddSetupToken(ctx, hashToken(token)); err != nil {
		return "", err
	}
	return token, nil
}

var errBadSetupToken = apperr.New(apperr.Forbidden, "the setup token is not valid; use the link serve printed in its log or the token in DATA_DIR/setup-token")

// CompleteSetup creates the first admin with the setup token: 404 when an
// admin exists already, 403 for a token that is not a stored one, 422 for a
// bad email, display name or password, 409 for a taken email. Every setup
// token is spent, and Config.SetupTokenFile removed.
func (s *Service) CompleteSetup(ctx context.Context, c Client, token, email, password, displayName string) (*model.User, error) {
	if err := s.limit(ctx, "setup:ip:"+c.IP, s.limits.ResetPerIP); err != nil {
		return nil, err
	}
	needed, err := s.SetupNeeded(ctx)
	if err != nil {
		return nil, err
	}
	if !needed {
		return nil, apperr.New(apperr.NotFound, "no setup is needed: an administrator exists")
	}
	if ok, err := s.st.HasSetupToken(ctx, hashToken(token)); err != nil {
		return nil, err
	} else if !ok || token == "" {
		return nil, errBadSetupToken
	}
	u, h, err := s.newAccount(ctx, email, displayName, "password", password)
	if err != nil {
		return nil, err
	}
	u.Role, u.PasswordHash = "admin", h
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.UseSetupToken(ctx, hashToken(token)); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, "auth.setup", u.ID, nil)
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil, apperr.Wrap(err, apperr.Conflict, "an account with this email already exists")
	case errors.Is(err, store.ErrNotFound):
		return nil, errBadSetupToken
	case err != nil:
		return nil, err
	}
	s.removeSetupFile(ctx)
	s.log.InfoContext(ctx, "first admin created by setup", slog.String("email", u.Email))
	return u, nil
}

// FinishSetupIfAdmin drops leftover setup tokens and the token file once an
// admin exists (created by ADMIN_EMAIL, or on another node).
func (s *Service) FinishSetupIfAdmin(ctx context.Context) error {
	needed, err := s.SetupNeeded(ctx)
	if err != nil || needed {
		return err
	}
	if err := s.st.DeleteSetupTokens(ctx); err != nil {
		return err
	}
	s.removeSetupFile(ctx)
	return nil
}

func (s *Service) removeSetupFile(ctx context.Context) {
	if s.cfg.SetupTokenFile == "" {
		return
	}
	if err := os.Remove(s.cfg.SetupTokenFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.WarnContext(ctx, "removing the setup token file failed", slog.String("path", s.cfg.SetupTokenFile), slog.Any("error", err))
	}
}

// newAccount checks an email, display name and password for a new account
// (422 naming the field) and hashes the password; an empty password is
// allowed when passwordField is "" (an invitation).
func (s *Service) newAccount(ctx context.Context, email, displayName, passwordField, password string) (*model.User, string, error) {
	email = store.NormalizeEmail(email)
	fields := map[string]string{}
	if why := checkEmail(email); why != "" {
		fields["email"] = why
	}
	name, why := checkDisplayName(displayName)
	if why != "" {
		fields["display_name"] = why
	}
	if passwordField != "" {
		if why := checkPasswordShape(password); why != "" {
			fields[passwordField] = why
		}
	}
	if len(fields) > 0 {
		return nil, "", apperr.Fields("Some fields need attention.", fields)
	}
	u := &model.User{Email: email, DisplayName: name, Role: "user",
		QuotaBytes: s.cfg.DefaultQuotaBytes, QuotaDocuments: s.cfg.DefaultQuotaDocuments}
	if passwordField == "" {
		return u, "", nil
	}
	if err := s.checkNewPassword(ctx, passwordField, password); err != nil {
		return nil, "", err
	}
	h, err := s.hash.Hash(ctx, password)
	if err != nil {
		return nil, "", fmt.Errorf("auth: hash: %w", err)
	}
	return u, h, nil
}
