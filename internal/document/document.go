// Package document is what people do with their documents: uploads streamed
// to the blob store with type, size and quota checks, the crash-safe commit
// (blob first, then one transaction for the row, the usage, the audit entry
// and the processing job), topics, trash, restore, purge and the cleanup of
// abandoned uploads and orphan blobs. What happens to a document after its
// upload (processing, classification, placement in a drive) and the states
// it passes through belong to internal/lifecycle.
package document

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Enqueuer queues a document's jobs in the caller's transaction, so the row
// and its job commit together. lifecycle.Lifecycle implements it.
type Enqueuer interface {
	// EnqueueProcess queues extraction; force re-runs it on a ready document.
	EnqueueProcess(ctx context.Context, tx *store.Store, documentID string, force bool) error
	// EnqueueClassify queues classification alone.
	EnqueueClassify(ctx context.Context, tx *store.Store, documentID string) error
}

// Config holds the document settings.
type Config struct {
	MaxUploadBytes int64
	UploadTTL      time.Duration // how long a direct upload may take before cleanup
	// MaxPendingUploads caps one user's direct uploads started and not yet
	// completed (default 10).
	MaxPendingUploads int
	BackendURL        string // base of the server's own signed upload URLs
	SecretKey         string // signs local upload URLs
	TrashRetention    time.Duration
	OrphanGrace       time.Duration // blobs younger than this are never swept
	PageCacheDir      string        // rendered pages (DATA_DIR/cache/pages); "" renders every time
	// Remote reads and removes originals placed in users' drives (the
	// cloud service); nil: this process cannot reach them.
	Remote Remote
}

// Actor is who does something, for quota and audit, and in which space.
// The caller (the API's access check) has already decided that UserID may
// act in SpaceID; SpaceID "" is UserID's personal space.
type Actor struct {
	UserID    string
	IP        string
	UserAgent string
	// SpaceID is the space acted in; SpaceOwner its owner, whose quota and
	// storage new documents use ("" for both: the personal space).
	SpaceID    string
	SpaceOwner string
}

// space is the space the actor acts in.
func (a Actor) space() string {
	if a.SpaceID != "" {
		return a.SpaceID
	}
	return a.UserID
}

// owner is the owner of that space, whose quota documents count against.
func (a Actor) owner() string {
	if a.SpaceOwner != "" {
		return a.SpaceOwner
	}
	return a.UserID
}

// Service runs the document lifecycle.
type Service struct {
	store   Store
	blobs   blob.Store
	jobs    Enqueuer
	log     *slog.Logger
	cfg     Config
	signKey []byte
	remote  Remote // placed documents; nil: none
	pages   PageRenderer

	mu        sync.Mutex
	uploading map[string]int // user id -> uploads streaming now
}

// MaxConcurrentUploads is how many files one user may stream at once; more
// get 429 with Retry-After, so one account cannot tie up every connection.
const MaxConcurrentUploads = 4

// acquireUpload takes one of the user's upload slots.
func (s *Service) acquireUpload(userID string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.uploading[userID] >= MaxConcurrentUploads {
		return nil, &apperr.Error{Kind: apperr.RateLimited, RetryAfter: 2 * time.Second,
			Message: fmt.Sprintf("you are already uploading %d files; wait for one to finish", MaxConcurrentUploads)}
	}
	s.uploading[userID]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.uploading[userID]--; s.uploading[userID] <= 0 {
			delete(s.uploading, userID)
		}
	}, nil
}

// New builds the service. jobs may be nil only in tests that never commit.
func New(st Store, blobs blob.Store, jobs Enqueuer, log *slog.Logger, cfg Config) (*Service, error) {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 1 << 30
	}
	if cfg.UploadTTL <= 0 {
		cfg.UploadTTL = time.Hour
	}
	if cfg.MaxPendingUploads <= 0 {
		cfg.MaxPendingUploads = 10
	}
	if cfg.TrashRetention <= 0 {
		cfg.TrashRetention = 30 * 24 * time.Hour
	}
	if cfg.OrphanGrace <= 0 {
		cfg.OrphanGrace = 6 * time.Hour
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, err := hkdf.Key(sha256.New, []byte(cfg.SecretKey), nil, "docuvault upload-url v1", 32)
	if err != nil {
		return nil, err
	}
	return &Service{store: st, blobs: blobs, jobs: jobs, log: log, cfg: cfg, signKey: key, remote: cfg.Remote, uploading: map[string]int{}}, nil
}

// MaxUploadBytes is the largest accepted file.
func (s *Service) MaxUploadBytes() int64 { return s.cfg.MaxUploadBytes }

func (s *Service) audit(ctx context.Context, tx *store.Store, a Actor, action, targetID string, details map[string]any) error {
	return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: action, TargetType: "document",
		TargetID: targetID, IP: a.IP, UserAgent: a.UserAgent, Details: details})
}
