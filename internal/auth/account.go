package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

const maxDisplayName = 100

func checkEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	switch {
	case len(email) > 254:
		return "That email address is too long."
	case at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>,;\"") || !utf8.ValidString(email):
		return "That is not an email address."
	}
	return ""
}

func checkDisplayName(name string) (string, string) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxDisplayName {
		return "", "The display name must be at most 100 characters."
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", "The display name must not contain control characters."
		}
	}
	return name, ""
}

// Register creates an account: 403 when registration is closed, 409 for a
// taken email, 422 for a weak or breached password.
func (s *Service) Register(ctx context.Context, c Client, email, password, displayName string) (*model.User, error) {
	if !s.cfg.RegistrationOpen {
		return nil, apperr.New(apperr.Forbidden, "registration is closed on this server")
	}
	email = store.NormalizeEmail(email)
	// Every field's problem at once, so the form can mark them all.
	fields := map[string]string{}
	if why := checkEmail(email); why != "" {
		fields["email"] = why
	}
	name, why := checkDisplayName(displayName)
	if why != "" {
		fields["display_name"] = why
	}
	if why := checkPasswordShape(password); why != "" {
		fields["password"] = why
	}
	if len(fields) > 0 {
		return nil, apperr.Fields("Some fields need attention.", fields)
	}
	if err := s.limitBoth(ctx, "register", email, s.limits.RegisterPerAccount, c.IP, s.limits.RegisterPerIP); err != nil {
		return nil, err
	}
	if err := s.checkNewPassword(ctx, "password", password); err != nil {
		return nil, err
	}
	h, err := s.hash.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	u := &model.User{Email: email, DisplayName: name, PasswordHash: h, Role: "user",
		QuotaBytes: s.cfg.DefaultQuotaBytes, QuotaDocuments: s.cfg.DefaultQuotaDocuments}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, "auth.register", u.ID, nil)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, apperr.Wrap(err, apperr.Conflict, "an account with this email already exists")
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ChangePassword sets a new password after checking the current one and
// ends every other session of the user.
func (s *Service) ChangePassword(ctx context.Context, c Client, id *Identity, current, next string) error {
	u, err := s.st.UserByID(ctx, id.UserID)
	if err != nil {
		return err
	}
	if err := s.confirmPassword(ctx, c, u, "current_password", current); err != nil {
		return err
	}
	if err := s.checkNewPassword(ctx, "new_password", next); err != nil {
		return err
	}
	h, err := s.hash.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if _, err := tx.UpdateUser(ctx, u.ID, store.UserUpdate{PasswordHash: &h}); err != nil {
			return err
		}
		n, err := tx.RevokeOtherSessions(ctx, u.ID, id.SessionID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, "auth.password_change", u.ID, map[string]any{"sessions_revoked": n})
	})
}

// RequestPasswordReset mails a single-use link valid ResetTTL when the email
// belongs to an active account. It answers the same either way.
func (s *Service) RequestPasswordReset(ctx context.Context, c Client, email string) error {
	email = store.NormalizeEmail(email)
	if err := s.limitBoth(ctx, "reset", email, s.limits.ResetPerAccount, c.IP, s.limits.ResetPerIP); err != nil {
		return err
	}
	u, err := s.st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	token := randomToken("")
	if err := s.st.CreatePasswordReset(ctx, u.ID, hashToken(token), s.now().Add(s.cfg.ResetTTL)); err != nil {
		return err
	}
	s.auditAlone(ctx, c, "", "auth.password_reset_request", u.ID, nil)
	link := s.cfg.FrontendURL + "/reset-password?token=" + url.QueryEscape(token)
	if err := s.mail.PasswordReset(ctx, u.Email, link); err != nil {
		s.log.ErrorContext(ctx, "queueing the password reset mail failed", slog.String("user_id", u.ID), slog.Any("error", err))
	}
	return nil
}

// ConfirmPasswordReset spends a reset token, sets the new password and ends
// every session of the user.
func (s *Service) ConfirmPasswordReset(ctx context.Context, c Client, token, next string) error {
	if err := s.limit(ctx, "reset_confirm:ip:"+c.IP, s.limits.ResetPerIP); err != nil {
		return err
	}
	// Check the password first, so a refused password does not spend the token.
	if err := s.checkNewPassword(ctx, "new_password", next); err != nil {
		return err
	}
	h, err := s.hash.Hash(ctx, next)
	if err != nil {
		return err
	}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		userID, err := tx.UsePasswordReset(ctx, hashToken(token))
		if err != nil {
			return err
		}
		if _, err := tx.UpdateUser(ctx, userID, store.UserUpdate{PasswordHash: &h}); err != nil {
			return err
		}
		if _, err := tx.RevokeOtherSessions(ctx, userID, ""); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, "auth.password_reset", userID, nil)
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.Fields("This reset link is not valid.", map[string]string{"token": "This reset link is invalid, expired or already used. Ask for a new link."})
	}
	return err
}

// UpdateProfile changes the caller's own display name.
func (s *Service) UpdateProfile(ctx context.Context, userID string, displayName *string) (*model.User, error) {
	if displayName == nil {
		return s.st.UserByID(ctx, userID)
	}
	name, why := checkDisplayName(*displayName)
	if why != "" {
		return nil, apperr.Fields("That name cannot be used.", map[string]string{"display_name": why})
	}
	return s.st.UpdateUser(ctx, userID, store.UserUpdate{DisplayName: &name})
}
