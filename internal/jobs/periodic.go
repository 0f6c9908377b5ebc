package jobs

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Names of DocuVault's periodic jobs (see DESIGN.md).
const (
	PeriodicCleanupUploads = "cleanup-abandoned-uploads" // Every(30 * time.Minute)
	PeriodicAuditExport    = "audit-log-daily-export"    // DailyUTC()
	PeriodicPurge          = "purge-expired"             // Every(time.Hour)
	PeriodicTrainDue       = "classifier-train-due"      // Every(5 * time.Second)
	PeriodicStatistics     = "database-statistics"       // Every(5 * time.Second)
)

// AddPeriodic registers a periodic job under a unique name. River runs the
// schedule on the elected leader only, so one job is enqueued per tick
// however many processes run. constructor is called at each tick and must
// not block; it may return nil args to skip that tick. With runOnStart a job
// is also enqueued when a leader takes over. Call it before Start; it
// returns ErrStarted afterwards and an error for a name already used. On an
// engine that does not run workers it records nothing and returns nil.
func (e *Engine) AddPeriodic(name string, schedule Schedule, constructor func() Args, runOnStart bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return ErrStarted
	}
	if name == "" || schedule == nil || constructor == nil {
		return fmt.Errorf("jobs: periodic job %q needs a name, a schedule and a constructor", name)
	}
	if e.periodic == nil {
		return nil
	}
	build := func() (river.JobArgs, *river.InsertOpts) {
		args := constructor()
		if args == nil {
			return nil, nil
		}
		return args, e.insertOpts(args, nil)
	}
	job := river.NewPeriodicJob(schedule, build, &river.PeriodicJobOpts{ID: name, RunOnStart: runOnStart})
	if _, err := e.periodic.AddSafely(job); err != nil {
		return fmt.Errorf("jobs: periodic job %q: %w", name, err)
	}
	return nil
}

// Schedule gives the next run of a periodic job after a time.
type Schedule interface{ Next(time.Time) time.Time }

// Every is a schedule firing at a fixed interval from when the leader starts.
func Every(d time.Duration) Schedule { return river.PeriodicInterval(d) }

// DailyUTC is a schedule firing every day at 00:00 UTC.
func DailyUTC() Schedule { return dailyUTC{} }

type dailyUTC struct{}

// Next returns the first UTC midnight strictly after t.
func (dailyUTC) Next(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}
