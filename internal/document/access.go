package document

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/store"
)

// access is the one place the metadata of documents (correspondents,
// document types, custom fields, views, bulk changes) decides who may do
// what: userID needs at least the role need in spaceID. A space the user
// is not a member of answers like a missing object (store.ErrNotFound,
// 404); a weaker role is 403.
func (s *Service) access(ctx context.Context, userID, spaceID string, need store.SpaceRole) error {
	role, err := s.store.SpaceRoleOf(ctx, spaceID, userID)
	if err != nil {
		return err
	}
	if role == store.RoleNone {
		return fmt.Errorf("space: %w", store.ErrNotFound)
	}
	if role < need {
		return apperr.New(apperr.Forbidden, "your role in this space does not allow this")
	}
	return nil
}

// documentSpace is the space a document belongs to.
func documentSpace(d *store.Document) string { return d.SpaceID }

// VisibleSpaces is the spaces a list covers: spaceID alone when given (404
// when the user is not a member), else every space the user belongs to.
func (s *Service) VisibleSpaces(ctx context.Context, userID, spaceID string) ([]string, error) {
	if spaceID != "" {
		if err := s.access(ctx, userID, spaceID, store.RoleViewer); err != nil {
			return nil, err
		}
		return []string{spaceID}, nil
	}
	return s.store.MemberSpaceIDs(ctx, userID)
}

// targetSpace is the space a new object goes to: spaceID, or the user's
// personal space (whose id is the user's), where the user needs need.
func (s *Service) targetSpace(ctx context.Context, userID, spaceID string, need store.SpaceRole) (string, error) {
	if spaceID == "" {
		spaceID = userID
	}
	return spaceID, s.access(ctx, userID, spaceID, need)
}
