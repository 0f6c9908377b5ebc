package model

import "time"

// Where a document's original lives: storage_backend is BackendSystem or a
// cloud account id; storage_state says how far placement got.
const (
	BackendSystem = "system"

	StorageStored  = "stored"  // in the system blob store
	StoragePending = "pending" // in the system blob store, placement queued or being retried
	StoragePlaced  = "placed"  // in the cloud drive named by storage_backend, at storage_ref
	StorageFailed  = "failed"  // in the system blob store, placement gave up (storage_error says why)
)

// Cloud account statuses.
const (
	CloudOK            = "ok"
	CloudError         = "error"            // the drive failed; retried
	CloudReconnect     = "reconnect_needed" // the drive refused the credentials
	CloudDisconnecting = "disconnecting"    // documents are being brought back before removal
)

// CloudAccount is one connected cloud drive of one owner. Credentials are
// sealed; only the cloud service opens them.
type CloudAccount struct {
	ID          string
	OwnerID     string
	Kind        string // a name in cloud.Kinds; the database does not check it
	DisplayName string
	Status      string
	StatusError string
	Credentials []byte
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
