package store

import "context"

// SpaceRole is a member's role in a space; each role includes the ones
// before it.
type SpaceRole int

// The roles, weakest first.
const (
	RoleNone SpaceRole = iota
	RoleViewer
	RoleEditor
	RoleAdmin
	RoleOwner
)

// SpaceRoleOf is userID's role in spaceID; RoleNone when not a member or no such space.
// (Until spaces land, a user is the owner of their personal space only: spaceID == userID.)
func (s *Store) SpaceRoleOf(ctx context.Context, spaceID, userID string) (SpaceRole, error) {
	if spaceID != "" && spaceID == userID {
		return RoleOwner, nil
	}
	return RoleNone, nil
}

// MemberSpaceIDs lists the ids of the spaces userID belongs to.
func (s *Store) MemberSpaceIDs(ctx context.Context, userID string) ([]string, error) {
	return []string{userID}, nil
}
