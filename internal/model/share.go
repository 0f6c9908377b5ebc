package model

import "time"

// ShareLink is a secret URL that downloads one document's current file
// without an account. Only the SHA-256 of its token is stored, and the
// Argon2id hash of its optional password.
type ShareLink struct {
	ID            string
	DocumentID    string
	TokenHash     string
	PasswordHash  string // "" when the link has no password
	ExpiresAt     *time.Time
	MaxDownloads  *int
	DownloadCount int
	CreatedBy     string
	CreatorName   string // the creator's display name, filled by the reads
	CreatedAt     time.Time
	RevokedAt     *time.Time
	DocumentName  string // the document's file name, filled by ShareLinkByToken
	DocumentSize  int64  // the document's size, filled by ShareLinkByToken
	DocumentSpace string // the document's space, filled by ShareLinkByToken
}
