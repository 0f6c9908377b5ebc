package bench

import (
	"context"
	"errors"
	"time"

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

// Kind is the job kind.
func (ProcessArgs) Kind() string { return "document.process" }

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
	Pipeline *pipeline.Pipeline
	Done     func(documentID string, err error)
}

// Register adds the worker to the engine with the application's Spec for
// processing: the documents queue, unique while pending, 15 minutes a job.
func (w *ProcessWorker) Register(e *jobs.Engine) error {
	return jobs.Register(e, jobs.Spec{Queue: jobs.QueueDocuments, MaxAttempts: 5, Timeout: 15 * time.Minute, UniqueWhilePending: true}, w.work)
}

// work processes one document; broken files are cancelled, not retried.
func (w *ProcessWorker) work(ctx context.Context, job *jobs.Job[ProcessArgs]) error {
	err := w.Pipeline.Process(ctx, job.Args.DocumentID, job.Args.Force)
	if w.Done != nil && (err == nil || errors.Is(err, pipeline.ErrPermanent) || job.LastAttempt()) {
		w.Done(job.Args.DocumentID, err)
	}
	if errors.Is(err, pipeline.ErrPermanent) {
		return jobs.Cancel(err)
	}
	return err
}
