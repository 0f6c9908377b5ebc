package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/docuvault/docuvault/internal/store"
)

// sqliteDriver runs River on SQLite: one client over the store's single
// writer connection both inserts and works jobs.
type sqliteDriver struct{}

func (sqliteDriver) clients(e *Engine, rc *river.Config, cfg Config) error {
	c, err := river.NewClient(riversqlite.New(e.store.DB()), rc)
	if err != nil {
		return fmt.Errorf("jobs: sqlite client: %w", err)
	}
	e.inserter = c
	if cfg.RunWorkers {
		e.start, e.stop, e.cancel, e.periodic = c.Start, c.Stop, c.StopAndCancel, c.PeriodicJobs()
		e.clientID = c.ID
		e.beforeStart = e.requeueCrashed
	}
	return nil
}

// migrate ignores mdb: SQLite has no roles.
func (sqliteDriver) migrate(ctx context.Context, s *store.Store, _ *sql.DB) error {
	return migrateUp(ctx, riversqlite.New(s.DB()))
}

// requeueCrashed makes jobs still marked running available again. On
// SQLite the jobs are worked by this one process (serve), so a job still
// marked running was cut by a crash (kill -9, power loss): run it again now
// instead of after River's rescuer horizon (an hour, or the worker's
// Timeout). Jobs are idempotent.
func (e *Engine) requeueCrashed(ctx context.Context) error {
	res, err := e.store.DB().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("jobs: requeue jobs cut by a crash: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		e.log.Warn("requeued jobs left running by a crash", "jobs", n)
	}
	return nil
}
