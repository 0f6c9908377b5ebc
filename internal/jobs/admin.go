package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// JobInfo describes one job for the admin pages.
type JobInfo struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Queue       string     `json:"queue"`
	State       string     `json:"state"`
	Attempt     int        `json:"attempt"`
	MaxAttempts int        `json:"max_attempts"`
	Errors      []string   `json:"errors"` // one per failed attempt, oldest first
	CreatedAt   time.Time  `json:"created_at"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	FinalizedAt *time.Time `json:"finalized_at,omitempty"`
}

// ErrBadState is returned by ListJobs for an unknown state name.
var ErrBadState = errors.New("jobs: unknown job state")

// maxList bounds one page of ListJobs.
const maxList = 500

// ListJobs returns jobs in the given states (all when empty), newest first,
// at most limit (1..500, default 50) per page. cursor is "" for the first
// page, then the next value returned by the previous call; next is "" when
// the page was not full (a full last page is followed by an empty one). An unknown state gives ErrBadState.
func (e *Engine) ListJobs(ctx context.Context, states []string, limit int, cursor string) (jobs []JobInfo, next string, err error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxList)
	p := river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit)
	if len(states) > 0 {
		st := make([]rivertype.JobState, 0, len(states))
		for _, s := range states {
			if !validState(s) {
				return nil, "", fmt.Errorf("%w: %q", ErrBadState, s)
			}
			st = append(st, rivertype.JobState(s))
		}
		p = p.States(st...)
	}
	if cursor != "" {
		var c river.JobListCursor
		if err := c.UnmarshalText([]byte(cursor)); err != nil {
			return nil, "", fmt.Errorf("jobs: bad cursor: %w", err)
		}
		p = p.After(&c)
	}
	res, err := e.inserter.JobList(ctx, p)
	if err != nil {
		return nil, "", fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]JobInfo, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, info(j))
	}
	if len(res.Jobs) == limit && res.LastCursor != nil {
		b, err := res.LastCursor.MarshalText()
		if err != nil {
			return nil, "", fmt.Errorf("jobs: list cursor: %w", err)
		}
		next = string(b)
	}
	return out, next, nil
}

// Retry makes a job available to run now, also when it was discarded or
// cancelled (its attempts are raised if exhausted). It returns ErrNotFound
// for an unknown id; a running job is left alone.
func (e *Engine) Retry(ctx context.Context, id int64) error {
	if _, err := e.inserter.JobRetry(ctx, id); err != nil {
		if errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("%w: %d", ErrNotFound, id)
		}
		return fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	return nil
}

func validState(s string) bool {
	for _, st := range jobStates {
		if string(st) == s {
			return true
		}
	}
	return false
}

func info(j *rivertype.JobRow) JobInfo {
	errs := make([]string, 0, len(j.Errors))
	for _, e := range j.Errors {
		errs = append(errs, e.Error)
	}
	return JobInfo{
		ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: string(j.State),
		Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, Errors: errs,
		CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt, FinalizedAt: j.FinalizedAt,
	}
}
