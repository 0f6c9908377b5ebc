package model

import "time"

// Space kinds.
const (
	SpacePersonal = "personal"
	SpaceShared   = "shared"
)

// Space is a place documents and topics belong to: a user's personal space
// (id = the user's id) or a shared one.
type Space struct {
	ID          string
	Name        string
	Kind        string
	OwnerID     string
	OwnerName   string // the owner's display name
	Role        SpaceRole
	MemberCount int64
	CreatedAt   time.Time
	// StorageBackend is where the space's documents live: "system" or one
	// of the owner's cloud accounts. A personal space reads its owner's
	// setting; a shared one has its own (SetSpaceStorage).
	StorageBackend string
}

// SpaceMember is one member of a space.
type SpaceMember struct {
	SpaceID     string
	UserID      string
	Email       string
	DisplayName string
	Role        SpaceRole
	AddedAt     time.Time
}

// PersonalSpaceName is the name personal spaces are created with.
const PersonalSpaceName = "Personal"

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
