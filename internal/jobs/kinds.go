package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Args are a job's arguments: a small JSON-encodable value (ids, not
// content) whose Kind names the job kind, the same for every value.
type Args interface{ Kind() string }

// Spec says how jobs of one kind are queued and run.
type Spec struct {
	Queue       string        // QueueDocuments, QueueEmail or QueueDefault (default)
	MaxAttempts int           // attempts before the job is discarded; default River's 25
	Priority    int           // 1 (first) to 4; default 1; Opts.Priority overrides it
	Timeout     time.Duration // the job's context deadline; default Config.JobTimeout
	// UniqueWhilePending skips enqueueing a job whose kind and args equal
	// those of one still waiting or running (reported by Inserted.Duplicate).
	UniqueWhilePending bool
}

// Opts adjust one enqueue; the zero value takes the kind's Spec.
type Opts struct {
	Priority    int       // 1 to 4; 0 keeps the Spec's
	MaxAttempts int       // 0 keeps the Spec's
	Queue       string    // "" keeps the Spec's
	ScheduledAt time.Time // zero: now
}

// Inserted is the result of an enqueue.
type Inserted struct {
	ID        int64
	Duplicate bool // an equal job was pending, so none was added
}

// Job is one run of a job: its arguments and attempt (1 on the first run).
type Job[A Args] struct {
	ID          int64
	Args        A
	Attempt     int
	MaxAttempts int
}

// LastAttempt reports whether a failure now discards the job.
func (j *Job[A]) LastAttempt() bool { return j.Attempt >= j.MaxAttempts }

// Cancel marks err as permanent: the job is not retried and stays visible
// as cancelled in the admin jobs view.
func Cancel(err error) error { return river.JobCancel(err) }

// Snooze puts the job back to run again after d without counting an
// attempt.
func Snooze(d time.Duration) error { return river.JobSnooze(d) }

// pendingStates make a unique job unique while it waits or runs, so the
// same job is never queued twice at once but can be queued again later.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// Register adds the worker of the job kind A with its Spec. work runs each
// job; its error retries the job with backoff unless made permanent with
// Cancel. Register the same kinds in every process, including ones that
// only enqueue: the Spec is applied at enqueue time, and an engine refuses
// kinds nobody registered. Call it before Start.
func Register[A Args](e *Engine, spec Spec, work func(ctx context.Context, job *Job[A]) error) error {
	var zero A
	kind := zero.Kind()
	if spec.Queue == "" {
		spec.Queue = QueueDefault
	}
	if err := AddWorker(e, &funcWorker[A]{spec: spec, work: work}); err != nil {
		return fmt.Errorf("jobs: register %s: %w", kind, err)
	}
	e.mu.Lock()
	e.specs[kind] = spec
	e.mu.Unlock()
	return nil
}

// funcWorker is the River worker of a kind registered with Register.
type funcWorker[A Args] struct {
	river.WorkerDefaults[A]
	spec Spec
	work func(context.Context, *Job[A]) error
}

func (w *funcWorker[A]) Timeout(*river.Job[A]) time.Duration { return w.spec.Timeout }

func (w *funcWorker[A]) Work(ctx context.Context, j *river.Job[A]) error {
	return w.work(ctx, &Job[A]{ID: j.ID, Args: j.Args, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts})
}

// insertOpts is how a job of args' kind is inserted: its Spec, adjusted by o.
func (e *Engine) insertOpts(args Args, o *Opts) *river.InsertOpts {
	e.mu.Lock()
	spec, ok := e.specs[args.Kind()]
	e.mu.Unlock()
	ro := &river.InsertOpts{}
	if ok {
		ro.Queue, ro.MaxAttempts, ro.Priority = spec.Queue, spec.MaxAttempts, spec.Priority
		if spec.UniqueWhilePending {
			ro.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: pendingStates}
		}
	}
	if o != nil {
		if o.Queue != "" {
			ro.Queue = o.Queue
		}
		if o.MaxAttempts > 0 {
			ro.MaxAttempts = o.MaxAttempts
		}
		if o.Priority > 0 {
			ro.Priority = o.Priority
		}
		ro.ScheduledAt = o.ScheduledAt
	}
	return ro
}
