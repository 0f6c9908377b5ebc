package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// ErrLastOwner and friends: ErrInvalid refusals of member changes.
var (
	ErrPersonalSpace = fmt.Errorf("%w: a personal space cannot be shared", ErrInvalid)
	ErrOwnerRole     = fmt.Errorf("%w: nobody can be added as owner or removed while owner", ErrInvalid)
	ErrSpaceNotEmpty = fmt.Errorf("%w: the space still holds documents", ErrConflict)
	ErrAlreadyMember = fmt.Errorf("%w: already a member", ErrConflict)
)

// createPersonalSpace adds the user's personal space and its owner row; call
// it in the transaction that creates the user.
func (s *Store) createPersonalSpace(ctx context.Context, userID string, at time.Time) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO spaces (id, name, kind, owner_id, created_at) VALUES ($1, $2, 'personal', $1, $3)`,
		userID, model.PersonalSpaceName, at); err != nil {
		return fmt.Errorf("create personal space: %w", normalize(err))
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO space_members (space_id, user_id, role, added_at) VALUES ($1, $1, 'owner', $2)`,
		userID, at); err != nil {
		return fmt.Errorf("create personal space: %w", normalize(err))
	}
	return nil
}

// CreateSpace creates a shared space owned by sp.OwnerID (ID and time filled).
func (s *Store) CreateSpace(ctx context.Context, sp *model.Space) error {
	if sp.ID == "" {
		sp.ID = NewID()
	}
	if sp.Kind == "" {
		sp.Kind = model.SpaceShared
	}
	if sp.CreatedAt.IsZero() {
		sp.CreatedAt = now()
	}
	return s.WithTx(ctx, func(tx *Store) error {
		// A new shared space starts where its owner keeps documents.
		if err := tx.w.QueryRowContext(ctx, `INSERT INTO spaces (id, name, kind, owner_id, created_at, storage_backend)
			VALUES ($1, $2, $3, $4, $5, COALESCE((SELECT storage_backend FROM users WHERE id = $4), 'system'))
			RETURNING storage_backend`,
			sp.ID, sp.Name, sp.Kind, sp.OwnerID, sp.CreatedAt.UTC()).Scan(&sp.StorageBackend); err != nil {
			return fmt.Errorf("create space: %w", normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO space_members (space_id, user_id, role, added_at) VALUES ($1, $2, 'owner', $3)`,
			sp.ID, sp.OwnerID, sp.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("create space: %w", normalize(err))
		}
		sp.Role, sp.MemberCount = model.RoleOwner, 1
		return nil
	})
}

const spaceSelect = `SELECT s.id, s.name, s.kind, s.owner_id, COALESCE(u.display_name, ''), COALESCE(me.role, ''),
	(SELECT COUNT(*) FROM space_members c WHERE c.space_id = s.id), s.created_at,
	CASE WHEN s.kind = 'personal' THEN COALESCE(u.storage_backend, 'system') ELSE s.storage_backend END
	FROM spaces s LEFT JOIN users u ON u.id = s.owner_id
	LEFT JOIN space_members me ON me.space_id = s.id AND me.user_id = $1`

func scanSpace(row interface{ Scan(...any) error }) (*model.Space, error) {
	var sp model.Space
	var role string
	if err := row.Scan(&sp.ID, &sp.Name, &sp.Kind, &sp.OwnerID, &sp.OwnerName, &role, &sp.MemberCount, &sp.CreatedAt, &sp.StorageBackend); err != nil {
		return nil, normalize(err)
	}
	sp.Role, _ = model.ParseSpaceRole(role)
	sp.CreatedAt = sp.CreatedAt.UTC()
	return &sp, nil
}

// Space returns the space as userID sees it (Role filled), or ErrNotFound
// when it does not exist or userID is not a member.
func (s *Store) Space(ctx context.Context, userID, id string) (*model.Space, error) {
	sp, err := scanSpace(s.r.QueryRowContext(ctx, spaceSelect+` WHERE s.id = $2 AND me.user_id IS NOT NULL`, userID, id))
	if err != nil {
		return nil, fmt.Errorf("space: %w", err)
	}
	return sp, nil
}

// SpaceByID returns a space whatever the caller (Role empty), for jobs,
// exports and checks.
func (s *Store) SpaceByID(ctx context.Context, id string) (*model.Space, error) {
	sp, err := scanSpace(s.r.QueryRowContext(ctx, spaceSelect+` WHERE s.id = $2`, "", id))
	if err != nil {
		return nil, fmt.Errorf("space: %w", err)
	}
	return sp, nil
}

// ListSpaces lists the spaces userID belongs to: the personal one first, then by name.
func (s *Store) ListSpaces(ctx context.Context, userID string) ([]*model.Space, error) {
	return s.querySpaces(ctx, spaceSelect+` WHERE me.user_id IS NOT NULL
		ORDER BY CASE WHEN s.kind = 'personal' THEN 0 ELSE 1 END, s.name, s.id`, userID)
}

// AllSpaces lists every space, for exports and checks.
func (s *Store) AllSpaces(ctx context.Context) ([]*model.Space, error) {
	return s.querySpaces(ctx, spaceSelect+` ORDER BY s.id`, "")
}

func (s *Store) querySpaces(ctx context.Context, q string, args ...any) ([]*model.Space, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list spaces: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.Space{}
	for rows.Next() {
		sp, err := scanSpace(rows)
		if err != nil {
			return nil, fmt.Errorf("list spaces: %w", err)
		}
		out = append(out, sp)
	}
	return out, normalize(rows.Err())
}

// RenameSpace changes a space's name.
func (s *Store) RenameSpace(ctx context.Context, id, name string) error {
	return s.execOne(ctx, "rename space", `UPDATE spaces SET name = $1 WHERE id = $2`, name, id)
}

// SetSpaceStorage records where a shared space's documents live ("system"
// or an account id of the space's owner; the caller checks the account).
// A personal space's storage is its user's setting: ErrNotFound here.
func (s *Store) SetSpaceStorage(ctx context.Context, id, backend string) error {
	return s.execOne(ctx, "set space storage", `UPDATE spaces SET storage_backend = $1 WHERE id = $2 AND kind = 'shared'`, backend, id)
}

// ResetSpaceStorage puts the owner's shared spaces that keep documents on
// the account back to system storage (the account is being disconnected).
func (s *Store) ResetSpaceStorage(ctx context.Context, ownerID, accountID string) error {
	if _, err := s.w.ExecContext(ctx, `UPDATE spaces SET storage_backend = 'system' WHERE owner_id = $1 AND storage_backend = $2`,
		ownerID, accountID); err != nil {
		return fmt.Errorf("reset space storage: %w", normalize(err))
	}
	return nil
}

// OwnedSpaces lists the spaces userID owns (personal first), Role empty.
func (s *Store) OwnedSpaces(ctx context.Context, userID string) ([]*model.Space, error) {
	return s.querySpaces(ctx, spaceSelect+` WHERE s.owner_id = $2
		ORDER BY CASE WHEN s.kind = 'personal' THEN 0 ELSE 1 END, s.id`, "", userID)
}

// DeleteSpace removes a shared space with its members and topics. It fails
// with ErrSpaceNotEmpty while a document (trash included) is in it, and
// with ErrPersonalSpace for a personal space.
func (s *Store) DeleteSpace(ctx context.Context, id string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var kind string
		if err := tx.w.QueryRowContext(ctx, `SELECT kind FROM spaces WHERE id = $1`, id).Scan(&kind); err != nil {
			return fmt.Errorf("delete space: %w", normalize(err))
		}
		if kind == model.SpacePersonal {
			return ErrPersonalSpace
		}
		var n int64
		if err := tx.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM documents WHERE space_id = $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("delete space: %w", normalize(err))
		}
		if n > 0 {
			return ErrSpaceNotEmpty
		}
		if n, err := tx.countUploads(ctx, id); err != nil || n > 0 {
			if err != nil {
				return err
			}
			return ErrSpaceNotEmpty
		}
		if _, err := tx.w.ExecContext(ctx, `DELETE FROM topics WHERE space_id = $1`, id); err != nil {
			return fmt.Errorf("delete space: %w", normalize(err))
		}
		return tx.execOne(ctx, "delete space", `DELETE FROM spaces WHERE id = $1`, id)
	})
}

func (s *Store) countUploads(ctx context.Context, spaceID string) (int64, error) {
	var n int64
	if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM uploads WHERE space_id = $1`, spaceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("space uploads: %w", normalize(err))
	}
	return n, nil
}

const memberSelect = `SELECT m.space_id, m.user_id, u.email, u.display_name, m.role, m.added_at
	FROM space_members m JOIN users u ON u.id = m.user_id`

func scanMember(row interface{ Scan(...any) error }) (*model.SpaceMember, error) {
	var m model.SpaceMember
	var role string
	if err := row.Scan(&m.SpaceID, &m.UserID, &m.Email, &m.DisplayName, &role, &m.AddedAt); err != nil {
		return nil, normalize(err)
	}
	m.Role, _ = model.ParseSpaceRole(role)
	m.AddedAt = m.AddedAt.UTC()
	return &m, nil
}

// SpaceMembers lists a space's members, the owner first, then by when they were added.
func (s *Store) SpaceMembers(ctx context.Context, spaceID string) ([]*model.SpaceMember, error) {
	rows, err := s.r.QueryContext(ctx, memberSelect+` WHERE m.space_id = $1
		ORDER BY CASE WHEN m.role = 'owner' THEN 0 ELSE 1 END, m.added_at, m.user_id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("space members: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.SpaceMember{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("space members: %w", err)
		}
		out = append(out, m)
	}
	return out, normalize(rows.Err())
}

// SpaceMember returns one member, or ErrNotFound.
func (s *Store) SpaceMember(ctx context.Context, spaceID, userID string) (*model.SpaceMember, error) {
	m, err := scanMember(s.r.QueryRowContext(ctx, memberSelect+` WHERE m.space_id = $1 AND m.user_id = $2`, spaceID, userID))
	if err != nil {
		return nil, fmt.Errorf("space member: %w", err)
	}
	return m, nil
}

// AddSpaceMember adds userID to a shared space with a role below owner. It
// fails with ErrPersonalSpace, ErrOwnerRole, ErrAlreadyMember, or
// ErrNotFound when the space or user does not exist.
func (s *Store) AddSpaceMember(ctx context.Context, spaceID, userID string, role model.SpaceRole) (*model.SpaceMember, error) {
	if role <= model.RoleNone || role >= model.RoleOwner {
		return nil, ErrOwnerRole
	}
	var m *model.SpaceMember
	err := s.WithTx(ctx, func(tx *Store) error {
		var kind string
		if err := tx.w.QueryRowContext(ctx, `SELECT kind FROM spaces WHERE id = $1`, spaceID).Scan(&kind); err != nil {
			return fmt.Errorf("add member: %w", normalize(err))
		}
		if kind == model.SpacePersonal {
			return ErrPersonalSpace
		}
		if r, err := tx.SpaceRoleOf(ctx, spaceID, userID); err != nil {
			return err
		} else if r != model.RoleNone {
			return ErrAlreadyMember
		}
		if _, err := tx.w.ExecContext(ctx, `INSERT INTO space_members (space_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)`,
			spaceID, userID, role.String(), now()); err != nil {
			if errors.Is(normalize(err), ErrReferenced) {
				return fmt.Errorf("add member: %w", ErrNotFound)
			}
			return fmt.Errorf("add member: %w", normalize(err))
		}
		var err error
		m, err = tx.SpaceMember(ctx, spaceID, userID)
		return err
	})
	return m, err
}

// UpdateSpaceMember changes a member's role. The owner's row cannot change
// and nobody becomes owner (ErrOwnerRole); ErrNotFound for a non-member.
func (s *Store) UpdateSpaceMember(ctx context.Context, spaceID, userID string, role model.SpaceRole) (*model.SpaceMember, error) {
	if role <= model.RoleNone || role >= model.RoleOwner {
		return nil, ErrOwnerRole
	}
	var m *model.SpaceMember
	err := s.WithTx(ctx, func(tx *Store) error {
		cur, err := tx.SpaceRoleOf(ctx, spaceID, userID)
		if err != nil {
			return err
		}
		switch cur {
		case model.RoleNone:
			return fmt.Errorf("update member: %w", ErrNotFound)
		case model.RoleOwner:
			return ErrOwnerRole
		}
		if err := tx.execOne(ctx, "update member", `UPDATE space_members SET role = $1 WHERE space_id = $2 AND user_id = $3`,
			role.String(), spaceID, userID); err != nil {
			return err
		}
		m, err = tx.SpaceMember(ctx, spaceID, userID)
		return err
	})
	return m, err
}

// RemoveSpaceMember removes a member other than the owner (ErrOwnerRole);
// ErrNotFound for a non-member.
func (s *Store) RemoveSpaceMember(ctx context.Context, spaceID, userID string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		cur, err := tx.SpaceRoleOf(ctx, spaceID, userID)
		if err != nil {
			return err
		}
		switch cur {
		case model.RoleNone:
			return fmt.Errorf("remove member: %w", ErrNotFound)
		case model.RoleOwner:
			return ErrOwnerRole
		}
		return tx.execOne(ctx, "remove member", `DELETE FROM space_members WHERE space_id = $1 AND user_id = $2`, spaceID, userID)
	})
}

// ImportSpace inserts a shared space and its members as a backup describes
// them (personal spaces come with their users, see ImportUser).
func (s *Store) ImportSpace(ctx context.Context, sp *model.Space, members []*model.SpaceMember) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if sp.Kind != model.SpacePersonal {
			if _, err := tx.w.ExecContext(ctx, `INSERT INTO spaces (id, name, kind, owner_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
				sp.ID, sp.Name, sp.Kind, sp.OwnerID, sp.CreatedAt.UTC()); err != nil {
				return fmt.Errorf("restore space: %w", normalize(err))
			}
		} else if err := tx.RenameSpace(ctx, sp.ID, sp.Name); err != nil {
			return err
		}
		for _, m := range members {
			if m.Role == model.RoleOwner && sp.Kind == model.SpacePersonal {
				continue
			}
			if _, err := tx.w.ExecContext(ctx, `INSERT INTO space_members (space_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)`,
				sp.ID, m.UserID, m.Role.String(), m.AddedAt.UTC()); err != nil {
				return fmt.Errorf("restore space member: %w", normalize(err))
			}
		}
		return nil
	})
}

// ErrPlacedElsewhere refuses moving a document whose original lives in its
// space owner's cloud drive to a space of another owner.
var ErrPlacedElsewhere = fmt.Errorf("%w: the original lives in the space owner's cloud drive", ErrConflict)

// MoveDocument moves a live document to the space target: its usage goes to
// the target's owner (ErrQuota when it does not fit), topics, correspondent,
// type and custom field values that are not the target's are dropped, its
// share links are revoked, and its search entry follows. A document kept
// in a cloud drive cannot change owner (ErrPlacedElsewhere).
func (s *Store) MoveDocument(ctx context.Context, d *model.Document, target *model.Space) error {
	if d.SpaceID == target.ID {
		return nil
	}
	return s.WithTx(ctx, func(tx *Store) error {
		if target.OwnerID != d.OwnerID {
			if d.StorageBackend != "system" {
				return ErrPlacedElsewhere
			}
			if err := tx.ChargeUsage(ctx, target.OwnerID, d.SizeBytes, 1); err != nil {
				return err
			}
			if err := tx.ReleaseUsage(ctx, d.OwnerID, d.SizeBytes, 1); err != nil {
				return err
			}
		}
		// The labels of both spaces change when the document had topics of its own.
		if err := tx.bumpIfLabelled(ctx, d.ID); err != nil {
			return err
		}
		if err := tx.execOne(ctx, "move document", `UPDATE documents SET space_id = $1, owner_id = $2, updated_at = $3
			WHERE id = $4 AND space_id = $5 AND deleted_at IS NULL`, target.ID, target.OwnerID, now(), d.ID, d.SpaceID); err != nil {
			return err
		}
		// Topics, correspondent, type and field values of the old space do
		// not follow; share links die with the move.
		for _, q := range []string{
			`DELETE FROM document_topics WHERE document_id = $1
				AND topic_id NOT IN (SELECT id FROM topics WHERE space_id = $2)`,
			`UPDATE documents SET correspondent_id = NULL WHERE id = $1
				AND correspondent_id NOT IN (SELECT id FROM correspondents WHERE space_id = $2)`,
			`UPDATE documents SET document_type_id = NULL WHERE id = $1
				AND document_type_id NOT IN (SELECT id FROM document_types WHERE space_id = $2)`,
			`DELETE FROM document_field_values WHERE document_id = $1
				AND field_id NOT IN (SELECT id FROM custom_fields WHERE space_id = $2)`,
		} {
			if _, err := tx.w.ExecContext(ctx, q, d.ID, target.ID); err != nil {
				return fmt.Errorf("move document: %w", normalize(err))
			}
		}
		// A dropped correspondent or type was nobody's choice in the new space: its classifier may propose one.
		if _, err := tx.w.ExecContext(ctx, `UPDATE documents SET
			correspondent_source = CASE WHEN correspondent_id IS NULL THEN '' ELSE correspondent_source END,
			document_type_source = CASE WHEN document_type_id IS NULL THEN '' ELSE document_type_source END WHERE id = $1`, d.ID); err != nil {
			return fmt.Errorf("move document: %w", normalize(err))
		}
		if _, err := tx.RevokeDocumentLinks(ctx, d.ID); err != nil {
			return err
		}
		if err := tx.bumpIfLabelled(ctx, d.ID); err != nil {
			return err
		}
		return tx.IndexDocument(ctx, d.ID)
	})
}

// SpaceProblems lists, for `docuvault check`, spaces without exactly one
// owner member (or whose owner row is not spaces.owner_id), and documents
// and topics whose space is gone or whose owner_id is not the space's owner.
func (s *Store) SpaceProblems(ctx context.Context) ([]string, error) {
	return s.queryIDs(ctx, `SELECT 'space ' || sp.id || ': ' || CAST(COUNT(m.user_id) AS TEXT) || ' owner rows' FROM spaces sp
			LEFT JOIN space_members m ON m.space_id = sp.id AND m.role = 'owner' AND m.user_id = sp.owner_id
			GROUP BY sp.id HAVING COUNT(m.user_id) <> 1
		UNION ALL
		SELECT 'space ' || m.space_id || ': extra owner ' || m.user_id FROM space_members m JOIN spaces sp ON sp.id = m.space_id
			WHERE m.role = 'owner' AND m.user_id <> sp.owner_id
		UNION ALL
		SELECT 'document ' || d.id || ': space ' || COALESCE(d.space_id, '(none)') || ' missing or of another owner' FROM documents d
			LEFT JOIN spaces sp ON sp.id = d.space_id WHERE sp.id IS NULL OR sp.owner_id <> d.owner_id
		UNION ALL
		SELECT 'topic ' || t.id || ': space ' || t.space_id || ' missing or of another owner' FROM topics t
			LEFT JOIN spaces sp ON sp.id = t.space_id WHERE sp.id IS NULL OR sp.owner_id <> t.owner_id`)
}
