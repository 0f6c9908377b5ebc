package app

import (
	"context"
	"errors"
	"fmt"
	"time"

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

type classifyArgs struct {
	DocumentID string `json:"document_id"`
}

func (classifyArgs) Kind() string { return "document.classify" }

// trainArgs trains one space's local classifier now (POST /api/classifier/train). UserID is what
// jobs queued before classifiers were per space carry: that user's personal space, whose id is theirs.
type trainArgs struct {
	SpaceID string `json:"space_id,omitempty"`
	UserID  string `json:"user_id,omitempty"`
}

// space returns the space to train.
func (a trainArgs) space() string {
	if a.SpaceID != "" {
		return a.SpaceID
	}
	return a.UserID
}

func (trainArgs) Kind() string { return "classifier.train" }

// trainDueArgs trains every space whose labels changed and then settled (classify.TrainDelay).
type trainDueArgs struct{}

func (trainDueArgs) Kind() string { return jobs.PeriodicTrainDue }

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return jobs.PeriodicCleanupUploads }

type purgeArgs struct{}

func (purgeArgs) Kind() string { return jobs.PeriodicPurge }

type auditExportArgs struct{}

func (auditExportArgs) Kind() string { return jobs.PeriodicAuditExport }

// enqueuer implements document.Enqueuer and pipeline.Classifier on the engine.
type enqueuer struct{ e *jobs.Engine }

// lowestPriority is the engine's last priority (1 is first).
const lowestPriority = 4

// EnqueueProcess queues processing at a priority that shares the queue
// fairly between users: the engine works priority 1 before 2 before 3
// before 4, and a document's priority is its owner's count of documents
// waiting for or in processing, itself included (4 and more share priority
// 4). One user's backlog of a thousand uploads waits at priority 4 while
// another user's first document, at priority 1, is the next one any worker
// takes. The count lives in the database, so every node and engine agrees.
func (q enqueuer) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	n, err := tx.ProcessingBacklog(ctx, id, lowestPriority)
	if err != nil {
		return err
	}
	_, err = q.e.EnqueueTx(ctx, tx, processArgs{DocumentID: id, Force: force}, &jobs.Opts{Priority: max(n, 1)})
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
	_, err = q.e.EnqueueTx(ctx, tx, classifyArgs{DocumentID: id}, &jobs.Opts{Priority: n + 1})
	return err
}

// EnqueueTrain queues a training of the space's local classifier.
func (q enqueuer) EnqueueTrain(ctx context.Context, spaceID string) error {
	_, err := q.e.Enqueue(ctx, trainArgs{SpaceID: spaceID}, nil)
	return err
}

// Trainer trains spaces' local classifiers (the classify package provides it).
type Trainer interface {
	Train(ctx context.Context, spaceID string) (*local.Model, error)
	TrainDue(ctx context.Context, now time.Time) (int, error)
}

func train(t Trainer) func(context.Context, *jobs.Job[trainArgs]) error {
	return func(ctx context.Context, job *jobs.Job[trainArgs]) error {
		_, err := t.Train(ctx, job.Args.space())
		return err
	}
}

func trainDue(t Trainer) func(context.Context, *jobs.Job[trainDueArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[trainDueArgs]) error {
		_, err := t.TrainDue(ctx, time.Now())
		return err
	}
}

// trainDueTick queues a training run only when some space's labels settled
// since its last training, so the 5-second schedule leaves no job rows
// behind when nothing changed.
func (a *App) trainDueTick() jobs.Args {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if due, err := a.ClassifySvc.TrainingDue(ctx, time.Now()); err == nil && !due {
		return nil
	}
	return trainDueArgs{}
}

// process extracts a document. A hostile or broken file is a permanent
// failure (the document says why; no retry); anything else is retried with
// backoff and marks the document failed after the last attempt.
func process(p *pipeline.Pipeline) func(context.Context, *jobs.Job[processArgs]) error {
	return func(ctx context.Context, job *jobs.Job[processArgs]) error {
		err := p.Process(ctx, job.Args.DocumentID, job.Args.Force)
		if errors.Is(err, pipeline.ErrPermanent) {
			return jobs.Cancel(err)
		}
		if err != nil && job.LastAttempt() {
			if ferr := p.MarkFailed(context.WithoutCancel(ctx), job.Args.DocumentID, err); ferr != nil {
				return errors.Join(err, ferr)
			}
		}
		return err
	}
}

// Classifier classifies one ready document (the classify package provides it).
type Classifier interface {
	ClassifyDocument(ctx context.Context, documentID string) error
}

func classifyJob(c Classifier) func(context.Context, *jobs.Job[classifyArgs]) error {
	return func(ctx context.Context, job *jobs.Job[classifyArgs]) error {
		if c == nil {
			return nil
		}
		return c.ClassifyDocument(ctx, job.Args.DocumentID)
	}
}

// tempSweeper is the optional capability of blob stores that keep temp
// files of puts in progress (blob.Local).
type tempSweeper interface {
	SweepTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

// cleanup removes abandoned uploads and orphan blobs, and sweeps stale temp
// files when the blob store keeps them (local files).
func cleanup(docs *document.Service, blobs any) func(context.Context, *jobs.Job[cleanupArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[cleanupArgs]) error {
		if _, err := docs.CleanupAbandonedUploads(ctx); err != nil {
			return err
		}
		if _, err := docs.SweepOrphans(ctx); err != nil {
			return err
		}
		if ts, ok := blobs.(tempSweeper); ok {
			if _, err := ts.SweepTemp(ctx, blob.StaleTempAge); err != nil {
				return err
			}
		}
		return nil
	}
}

// purge empties expired trash and exported audit days, then runs the extra
// purges (expired tokens).
func purge(docs *document.Service, exp *audit.Exporter, extra []func(context.Context) error) func(context.Context, *jobs.Job[purgeArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[purgeArgs]) error {
		if _, err := docs.PurgeExpiredTrash(ctx); err != nil {
			return fmt.Errorf("purge trash: %w", err)
		}
		if _, err := exp.PurgeExported(ctx, time.Now()); err != nil {
			return fmt.Errorf("purge audit: %w", err)
		}
		for _, f := range extra {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// auditExport exports every finished day not exported yet: yesterday at
// midnight, and any day missed while the server was down.
func auditExport(exp *audit.Exporter) func(context.Context, *jobs.Job[auditExportArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[auditExportArgs]) error {
		_, err := exp.CatchUp(ctx, time.Now())
		return err
	}
}

// registerJobs adds every job kind and periodic job to the engine. The
// processing job gets a minute past PROCESS_TIMEOUT (which the pipeline
// enforces itself) to record a failure before the engine cancels it.
func (a *App) registerJobs(e *jobs.Engine) error {
	timeout := a.Config.ProcessTimeout
	docs := jobs.Spec{Queue: jobs.QueueDocuments, MaxAttempts: 5, UniqueWhilePending: true}
	processSpec, classifySpec := docs, docs
	processSpec.Timeout, classifySpec.Timeout = timeout+time.Minute, timeout
	add := []error{
		jobs.Register(e, processSpec, process(a.Pipeline)),
		jobs.Register(e, classifySpec, classifyJob(a.Classifier)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 3, Timeout: 10 * time.Minute, UniqueWhilePending: true}, train(a.ClassifySvc)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 1, Timeout: 30 * time.Minute, UniqueWhilePending: true}, trainDue(a.ClassifySvc)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 3}, cleanup(a.Documents, a.Blobs)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 3}, purge(a.Documents, a.Audit, a.purges)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 10}, auditExport(a.Audit)),
		jobs.AddWorker(e, &jobs.NoopWorker{Log: a.Log}),
		jobs.Register(e, mailSpec, sendMail(a.sender())),
		cloud.RegisterJobs(e, a.Cloud),
		e.AddPeriodic(jobs.PeriodicCleanupUploads, jobs.Every(30*time.Minute), func() jobs.Args { return cleanupArgs{} }, false),
		e.AddPeriodic(jobs.PeriodicPurge, jobs.Every(time.Hour), func() jobs.Args { return purgeArgs{} }, true),
		e.AddPeriodic(jobs.PeriodicTrainDue, jobs.Every(5*time.Second), a.trainDueTick, true),
		e.AddPeriodic(jobs.PeriodicAuditExport, jobs.DailyUTC(), func() jobs.Args { return auditExportArgs{} }, true),
	}
	add = append(add, a.registerMailJobs(e)...)
	return errors.Join(add...)
}
