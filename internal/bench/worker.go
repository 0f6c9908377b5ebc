package bench

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
)

// ProcessArgs is the processing job, the same kind and options as the
// application's (internal/app/jobs.go).
type ProcessArgs struct {
	DocumentID string `json:"document_id"`
	Force      bool   `json:"force,omitempty"`
}

// Kind is River's job kind.
func (ProcessArgs) Kind() string { return "document.process" }

// InsertOpts queue the job on the documents queue, unique while pending.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueDocuments, MaxAttempts: 5,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
			rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// Enqueuer implements document.Enqueuer on a job engine (classification is
// not queued: the benchmark ends when a document is searchable).
type Enqueuer struct{ Engine *jobs.Engine }

// EnqueueProcess queues processing in tx's transaction.
func (q Enqueuer) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	_, err := q.Engine.EnqueueTx(ctx, tx, ProcessArgs{DocumentID: id, Force: force}, nil)
	return err
}

// EnqueueClassify does nothing.
func (Enqueuer) EnqueueClassify(context.Context, *store.Store, string) error { return nil }

// ProcessWorker runs the pipeline for each job, as the application's worker
// does, and then calls Done (when set) with the document id and the result.
type ProcessWorker struct {
	river.WorkerDefaults[ProcessArgs]
	Pipeline *pipeline.Pipeline
	Done     func(documentID string, err error)
}

// Timeout is the application's per-job timeout.
func (w *ProcessWorker) Timeout(*river.Job[ProcessArgs]) time.Duration { return 15 * time.Minute }

// Work processes one document; broken files are cancelled, not retried.
func (w *ProcessWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	err := w.Pipeline.Process(ctx, job.Args.DocumentID, job.Args.Force)
	if w.Done != nil && (err == nil || errors.Is(err, pipeline.ErrPermanent) || job.Attempt >= job.MaxAttempts) {
		w.Done(job.Args.DocumentID, err)
	}
	if errors.Is(err, pipeline.ErrPermanent) {
		return river.JobCancel(err)
	}
	return err
}
