package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
)

// Job kinds of DocuVault. Their args are small and carry ids only.

type processArgs struct {
	DocumentID string `json:"document_id"`
	Force      bool   `json:"force,omitempty"`
}

func (processArgs) Kind() string { return "document.process" }

// pendingStates make a job unique while it waits or runs, so the same
// document is never queued twice at once but can be queued again later.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

func (processArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDocuments, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

type classifyArgs struct {
	DocumentID string `json:"document_id"`
}

func (classifyArgs) Kind() string { return "document.classify" }
func (classifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDocuments, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return jobs.PeriodicCleanupUploads }
func (cleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 3}
}

type purgeArgs struct{}

func (purgeArgs) Kind() string { return jobs.PeriodicPurge }
func (purgeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 3}
}

type auditExportArgs struct{}

func (auditExportArgs) Kind() string { return jobs.PeriodicAuditExport }
func (auditExportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 10}
}

// enqueuer implements document.Enqueuer and pipeline.Classifier on the engine.
type enqueuer struct{ e *jobs.Engine }

// lowestPriority is River's last priority (1 is first).
const lowestPriority = 4

// EnqueueProcess queues processing at a priority that shares the queue
// fairly between users: River works priority 1 before 2 before 3 before 4,
// and a document's priority is its owner's count of documents waiting for
// or in processing, itself included (4 and more share priority 4). One
// user's backlog of a thousand uploads waits at priority 4 while another
// user's first document, at priority 1, is the next one any worker takes.
// The count lives in the database, so every node and engine agrees.
func (q enqueuer) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	n, err := tx.ProcessingBacklog(ctx, id, lowestPriority)
	if err != nil {
		return err
	}
	_, err = q.e.EnqueueTx(ctx, tx, processArgs{DocumentID: id, Force: force}, &river.InsertOpts{Priority: max(n, 1)})
	return err
}

// EnqueueClassify queues classification one priority after the owner's
// documents still waiting for processing (priority 1 when there are none),
// so a user's slow classifications (a provider that hangs) queue behind
// other users' first documents too.
func (q enqueuer) EnqueueClassify(ctx context.Context, tx *store.Store, id string) error {
	n, err := tx.ProcessingBacklog(ctx, id, lowestPriority-1)
	if err != nil {
		return err
	}
	_, err = q.e.EnqueueTx(ctx, tx, classifyArgs{DocumentID: id}, &river.InsertOpts{Priority: n + 1})
	return err
}

type processWorker struct {
	river.WorkerDefaults[processArgs]
	p       *pipeline.Pipeline
	timeout time.Duration // PROCESS_TIMEOUT, which the pipeline enforces itself
}

// Timeout leaves the pipeline a minute past PROCESS_TIMEOUT to record the
// failure before River cancels the job.
func (w *processWorker) Timeout(*river.Job[processArgs]) time.Duration {
	return w.timeout + time.Minute
}

// Work extracts a document. A hostile or broken file is a permanent failure
// (the document says why; no retry); anything else is retried with backoff
// and marks the document failed after the last attempt.
func (w *processWorker) Work(ctx context.Context, job *river.Job[processArgs]) error {
	err := w.p.Process(ctx, job.Args.DocumentID, job.Args.Force)
	if errors.Is(err, pipeline.ErrPermanent) {
		return river.JobCancel(err)
	}
	if err != nil && job.Attempt >= job.MaxAttempts {
		if ferr := w.p.MarkFailed(context.WithoutCancel(ctx), job.Args.DocumentID, err); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

// Classifier classifies one ready document (the classify package provides it).
type Classifier interface {
	ClassifyDocument(ctx context.Context, documentID string) error
}

type classifyWorker struct {
	river.WorkerDefaults[classifyArgs]
	c       Classifier
	timeout time.Duration // PROCESS_TIMEOUT
}

func (w *classifyWorker) Timeout(*river.Job[classifyArgs]) time.Duration { return w.timeout }

func (w *classifyWorker) Work(ctx context.Context, job *river.Job[classifyArgs]) error {
	if w.c == nil {
		return nil
	}
	return w.c.ClassifyDocument(ctx, job.Args.DocumentID)
}

type cleanupWorker struct {
	river.WorkerDefaults[cleanupArgs]
	docs  *document.Service
	blobs any // swept of stale temp files when it can be (local files)
}

// tempSweeper is the optional capability of blob stores that keep temp
// files of puts in progress (blob.Local).
type tempSweeper interface {
	SweepTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[cleanupArgs]) error {
	if _, err := w.docs.CleanupAbandonedUploads(ctx); err != nil {
		return err
	}
	if _, err := w.docs.SweepOrphans(ctx); err != nil {
		return err
	}
	if ts, ok := w.blobs.(tempSweeper); ok {
		if _, err := ts.SweepTemp(ctx, blob.StaleTempAge); err != nil {
			return err
		}
	}
	return nil
}

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	docs  *document.Service
	audit *audit.Exporter
	extra []func(context.Context) error // more purges (expired tokens)
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[purgeArgs]) error {
	if _, err := w.docs.PurgeExpiredTrash(ctx); err != nil {
		return fmt.Errorf("purge trash: %w", err)
	}
	if _, err := w.audit.PurgeExported(ctx, time.Now()); err != nil {
		return fmt.Errorf("purge audit: %w", err)
	}
	for _, f := range w.extra {
		if err := f(ctx); err != nil {
			return err
		}
	}
	return nil
}

type auditExportWorker struct {
	river.WorkerDefaults[auditExportArgs]
	audit *audit.Exporter
}

// Work exports every finished day not exported yet: yesterday at midnight,
// and any day missed while the server was down.
func (w *auditExportWorker) Work(ctx context.Context, _ *river.Job[auditExportArgs]) error {
	_, err := w.audit.CatchUp(ctx, time.Now())
	return err
}

// registerJobs adds every worker and periodic job to the engine.
func (a *App) registerJobs(e *jobs.Engine) error {
	add := []error{
		jobs.AddWorker(e, &processWorker{p: a.Pipeline, timeout: a.Config.ProcessTimeout}),
		jobs.AddWorker(e, &classifyWorker{c: a.Classifier, timeout: a.Config.ProcessTimeout}),
		jobs.AddWorker(e, &cleanupWorker{docs: a.Documents, blobs: a.Blobs}),
		jobs.AddWorker(e, &purgeWorker{docs: a.Documents, audit: a.Audit, extra: a.purges}),
		jobs.AddWorker(e, &auditExportWorker{audit: a.Audit}),
		jobs.AddWorker(e, &jobs.NoopWorker{Log: a.Log}),
		jobs.AddWorker(e, &mailWorker{sender: a.sender()}),
		cloud.RegisterJobs(e, a.Cloud),
		e.AddPeriodic(jobs.PeriodicCleanupUploads, jobs.Every(30*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return cleanupArgs{}, nil }, false),
		e.AddPeriodic(jobs.PeriodicPurge, jobs.Every(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return purgeArgs{}, nil }, true),
		e.AddPeriodic(jobs.PeriodicAuditExport, jobs.DailyUTC(),
			func() (river.JobArgs, *river.InsertOpts) { return auditExportArgs{}, nil }, true),
	}
	return errors.Join(add...)
}
