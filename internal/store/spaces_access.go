package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

// SpaceRoleOf is userID's role in spaceID; RoleNone when not a member or no such space.
func (s *Store) SpaceRoleOf(ctx context.Context, spaceID, userID string) (model.SpaceRole, error) {
	var role string
	err := s.r.QueryRowContext(ctx, `SELECT role FROM space_members WHERE space_id = $1 AND user_id = $2`,
		spaceID, userID).Scan(&role)
	if err != nil {
		if errors.Is(normalize(err), ErrNotFound) {
			return model.RoleNone, nil
		}
		return model.RoleNone, fmt.Errorf("space role: %w", normalize(err))
	}
	r, _ := model.ParseSpaceRole(role)
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
