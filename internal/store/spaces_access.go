package store

import (
	"context"
	"errors"
	"fmt"
)

// SpaceRole is a member's role; each includes the ones before.
type SpaceRole int

// The roles, weakest first.
const (
	RoleNone SpaceRole = iota
	RoleViewer
	RoleEditor
	RoleAdmin
	RoleOwner
)

var roleNames = [...]string{"", "viewer", "editor", "admin", "owner"}

// String is the role's word in the database and the API ("" for RoleNone).
func (r SpaceRole) String() string {
	if r < RoleNone || r > RoleOwner {
		return ""
	}
	return roleNames[r]
}

// ParseSpaceRole reads a role word; RoleNone and false for anything else.
func ParseSpaceRole(s string) (SpaceRole, bool) {
	for i, n := range roleNames {
		if i > 0 && n == s {
			return SpaceRole(i), true
		}
	}
	return RoleNone, false
}

// SpaceRoleOf is userID's role in spaceID; RoleNone when not a member or no such space.
func (s *Store) SpaceRoleOf(ctx context.Context, spaceID, userID string) (SpaceRole, error) {
	var role string
	err := s.r.QueryRowContext(ctx, `SELECT role FROM space_members WHERE space_id = $1 AND user_id = $2`,
		spaceID, userID).Scan(&role)
	if err != nil {
		if errors.Is(normalize(err), ErrNotFound) {
			return RoleNone, nil
		}
		return RoleNone, fmt.Errorf("space role: %w", normalize(err))
	}
	r, _ := ParseSpaceRole(role)
	return r, nil
}

// MemberSpaceIDs lists the ids of the spaces userID belongs to.
func (s *Store) MemberSpaceIDs(ctx context.Context, userID string) ([]string, error) {
	return s.queryIDs(ctx, `SELECT space_id FROM space_members WHERE user_id = $1 ORDER BY space_id`, userID)
}

// memberSpaces is the SQL condition "col is a space of the user in arg".
func memberSpaces(col, arg string) string {
	return col + " IN (SELECT sm.space_id FROM space_members sm WHERE sm.user_id = " + arg + ")"
}
