package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/docuvault/docuvault/internal/store"
)

// Migrate applies River's own pending migrations (its river_* tables). Call
// it right after Store.Migrate. On PostgreSQL, migrateDB, when given and not
// nil, is the connection of the role that owns the schema
// (DATABASE_MIGRATE_URL); otherwise the Store's own connection is used. It
// is ignored on SQLite.
func Migrate(ctx context.Context, s *store.Store, migrateDB ...*sql.DB) error {
	var mdb *sql.DB
	if len(migrateDB) > 0 {
		mdb = migrateDB[0]
	}
	d, err := driverFor(s)
	if err != nil {
		return err
	}
	err = d.migrate(ctx, s, mdb)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

func migrateUp[TTx any](ctx context.Context, d riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(d, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}
