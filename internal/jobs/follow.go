package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// Requests that must start a fresh run ("poll this mailbox now").
//
// A unique kind refuses an equal job while one waits or runs. For a waiting
// job that is what the caller wants: it starts after the request. For a
// running job it is not: the run may be past the point the request is
// about, or even finished, since River records a job's completion a moment
// after its work returns. EnqueueFresh keeps uniqueness (never two runs of
// the same args at once) and still answers the request: when the equal job
// is running, a small follow-up job waits for that run to end and then
// enqueues the job again.

// followArgs is the follow-up of one running job: Args of kind Kind, to be
// enqueued once job JobID no longer runs. Unique while pending, so any
// number of requests during one run make one follow-up.
type followArgs struct {
	JobID int64           `json:"job_id"`
	Of    string          `json:"of"`
	Args  json.RawMessage `json:"args"`
}

const followKind = "jobs.follow"

func (followArgs) Kind() string { return followKind }

// rawArgs are a job's arguments as JSON, of kind kind.
type rawArgs struct {
	kind string
	raw  json.RawMessage
}

func (a rawArgs) Kind() string                 { return a.kind }
func (a rawArgs) MarshalJSON() ([]byte, error) { return a.raw, nil }

// followPoll is how often a follow-up looks whether the run it follows has
// ended.
const followPoll = 500 * time.Millisecond

// registerFollow adds the follow-up kind; New calls it.
func registerFollow(e *Engine) error {
	return Register(e, Spec{Queue: QueueDefault, MaxAttempts: 5, Timeout: time.Minute, UniqueWhilePending: true},
		func(ctx context.Context, j *Job[followArgs]) error {
			prev, err := e.inserter.JobGet(ctx, j.Args.JobID)
			if err == nil && prev.State == rivertype.JobStateRunning {
				return Snooze(followPoll)
			}
			// Gone (cleaned up) or no longer running: queue the next run. An
			// equal job queued or started since then serves as well.
			_, err = e.Enqueue(ctx, rawArgs{kind: j.Args.Of, raw: j.Args.Args}, nil)
			return err
		})
}

// EnqueueFresh enqueues args like Enqueue, so that a run of args starts
// after this call: when an equal unique job is waiting, that one; when one is
// running, a follow-up queues args again as soon as that run has ended.
func (e *Engine) EnqueueFresh(ctx context.Context, args Args) (Inserted, error) {
	res, err := e.inserter.Insert(ctx, args, e.insertOpts(args, nil))
	if err != nil {
		return Inserted{}, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	if !res.UniqueSkippedAsDuplicate || res.Job.State != rivertype.JobStateRunning {
		return Inserted{ID: res.Job.ID, Duplicate: res.UniqueSkippedAsDuplicate}, nil
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return Inserted{}, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	if _, err := e.Enqueue(ctx, followArgs{JobID: res.Job.ID, Of: args.Kind(), Args: raw}, nil); err != nil {
		return Inserted{}, err
	}
	return Inserted{ID: res.Job.ID, Duplicate: true}, nil
}
