package cloud

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/store"
)

// Job kinds of the cloud service. Args carry ids only.

// PlaceArgs moves one document to where its owner keeps documents.
type PlaceArgs struct {
	DocumentID string `json:"document_id"`
}

// pendingStates make a job unique while it waits or runs.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// Kind is "document.place".
func (PlaceArgs) Kind() string { return "document.place" }

// InsertOpts: the documents queue, retried with River's exponential
// backoff for about a day.
func (PlaceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDocuments, MaxAttempts: 12,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// MigrateArgs queues placement of a user's existing documents.
type MigrateArgs struct {
	UserID string `json:"user_id"`
}

// Kind is "storage.migrate".
func (MigrateArgs) Kind() string { return "storage.migrate" }

// InsertOpts: the default queue.
func (MigrateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// DrainArgs brings a disconnecting account's documents back, then removes it.
type DrainArgs struct {
	AccountID string `json:"account_id"`
}

// Kind is "cloud.drain".
func (DrainArgs) Kind() string { return "cloud.drain" }

// InsertOpts: the default queue, retried for days while the drive is away.
func (DrainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 20,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

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

// RegisterJobs adds the service's workers to the engine (before Start).
// s may be nil in processes that only enqueue: the workers then refuse.
func RegisterJobs(e *jobs.Engine, s *Service) error {
	return errors.Join(
		jobs.AddWorker(e, &placeWorker{s: s}),
		jobs.AddWorker(e, &migrateWorker{s: s}),
		jobs.AddWorker(e, &drainWorker{s: s}),
	)
}

var errNoService = errors.New("cloud: this process has no cloud service")

type placeWorker struct {
	river.WorkerDefaults[PlaceArgs]
	s *Service
}

func (w *placeWorker) Timeout(*river.Job[PlaceArgs]) time.Duration { return time.Hour }

func (w *placeWorker) Work(ctx context.Context, job *river.Job[PlaceArgs]) error {
	if w.s == nil {
		return errNoService
	}
	return w.s.Place(ctx, job.Args.DocumentID, job.Attempt >= job.MaxAttempts)
}

type migrateWorker struct {
	river.WorkerDefaults[MigrateArgs]
	s *Service
}

func (w *migrateWorker) Timeout(*river.Job[MigrateArgs]) time.Duration { return 30 * time.Minute }

func (w *migrateWorker) Work(ctx context.Context, job *river.Job[MigrateArgs]) error {
	if w.s == nil {
		return errNoService
	}
	return w.s.MigrateUser(ctx, job.Args.UserID)
}

type drainWorker struct {
	river.WorkerDefaults[DrainArgs]
	s *Service
}

func (w *drainWorker) Timeout(*river.Job[DrainArgs]) time.Duration { return 6 * time.Hour }

func (w *drainWorker) Work(ctx context.Context, job *river.Job[DrainArgs]) error {
	if w.s == nil {
		return errNoService
	}
	return w.s.Drain(ctx, job.Args.AccountID)
}
