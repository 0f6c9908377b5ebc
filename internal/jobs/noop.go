package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/riverqueue/river"
)

// NoopArgs is a job that does nothing but record that it ran; it proves the
// path from enqueue to worker end to end (e.g. in a health or smoke check).
type NoopArgs struct {
	Message string `json:"message"`
}

// Kind is the job kind "noop".
func (NoopArgs) Kind() string { return "noop" }

// InsertOpts puts noop jobs on the default queue.
func (NoopArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueDefault} }

// NoopWorker works NoopArgs: it logs the message and counts the runs.
type NoopWorker struct {
	river.WorkerDefaults[NoopArgs]
	Log *slog.Logger // nil logs nothing
	// Ran, when set, receives the message of every job worked (non-blocking:
	// give it room).
	Ran chan<- string

	runs atomic.Int64
}

// Work records the run.
func (w *NoopWorker) Work(ctx context.Context, job *river.Job[NoopArgs]) error {
	w.runs.Add(1)
	if w.Log != nil {
		w.Log.InfoContext(ctx, "noop job ran", "job_id", job.ID, "message", job.Args.Message)
	}
	if w.Ran != nil {
		select {
		case w.Ran <- job.Args.Message:
		default:
		}
	}
	return nil
}

// Runs is how many noop jobs this worker has worked.
func (w *NoopWorker) Runs() int64 { return w.runs.Load() }
