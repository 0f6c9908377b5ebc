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
	"github.com/docuvault/docuvault/internal/classify/local"
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

// trainArgs trains one user's local classifier now (POST /api/classifier/train).
type trainArgs struct {
	UserID string `json:"user_id"`
}

func (trainArgs) Kind() string { return "classifier.train" }
func (trainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: pendingStates}}
}

// trainDueArgs trains every user whose labels changed and then settled (classify.TrainDelay).
type trainDueArgs struct{}

func (trainDueArgs) Kind() string { return jobs.PeriodicTrainDue }
func (trainDueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDefault, MaxAttempts: 1,
		UniqueOpts: river.UniqueOpts{ByState: pendingStates}}
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

func (q enqueuer) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	_, err := q.e.EnqueueTx(ctx, tx, processArgs{DocumentID: id, Force: force}, nil)
	return err
}

func (q enqueuer) EnqueueClassify(ctx context.Context, tx *store.Store, id string) error {
	_, err := q.e.EnqueueTx(ctx, tx, classifyArgs{DocumentID: id}, nil)
	return err
}

func (q enqueuer) EnqueueTrain(ctx context.Context, userID string) error {
	_, err := q.e.Enqueue(ctx, trainArgs{UserID: userID}, nil)
	return err
}

// Trainer trains users' local classifiers (the classify package provides it).
type Trainer interface {
	Train(ctx context.Context, userID string) (*local.Model, error)
	TrainDue(ctx context.Context, now time.Time) (int, error)
}

type trainWorker struct {
	river.WorkerDefaults[trainArgs]
	t Trainer
}

func (w *trainWorker) Timeout(*river.Job[trainArgs]) time.Duration { return 10 * time.Minute }

func (w *trainWorker) Work(ctx context.Context, job *river.Job[trainArgs]) error {
	_, err := w.t.Train(ctx, job.Args.UserID)
	return err
}

type trainDueWorker struct {
	river.WorkerDefaults[trainDueArgs]
	t Trainer
}

func (w *trainDueWorker) Timeout(*river.Job[trainDueArgs]) time.Duration { return 30 * time.Minute }

func (w *trainDueWorker) Work(ctx context.Context, _ *river.Job[trainDueArgs]) error {
	_, err := w.t.TrainDue(ctx, time.Now())
	return err
}

// trainDueTick queues a training run only when someone's labels settled since their last training,
// so the 5-second schedule leaves no job rows behind when nothing changed.
func (a *App) trainDueTick() (river.JobArgs, *river.InsertOpts) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if due, err := a.ClassifySvc.TrainingDue(ctx, time.Now()); err == nil && !due {
		return nil, nil
	}
	return trainDueArgs{}, nil
}

type processWorker struct {
	river.WorkerDefaults[processArgs]
	p *pipeline.Pipeline
}

func (w *processWorker) Timeout(*river.Job[processArgs]) time.Duration { return 15 * time.Minute }

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
	c Classifier
}

func (w *classifyWorker) Timeout(*river.Job[classifyArgs]) time.Duration { return 5 * time.Minute }

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
		jobs.AddWorker(e, &processWorker{p: a.Pipeline}),
		jobs.AddWorker(e, &classifyWorker{c: a.Classifier}),
		jobs.AddWorker(e, &trainWorker{t: a.ClassifySvc}),
		jobs.AddWorker(e, &trainDueWorker{t: a.ClassifySvc}),
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
		e.AddPeriodic(jobs.PeriodicTrainDue, jobs.Every(5*time.Second), a.trainDueTick, true),
		e.AddPeriodic(jobs.PeriodicAuditExport, jobs.DailyUTC(),
			func() (river.JobArgs, *river.InsertOpts) { return auditExportArgs{}, nil }, true),
	}
	return errors.Join(add...)
}
