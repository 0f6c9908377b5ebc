package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// InviteTTL is how long an invitation link works.
const InviteTTL = 7 * 24 * time.Hour

// NewUser is what an admin gives to create an account. Without Password
// the account gets an invitation instead.
type NewUser struct {
	Email       string
	DisplayName string
	Role        string // "user" (default) or "admin"
	Password    string
}

// AdminCreateUser creates an account for an admin: 422 for a bad field or
// weak password, 409 for a taken email. Without a password it mails an
// invitation valid InviteTTL and returns its URL (shown once).
func (s *Service) AdminCreateUser(ctx context.Context, c Client, actorID string, in NewUser) (*model.User, string, error) {
	if in.Role == "" {
		in.Role = "user"
	}
	if in.Role != "admin" && in.Role != "user" {
		return nil, "", apperr.Fields("Some fields need attention.", map[string]string{"role": "Choose admin or user."})
	}
	field := "password"
	if in.Password == "" {
		field = ""
	}
	u, h, err := s.newAccount(ctx, in.Email, in.DisplayName, field, in.Password)
	if err != nil {
		return nil, "", err
	}
	u.Role, u.PasswordHash = in.Role, h
	token, link := "", ""
	if field == "" {
		token = randomToken("")
		link = s.cfg.FrontendURL + "/invite?token=" + url.QueryEscape(token)
	}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c, actorID, "admin.user_create", u.ID, map[string]any{"role": u.Role, "invited": token != ""}); err != nil {
			return err
		}
		if token == "" {
			return nil
		}
		if err := tx.CreateInvitation(ctx, u.ID, hashToken(token), s.now().Add(InviteTTL)); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, actorID, "admin.user_invite", u.ID, nil)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, "", apperr.Wrap(err, apperr.Conflict, "an account with this email already exists")
	}
	if err != nil {
		return nil, "", err
	}
	if token != "" {
		if err := s.mail.Invitation(ctx, u.Email, link, s.now().Add(InviteTTL)); err != nil {
			s.log.ErrorContext(ctx, "queueing the invitation mail failed", slog.String("user_id", u.ID), slog.Any("error", err))
		}
	}
	return u, link, nil
}

// AcceptInvitation spends an invitation token and sets the account's
// password (and display name when given): 422 with errors.password for a
// weak one (the token stays valid), 422 with errors.token for an unknown,
// expired or used token.
func (s *Service) AcceptInvitation(ctx context.Context, c Client, token, password string, displayName *string) error {
	if err := s.limit(ctx, "invite_accept:ip:"+c.IP, s.limits.ResetPerIP); err != nil {
		return err
	}
	var name string
	if displayName != nil {
		var why string
		if name, why = checkDisplayName(*displayName); why != "" {
			return apperr.Fields("That name cannot be used.", map[string]string{"display_name": why})
		}
	}
	if err := s.checkNewPassword(ctx, "password", password); err != nil {
		return err
	}
	h, err := s.hash.Hash(ctx, password)
	if err != nil {
		return err
	}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		userID, err := tx.UseInvitation(ctx, hashToken(token))
		if err != nil {
			return err
		}
		up := store.UserUpdate{PasswordHash: &h}
		if displayName != nil {
			up.DisplayName = &name
		}
		if _, err := tx.UpdateUser(ctx, userID, up); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, "auth.invite_accept", userID, nil)
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.Fields("This invitation is not valid.", map[string]string{"token": "This invitation is invalid, expired or already used. Ask an administrator for a new one."})
	}
	return err
}

// AdminReset2FA turns off the user's two-factor sign-in (TOTP secret and
// backup codes removed), ends every session and mails a security alert.
func (s *Service) AdminReset2FA(ctx context.Context, c Client, actorID, id string) error {
	u, err := s.st.UserByID(ctx, id)
	if err != nil {
		return err
	}
	off := false
	var none []byte
	var n int64
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if _, err := tx.UpdateUser(ctx, u.ID, store.UserUpdate{TOTPEnabled: &off, TOTPSecret: &none}); err != nil {
			return err
		}
		if err := tx.DeleteBackupCodes(ctx, u.ID); err != nil {
			return err
		}
		if n, err = tx.RevokeOtherSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, actorID, "admin.user_reset_2fa", u.ID, map[string]any{"sessions_revoked": n})
	})
	if err != nil {
		return err
	}
	if err := s.mail.SecurityAlert(ctx, u.Email, AlertInfo{Event: "admin_reset_2fa", At: s.now().UTC(), IP: c.IP, UserAgent: c.UserAgent}); err != nil {
		s.log.ErrorContext(ctx, "queueing the security alert failed", slog.String("user_id", u.ID), slog.Any("error", err))
	}
	return nil
}

// AdminPasswordReset mails the user a password-reset link, as if they had
// asked for one; 404 for an unknown user.
func (s *Service) AdminPasswordReset(ctx context.Context, c Client, actorID, id string) error {
	u, err := s.st.UserByID(ctx, id)
	if err != nil {
		return err
	}
	token := randomToken("")
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreatePasswordReset(ctx, u.ID, hashToken(token), s.now().Add(s.cfg.ResetTTL)); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, actorID, "admin.user_password_reset", u.ID, nil)
	})
	if err != nil {
		return err
	}
	link := s.cfg.FrontendURL + "/reset-password?token=" + url.QueryEscape(token)
	if err := s.mail.PasswordReset(ctx, u.Email, link); err != nil {
		s.log.ErrorContext(ctx, "queueing the password reset mail failed", slog.String("user_id", u.ID), slog.Any("error", err))
	}
	return nil
}

// RegistrationOpen reports whether anyone may register (REGISTRATION_OPEN).
func (s *Service) RegistrationOpen() bool { return s.cfg.RegistrationOpen }
