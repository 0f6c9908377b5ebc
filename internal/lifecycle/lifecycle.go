// Package lifecycle owns a document's life after its upload: the states a
// document and its original pass through (states.go, a table of the allowed
// moves) and every job that moves it on (jobs.go): processing, classification,
// placement in a drive, a user's migration between storages and the draining
// of a drive being disconnected. The work itself is done by other packages,
// called through the small interfaces declared here: extraction (pipeline),
// classification (classify) and drives (cloud). internal/app only builds the
// services and hands them in.
//
// The order of the steps is written here, not in the wiring: the transaction
// that marks a document ready (Processed) queues its classification and, when
// its owner keeps documents in a drive, its placement.
package lifecycle

import (
	"context"
	"errors"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Extractor processes a stored document until it is ready (internal/pipeline).
// Process leaves a purged or already ready document alone unless force is
// set; an error that wants no retry says so with a Permanent() bool method
// returning true (the document is already marked failed). MarkFailed records
// a failure after the last retry.
type Extractor interface {
	Process(ctx context.Context, documentID string, force bool) error
	MarkFailed(ctx context.Context, documentID string, err error) error
}

// Classifier classifies one ready document (internal/classify).
type Classifier interface {
	ClassifyDocument(ctx context.Context, documentID string) error
}

// Drives moves originals between system storage and users' drives
// (internal/cloud). Place puts one document where its owner keeps documents
// (final: the last attempt, after which a failure is recorded for good);
// MigrateUser queues placement of a user's documents that live elsewhere;
// Drain brings a disconnecting account's documents back and removes it.
type Drives interface {
	Place(ctx context.Context, documentID string, final bool) error
	MigrateUser(ctx context.Context, userID string) error
	Drain(ctx context.Context, accountID string) error
}

// Lifecycle queues a document's jobs on the engine, in the caller's
// transaction, and runs them with the Workers given to Register. It
// implements document.Enqueuer, pipeline.Next, classify's and cloud's job
// queues.
type Lifecycle struct {
	engine *jobs.Engine
}

// New returns the lifecycle on the job engine e.
func New(e *jobs.Engine) *Lifecycle { return &Lifecycle{engine: e} }

// Processed is the step after extraction, run in the transaction that marks
// the document ready: it queues classification, then placement when the
// owner keeps documents in a cloud drive.
func (l *Lifecycle) Processed(ctx context.Context, tx *store.Store, documentID string) error {
	if err := l.EnqueueClassify(ctx, tx, documentID); err != nil {
		return err
	}
	return l.queuePlacement(ctx, tx, documentID)
}

// queuePlacement marks a document in system storage "pending" and queues
// its placement when its space keeps documents in a drive (a personal
// space: its user's setting; a shared one: its own); otherwise it does
// nothing.
func (l *Lifecycle) queuePlacement(ctx context.Context, tx *store.Store, documentID string) error {
	d, err := tx.DocumentForJob(ctx, documentID)
	if err != nil {
		return err
	}
	spaceID := d.SpaceID
	if spaceID == "" {
		spaceID = d.OwnerID // a row from before spaces: the owner's personal space
	}
	sp, err := tx.SpaceByID(ctx, spaceID)
	if err != nil {
		return err
	}
	if sp.StorageBackend == model.BackendSystem || sp.StorageBackend == "" || d.StorageBackend != model.BackendSystem {
		return nil
	}
	if err := SetStorage(ctx, tx, d, model.StoragePending, ""); err != nil {
		return err
	}
	return l.EnqueuePlace(ctx, tx, d.ID)
}

// errNoWorker fails a job that reached a process built without the service
// that works it.
var errNoWorker = errors.New("lifecycle: this process cannot work this job")
