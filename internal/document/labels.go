package document

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// labelAction is the audit action of a change to a label kind:
// correspondent.create, document_type.rename, ...
func labelAction(k model.LabelKind, verb string) string {
	if k == model.DocumentTypes {
		return "document_type." + verb
	}
	return "correspondent." + verb
}

// metaAudit records a change to a correspondent, document type, field or
// saved view in the transaction that makes it: its name and space, never
// documents' values.
func metaAudit(ctx context.Context, tx *store.Store, a Actor, action, targetType, id string, details map[string]any) error {
	return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: action, TargetType: targetType,
		TargetID: id, IP: a.IP, UserAgent: a.UserAgent, Details: details})
}

// labelNoun is how messages name a label kind.
func labelNoun(k model.LabelKind) string {
	if k == model.DocumentTypes {
		return "document type"
	}
	return "correspondent"
}

// cleanName checks a name of a correspondent, document type or field.
func cleanName(name *string, what string) (string, error) {
	if name == nil {
		return "", apperr.Fields("Some fields need attention.", map[string]string{"name": "Give the " + what + " a name."})
	}
	n := strings.TrimSpace(*name)
	reason := ""
	switch {
	case n == "":
		reason = "Give the " + what + " a name."
	case utf8.RuneCountInString(n) > 128:
		reason = "The name must be at most 128 characters."
	case strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		reason = "The name must not contain control characters."
	}
	if reason != "" {
		return "", apperr.Fields("Some fields need attention.", map[string]string{"name": reason})
	}
	return n, nil
}

func nameConflict(err error, what, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return apperr.New(apperr.Conflict, "this space already has a %s named %q", what, name)
	}
	return err
}

// ListLabels lists the correspondents or document types of the user's
// spaces (or of spaceID alone).
func (s *Service) ListLabels(ctx context.Context, a Actor, k model.LabelKind, spaceID string) ([]*model.Label, error) {
	spaces, err := s.VisibleSpaces(ctx, a.UserID, spaceID)
	if err != nil {
		return nil, err
	}
	return s.store.ListLabels(ctx, k, spaces)
}

// CreateLabel adds a correspondent or document type; editors and above.
func (s *Service) CreateLabel(ctx context.Context, a Actor, k model.LabelKind, name *string, spaceID string) (*model.Label, error) {
	n, err := cleanName(name, labelNoun(k))
	if err != nil {
		return nil, err
	}
	space, err := s.targetSpace(ctx, a.UserID, spaceID, model.RoleEditor)
	if err != nil {
		return nil, err
	}
	l := &model.Label{SpaceID: space, Name: n}
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateLabel(ctx, k, l); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, labelAction(k, "create"), k.AuditType(), l.ID, map[string]any{"name": n, "space_id": space})
	})
	if err != nil {
		return nil, nameConflict(err, labelNoun(k), n)
	}
	return l, nil
}

// label is a label the user may act on with role need.
func (s *Service) label(ctx context.Context, a Actor, k model.LabelKind, id string, need model.SpaceRole) (*model.Label, error) {
	l, err := s.store.LabelByID(ctx, k, id)
	if err != nil {
		return nil, err
	}
	return l, s.access(ctx, a.UserID, l.SpaceID, need)
}

// RenameLabel renames a correspondent or document type.
func (s *Service) RenameLabel(ctx context.Context, a Actor, k model.LabelKind, id string, name *string) (*model.Label, error) {
	old, err := s.label(ctx, a, k, id, model.RoleEditor)
	if err != nil {
		return nil, err
	}
	if name == nil {
		return s.store.LabelByID(ctx, k, id)
	}
	n, err := cleanName(name, labelNoun(k))
	if err != nil {
		return nil, err
	}
	var l *model.Label
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		var err error
		if l, err = tx.RenameLabel(ctx, k, id, n); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, labelAction(k, "rename"), k.AuditType(), id,
			map[string]any{"name": n, "old_name": old.Name, "space_id": old.SpaceID})
	})
	return l, nameConflict(err, labelNoun(k), n)
}

// DeleteLabel removes a correspondent or document type from its space and
// its documents.
func (s *Service) DeleteLabel(ctx context.Context, a Actor, k model.LabelKind, id string) error {
	l, err := s.label(ctx, a, k, id, model.RoleEditor)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteLabel(ctx, k, id); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, labelAction(k, "delete"), k.AuditType(), id, map[string]any{"name": l.Name, "space_id": l.SpaceID})
	})
}
