package cloud

import (
	"context"
	"errors"
	"time"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/store"
)

// Job kinds of the cloud service. Args carry ids only.

// PlaceArgs moves one document to where its owner keeps documents.
type PlaceArgs struct {
	DocumentID string `json:"document_id"`
}

// Kind is "document.place".
func (PlaceArgs) Kind() string { return "document.place" }

// MigrateArgs queues placement of a user's existing documents.
type MigrateArgs struct {
	UserID string `json:"user_id"`
}

// Kind is "storage.migrate".
func (MigrateArgs) Kind() string { return "storage.migrate" }

// DrainArgs brings a disconnecting account's documents back, then removes it.
type DrainArgs struct {
	AccountID string `json:"account_id"`
}

// Kind is "cloud.drain".
func (DrainArgs) Kind() string { return "cloud.drain" }

// JobQueue implements Jobs on the job engine.
type JobQueue struct{ Engine *jobs.Engine }

// EnqueuePlace queues PlaceArgs in tx.
func (q JobQueue) EnqueuePlace(ctx context.Context, tx *store.Store, documentID string) error {
	_, err := q.Engine.EnqueueTx(ctx, tx, PlaceArgs{DocumentID: documentID}, nil)
	return err
}

// EnqueueMigrate queues MigrateArgs in tx.
func (q JobQueue) EnqueueMigrate(ctx context.Context, tx *store.Store, userID string) error {
	_, err := q.Engine.EnqueueTx(ctx, tx, MigrateArgs{UserID: userID}, nil)
	return err
}

// EnqueueDrain queues DrainArgs in tx.
func (q JobQueue) EnqueueDrain(ctx context.Context, tx *store.Store, accountID string) error {
	_, err := q.Engine.EnqueueTx(ctx, tx, DrainArgs{AccountID: accountID}, nil)
	return err
}

// RegisterJobs adds the service's job kinds to the engine (before Start).
// s may be nil in processes that only enqueue: the jobs then fail.
// Placement goes on the documents queue, retried for about a day; moving a
// user's documents on the default queue; draining a disconnecting drive is
// retried for days while the drive is away. Each is unique while pending.
func RegisterJobs(e *jobs.Engine, s *Service) error {
	return errors.Join(
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDocuments, MaxAttempts: 12, Timeout: time.Hour, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[PlaceArgs]) error {
				if s == nil {
					return errNoService
				}
				return s.Place(ctx, job.Args.DocumentID, job.LastAttempt())
			}),
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDefault, MaxAttempts: 5, Timeout: 30 * time.Minute, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[MigrateArgs]) error {
				if s == nil {
					return errNoService
				}
				return s.MigrateUser(ctx, job.Args.UserID)
			}),
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDefault, MaxAttempts: 20, Timeout: 6 * time.Hour, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[DrainArgs]) error {
				if s == nil {
					return errNoService
				}
				return s.Drain(ctx, job.Args.AccountID)
			}),
	)
}

var errNoService = errors.New("cloud: this process has no cloud service")
