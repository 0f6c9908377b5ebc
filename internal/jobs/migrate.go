package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
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
	var err error
	switch {
	case s.Dialect() == store.SQLite:
		err = migrateUp(ctx, riversqlite.New(s.DB()))
	case mdb != nil:
		err = migrateUp(ctx, riverdatabasesql.New(mdb))
	case s.PgxPool() != nil:
		err = migrateUp(ctx, riverpgxv5.New(s.PgxPool()))
	default:
		err = migrateUp(ctx, riverdatabasesql.New(s.DB()))
	}
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
