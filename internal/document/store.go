package document

import (
	"context"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Store is what the document service reads and writes outside a
// transaction; *store.Store implements it. Inside WithTx the service works on
// the transaction's *store.Store, so the steps of one change commit together.
type Store interface {
	AppendAudit(ctx context.Context, e *model.AuditEntry) error
	BlobKeyKnown(ctx context.Context, key string) (bool, error)
	CreateTopic(ctx context.Context, t *model.Topic) error
	CreateUpload(ctx context.Context, u *model.Upload, maxPending int) error
	DeleteUpload(ctx context.Context, id string) error
	Document(ctx context.Context, spaceID, id string) (*model.Document, error)
	DocumentByHash(ctx context.Context, spaceID, sha string) (*model.Document, error)
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
	ExpiredTrash(ctx context.Context, cutoff time.Time, limit int) ([]*model.Document, error)
	ExpiredUploads(ctx context.Context, t time.Time, limit int) ([]*model.Upload, error)
	ExpiredUploadsOf(ctx context.Context, ownerID string, t time.Time, limit int) ([]*model.Upload, error)
	FieldByID(ctx context.Context, id string) (*model.CustomField, error)
	IsPendingUploadKey(ctx context.Context, key string) (bool, error)
	LabelByID(ctx context.Context, k model.LabelKind, id string) (*model.Label, error)
	ListFields(ctx context.Context, spaceIDs []string) ([]*model.CustomField, error)
	ListLabels(ctx context.Context, k model.LabelKind, spaceIDs []string) ([]*model.Label, error)
	ListNotes(ctx context.Context, documentID string, p store.Page) ([]*model.Note, string, error)
	ListViews(ctx context.Context, spaceIDs []string) ([]*model.SavedView, error)
	MemberSpaceIDs(ctx context.Context, userID string) ([]string, error)
	Note(ctx context.Context, documentID, id string) (*model.Note, error)
	OldestPendingExpiry(ctx context.Context, ownerID string) (time.Time, error)
	OwnerDocuments(ctx context.Context, ownerID string, fn func(*model.Document) error) error
	SpaceRoleOf(ctx context.Context, spaceID, userID string) (model.SpaceRole, error)
	TrashedDocument(ctx context.Context, spaceID, id string) (*model.Document, error)
	UpdateTopic(ctx context.Context, spaceID, id string, up store.TopicUpdate) (*model.Topic, error)
	Upload(ctx context.Context, userID, id string) (*model.Upload, error)
	UploadByID(ctx context.Context, id string) (*model.Upload, error)
	UserByID(ctx context.Context, id string) (*model.User, error)
	ViewByID(ctx context.Context, id string) (*model.SavedView, error)
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// documentReader reads one document whatever its space: the store or a
// transaction.
type documentReader interface {
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
}
