package document

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// SpaceRoles looks up a user's role in a space; *store.Store implements it.
type SpaceRoles interface {
	SpaceRoleOf(ctx context.Context, spaceID, userID string) (model.SpaceRole, error)
}

// Authorize is the one rule of who may do what in a space, used by the
// API's routes, the metadata services and share links alike: userID needs
// at least the role need in spaceID. A space the user is not a member of
// answers like a missing object (store.ErrNotFound, 404); a weaker role is
// 403 naming both roles. It returns the user's role.
func Authorize(ctx context.Context, st SpaceRoles, userID, spaceID string, need model.SpaceRole) (model.SpaceRole, error) {
	role, err := st.SpaceRoleOf(ctx, spaceID, userID)
	if err != nil {
		return model.RoleNone, err
	}
	if role == model.RoleNone {
		return role, fmt.Errorf("space: %w", store.ErrNotFound)
	}
	if role < need {
		return role, apperr.New(apperr.Forbidden, "this needs the %s role in the space; you are %s", need, role)
	}
	return role, nil
}

// access is Authorize for the metadata of documents (correspondents,
// document types, custom fields, views, bulk changes).
func (s *Service) access(ctx context.Context, userID, spaceID string, need model.SpaceRole) error {
	_, err := Authorize(ctx, s.store, userID, spaceID, need)
	return err
}

// documentSpace is the space a document belongs to.
func documentSpace(d *model.Document) string { return d.SpaceID }

// VisibleSpaces is the spaces a list covers: spaceID alone when given (404
// when the user is not a member), else every space the user belongs to.
func (s *Service) VisibleSpaces(ctx context.Context, userID, spaceID string) ([]string, error) {
	if spaceID != "" {
		if err := s.access(ctx, userID, spaceID, model.RoleViewer); err != nil {
			return nil, err
		}
		return []string{spaceID}, nil
	}
	return s.store.MemberSpaceIDs(ctx, userID)
}

// targetSpace is the space a new object goes to: spaceID, or the user's
// personal space (whose id is the user's), where the user needs need.
func (s *Service) targetSpace(ctx context.Context, userID, spaceID string, need model.SpaceRole) (string, error) {
	if spaceID == "" {
		spaceID = userID
	}
	return spaceID, s.access(ctx, userID, spaceID, need)
}
