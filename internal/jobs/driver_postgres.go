package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/docuvault/docuvault/internal/store"
)

// postgresDriver runs River on PostgreSQL: a database/sql insert-only
// client enqueues inside the store's transactions, and a pgx client works
// jobs (LISTEN/NOTIFY, leader election) under a liveness lock.
type postgresDriver struct{}

func (postgresDriver) clients(e *Engine, rc *river.Config, cfg Config) error {
	s := e.store
	if s.PgxPool() == nil {
		return errors.New("jobs: PostgreSQL store without a pgx pool")
	}
	ins, err := river.NewClient(riverdatabasesql.New(s.DB()), insertOnly(rc))
	if err != nil {
		return fmt.Errorf("jobs: postgres insert client: %w", err)
	}
	e.inserter = ins
	if cfg.RunWorkers {
		rc.ID = newClientID()
		e.live = newLiveness(rc.ID, s.PgxPool(), s.DB(), e.log, cfg.LivenessInterval)
		c, err := river.NewClient[pgx.Tx](riverpgxv5.New(s.PgxPool()), rc)
		if err != nil {
			return fmt.Errorf("jobs: postgres worker client: %w", err)
		}
		e.start, e.stop, e.cancel, e.periodic = c.Start, c.Stop, c.StopAndCancel, c.PeriodicJobs()
		e.clientID = c.ID
	}
	return nil
}

// migrate runs on mdb, the schema owner's connection, when given.
func (postgresDriver) migrate(ctx context.Context, s *store.Store, mdb *sql.DB) error {
	switch {
	case mdb != nil:
		return migrateUp(ctx, riverdatabasesql.New(mdb))
	case s.PgxPool() != nil:
		return migrateUp(ctx, riverpgxv5.New(s.PgxPool()))
	default:
		return migrateUp(ctx, riverdatabasesql.New(s.DB()))
	}
}
