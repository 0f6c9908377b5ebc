package bench

import (
	"context"
	"time"

	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/pipeline"
)

// ProcessWorker runs the pipeline in the application's own processing job
// (internal/lifecycle: the same kind, queue and options; no classifier, so
// the benchmark ends when a document is searchable), and then calls Done
// (when set) with the document id and the result of its last run.
type ProcessWorker struct {
	Pipeline *pipeline.Pipeline
	Done     func(documentID string, err error)
}

// Register adds the lifecycle's jobs to the engine with w as the extractor
// (15 minutes a processing job) and returns the lifecycle to enqueue with.
func (w *ProcessWorker) Register(e *jobs.Engine) (*lifecycle.Lifecycle, error) {
	l := lifecycle.New(e)
	return l, l.Register(lifecycle.Workers{Extractor: reporting{w}, ProcessTimeout: 14 * time.Minute})
}

// reporting is the pipeline, calling Done after a document's last run: a
// success, a broken file (cancelled, not retried) or the last attempt.
type reporting struct{ w *ProcessWorker }

func (r reporting) Process(ctx context.Context, documentID string, force bool) error {
	err := r.w.Pipeline.Process(ctx, documentID, force)
	if r.w.Done != nil && (err == nil || lifecycle.Permanent(err)) {
		r.w.Done(documentID, err)
	}
	return err
}

func (r reporting) MarkFailed(ctx context.Context, documentID string, err error) error {
	ferr := r.w.Pipeline.MarkFailed(ctx, documentID, err)
	if r.w.Done != nil {
		r.w.Done(documentID, err)
	}
	return ferr
}
