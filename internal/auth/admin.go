package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// AdminUpdate is what an admin may change on a user; nil fields stay.
type AdminUpdate struct {
	Role           *string
	Disabled       *bool
	QuotaBytes     *int64
	QuotaDocuments *int64
}

// ListUsers pages through every account.
func (s *Service) ListUsers(ctx context.Context, p store.Page) ([]*model.User, string, error) {
	return s.st.ListUsers(ctx, p)
}

// AdminUpdateUser applies up to user id. Admins cannot demote or disable
// themselves (so the last admin cannot lock everyone out by mistake).
// Disabling a user ends their sessions.
func (s *Service) AdminUpdateUser(ctx context.Context, c Client, actorID, id string, up AdminUpdate) (*model.User, error) {
	fields := map[string]string{}
	if up.Role != nil && *up.Role != "admin" && *up.Role != "user" {
		fields["role"] = "Choose admin or user."
	}
	if up.QuotaBytes != nil && *up.QuotaBytes < 0 {
		fields["quota_bytes"] = "The storage quota must be 0 (unlimited) or more."
	}
	if up.QuotaDocuments != nil && *up.QuotaDocuments < 0 {
		fields["quota_documents"] = "The document quota must be 0 (unlimited) or more."
	}
	if len(fields) > 0 {
		return nil, apperr.Fields("Some fields need attention.", fields)
	}
	if actorID == id && ((up.Role != nil && *up.Role != "admin") || (up.Disabled != nil && *up.Disabled)) {
		return nil, apperr.New(apperr.Conflict, "you cannot remove your own admin role or disable yourself")
	}
	details := map[string]any{}
	if up.Role != nil {
		details["role"] = *up.Role
	}
	if up.Disabled != nil {
		details["disabled"] = *up.Disabled
	}
	if up.QuotaBytes != nil {
		details["quota_bytes"] = *up.QuotaBytes
	}
	if up.QuotaDocuments != nil {
		details["quota_documents"] = *up.QuotaDocuments
	}
	var u *model.User
	err := s.st.WithTx(ctx, func(tx *store.Store) error {
		var err error
		if u, err = tx.UpdateUser(ctx, id, store.UserUpdate{Role: up.Role, Disabled: up.Disabled,
			QuotaBytes: up.QuotaBytes, QuotaDocuments: up.QuotaDocuments}); err != nil {
			return err
		}
		if up.Disabled != nil && *up.Disabled {
			if _, err := tx.RevokeOtherSessions(ctx, id, ""); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, c, actorID, "admin.user_update", id, details)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// AdminDeleteUser deletes an account: first its documents and blobs through
// the UserDataRemover hook, then the row (sessions, tokens and codes go by
// cascade). Audit entries stay.
func (s *Service) AdminDeleteUser(ctx context.Context, c Client, actorID, id string) error {
	if actorID == id {
		return apperr.New(apperr.Conflict, "you cannot delete your own account")
	}
	if _, err := s.st.UserByID(ctx, id); err != nil {
		return err
	}
	if s.remover != nil {
		if err := s.remover.RemoveUserData(ctx, id); err != nil {
			return fmt.Errorf("auth: remove the user's data: %w", err)
		}
	}
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteUser(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, actorID, "admin.user_delete", id, nil)
	})
}

// EnsureAdmin creates the admin named by ADMIN_EMAIL/ADMIN_PASSWORD, or
// makes the existing account an enabled admin with that password. It does
// nothing when email is "".
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) error {
	if email == "" {
		return nil
	}
	if why := checkPasswordShape(password); why != "" {
		return fmt.Errorf("auth: ADMIN_PASSWORD %s", why)
	}
	c := Client{IP: "", UserAgent: "docuvault (ADMIN_EMAIL)"}
	u, err := s.st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		h, err := s.hash.Hash(ctx, password)
		if err != nil {
			return err
		}
		u = &model.User{Email: email, PasswordHash: h, Role: "admin", DisplayName: "Administrator"}
		err = s.st.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateUser(ctx, u); err != nil {
				return fmt.Errorf("auth: create admin: %w", err)
			}
			return s.audit(ctx, tx, c, "", "admin.bootstrap", u.ID, map[string]any{"created": true})
		})
		if err == nil {
			s.log.InfoContext(ctx, "admin "+u.Email+" created from ADMIN_EMAIL")
		}
		return err
	}
	if err != nil {
		return err
	}
	up := store.UserUpdate{}
	if ok, rehash, _ := s.hash.Verify(ctx, password, u.PasswordHash); !ok || rehash {
		h, err := s.hash.Hash(ctx, password)
		if err != nil {
			return err
		}
		up.PasswordHash = &h
	}
	if u.Role != "admin" {
		role := "admin"
		up.Role = &role
	}
	if u.Disabled {
		f := false
		up.Disabled = &f
	}
	if up == (store.UserUpdate{}) {
		s.log.InfoContext(ctx, "admin "+u.Email+" from ADMIN_EMAIL is up to date")
		return nil
	}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if _, err := tx.UpdateUser(ctx, u.ID, up); err != nil {
			return fmt.Errorf("auth: update admin: %w", err)
		}
		return s.audit(ctx, tx, c, "", "admin.bootstrap", u.ID, map[string]any{"created": false})
	})
	if err == nil {
		s.log.InfoContext(ctx, "admin "+u.Email+" updated from ADMIN_EMAIL (role, password or enabled)")
	}
	return err
}

// Purge deletes expired auth rows (marks, counters, reset links, ended sessions).
func (s *Service) Purge(ctx context.Context) (int64, error) { return s.st.PurgeAuth(ctx, s.now()) }
