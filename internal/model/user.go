package model

import "time"

// User is an account.
type User struct {
	ID             string
	Email          string // always lower case
	DisplayName    string
	PasswordHash   string
	Role           string // "admin" or "user"
	Disabled       bool
	TOTPSecret     []byte // sealed; nil when never set up
	TOTPEnabled    bool
	QuotaBytes     int64 // 0 = unlimited
	QuotaDocuments int64 // 0 = unlimited
	UsedBytes      int64
	DocumentCount  int64
	ReservedBytes  int64  // announced by pending direct uploads
	PendingUploads int64  // direct uploads started and not yet completed
	StorageBackend string // "system" or a cloud account id
	CreatedAt      time.Time
	UpdatedAt      time.Time
}
