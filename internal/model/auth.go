package model

import "time"

// Session is one refresh-token family: one sign-in on one device.
type Session struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	ExpiresAt  time.Time // absolute end of the family
	LastUsedAt time.Time
	IP         string
	UserAgent  string
	RevokedAt  *time.Time
}

// Active reports whether the session can still be used at t.
func (s *Session) Active(t time.Time) bool { return s.RevokedAt == nil && t.Before(s.ExpiresAt) }

// BackupCode is one hashed single-use second-factor code.
type BackupCode struct {
	ID       string
	UserID   string
	Lookup   string // a short public prefix of the code, to find the one row to hash against
	CodeHash string
}

// APIToken is a personal API token; only its hash is stored.
type APIToken struct {
	ID         string
	UserID     string
	Name       string
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
}
