package lifecycle

import (
	"context"
	"errors"
	"time"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/store"
)

// The document job kinds. Their names and JSON args are stored with queued
// jobs, so they never change: a job queued by an older version still runs.

// ProcessArgs extracts and indexes one document; Force re-runs it on a
// ready document (reprocess).
type ProcessArgs struct {
	DocumentID string `json:"document_id"`
	Force      bool   `json:"force,omitempty"`
}

// Kind is "document.process".
func (ProcessArgs) Kind() string { return "document.process" }

// ClassifyArgs classifies one ready document.
type ClassifyArgs struct {
	DocumentID string `json:"document_id"`
}

// Kind is "document.classify".
func (ClassifyArgs) Kind() string { return "document.classify" }

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

// lowestPriority is the engine's last priority (1 is first).
const lowestPriority = 4

// EnqueueProcess queues processing at a priority that shares the queue
// fairly between users: the engine works priority 1 before 2 before 3
// before 4, and a document's priority is its owner's count of documents
// waiting for or in processing, itself included (4 and more share priority
// 4). One user's backlog of a thousand uploads waits at priority 4 while
// another user's first document, at priority 1, is the next one any worker
// takes. The count lives in the database, so every node and engine agrees.
func (l *Lifecycle) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	n, err := tx.ProcessingBacklog(ctx, id, lowestPriority)
	if err != nil {
		return err
	}
	_, err = l.engine.EnqueueTx(ctx, tx, ProcessArgs{DocumentID: id, Force: force}, &jobs.Opts{Priority: max(n, 1)})
	return err
}

// EnqueueClassify queues classification one priority after the owner's
// documents still waiting for processing (priority 1 when there are none),
// so a user's slow classifications (a provider that hangs) queue behind
// other users' first documents too.
func (l *Lifecycle) EnqueueClassify(ctx context.Context, tx *store.Store, id string) error {
	n, err := tx.ProcessingBacklog(ctx, id, lowestPriority-1)
	if err != nil {
		return err
	}
	_, err = l.engine.EnqueueTx(ctx, tx, ClassifyArgs{DocumentID: id}, &jobs.Opts{Priority: n + 1})
	return err
}

// EnqueuePlace queues placement of one document in tx.
func (l *Lifecycle) EnqueuePlace(ctx context.Context, tx *store.Store, documentID string) error {
	_, err := l.engine.EnqueueTx(ctx, tx, PlaceArgs{DocumentID: documentID}, nil)
	return err
}

// EnqueueMigrate queues the move of a user's documents in tx.
func (l *Lifecycle) EnqueueMigrate(ctx context.Context, tx *store.Store, userID string) error {
	_, err := l.engine.EnqueueTx(ctx, tx, MigrateArgs{UserID: userID}, nil)
	return err
}

// EnqueueDrain queues the draining of a disconnecting account in tx.
func (l *Lifecycle) EnqueueDrain(ctx context.Context, tx *store.Store, accountID string) error {
	_, err := l.engine.EnqueueTx(ctx, tx, DrainArgs{AccountID: accountID}, nil)
	return err
}

// Workers are the services that do a document job's work. Each may be nil
// in a process that works no jobs (CLI commands, serve without workers): the
// kinds are registered all the same, so the engine accepts them at insert.
type Workers struct {
	Extractor  Extractor
	Classifier Classifier
	Drives     Drives
	// ProcessTimeout is PROCESS_TIMEOUT, which the extractor enforces
	// itself; the processing job gets a minute more to record a failure
	// before the engine cancels it, classification gets as long.
	ProcessTimeout time.Duration
}

// Register adds every document job kind to the engine (before Start).
// Processing and classification go on the documents queue, five attempts;
// placement there too, retried for about a day; moving a user's documents
// on the default queue; draining a disconnecting drive is retried for days
// while the drive is away. Each is unique while pending.
func (l *Lifecycle) Register(w Workers) error {
	docs := jobs.Spec{Queue: jobs.QueueDocuments, MaxAttempts: 5, UniqueWhilePending: true}
	process, classify := docs, docs
	process.Timeout, classify.Timeout = w.ProcessTimeout+time.Minute, w.ProcessTimeout
	e := l.engine
	return errors.Join(
		jobs.Register(e, process, processJob(w.Extractor)),
		jobs.Register(e, classify, classifyJob(w.Classifier)),
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDocuments, MaxAttempts: 12, Timeout: time.Hour, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[PlaceArgs]) error {
				if w.Drives == nil {
					return errNoWorker
				}
				return w.Drives.Place(ctx, job.Args.DocumentID, job.LastAttempt())
			}),
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDefault, MaxAttempts: 5, Timeout: 30 * time.Minute, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[MigrateArgs]) error {
				if w.Drives == nil {
					return errNoWorker
				}
				return w.Drives.MigrateUser(ctx, job.Args.UserID)
			}),
		jobs.Register(e, jobs.Spec{Queue: jobs.QueueDefault, MaxAttempts: 20, Timeout: 6 * time.Hour, UniqueWhilePending: true},
			func(ctx context.Context, job *jobs.Job[DrainArgs]) error {
				if w.Drives == nil {
					return errNoWorker
				}
				return w.Drives.Drain(ctx, job.Args.AccountID)
			}),
	)
}

// processJob extracts a document. A hostile or broken file is a permanent
// failure (the document says why; no retry); anything else is retried with
// backoff and marks the document failed after the last attempt.
func processJob(x Extractor) func(context.Context, *jobs.Job[ProcessArgs]) error {
	return func(ctx context.Context, job *jobs.Job[ProcessArgs]) error {
		if x == nil {
			return errNoWorker
		}
		err := x.Process(ctx, job.Args.DocumentID, job.Args.Force)
		if Permanent(err) {
			return jobs.Cancel(err)
		}
		if err != nil && job.LastAttempt() {
			if ferr := x.MarkFailed(context.WithoutCancel(ctx), job.Args.DocumentID, err); ferr != nil {
				return errors.Join(err, ferr)
			}
		}
		return err
	}
}

// classifyJob classifies a ready document; a process without a classifier
// leaves it unclassified.
func classifyJob(c Classifier) func(context.Context, *jobs.Job[ClassifyArgs]) error {
	return func(ctx context.Context, job *jobs.Job[ClassifyArgs]) error {
		if c == nil {
			return nil
		}
		return c.ClassifyDocument(ctx, job.Args.DocumentID)
	}
}

// Permanent reports whether err, or an error it wraps, says that retrying
// cannot help (a Permanent() bool method returning true).
func Permanent(err error) bool {
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}
