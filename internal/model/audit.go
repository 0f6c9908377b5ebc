package model

import "time"

// AuditEntry is one security event. It never holds document content or secrets.
type AuditEntry struct {
	ID         string
	At         time.Time
	ActorID    string // "" for anonymous events
	Action     string // e.g. "auth.login"
	TargetType string
	TargetID   string
	IP         string
	UserAgent  string
	Details    map[string]any
}
