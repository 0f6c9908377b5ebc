package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
)

func openPostgres(ctx context.Context, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(o.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: DATABASE_URL: %w", err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = 4 * runtime.NumCPU()
	}
	cfg.MaxConns = int32(n)
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL at %s: %w", redactURL(o.DatabaseURL), err)
	}
	db := stdlib.OpenDBFromPool(pool)
	return &Store{dialect: Postgres, search: tsvectorIndex{}, engine: postgresEngine{}, w: db, r: db, writer: db, reader: db, pool: pool}, nil
}

// postgresEngine is PostgreSQL's engine: a server, where the schema may
// belong to another role than the application's.
type postgresEngine struct{}

func (postgresEngine) gooseDialect() goose.Dialect { return goose.DialectPostgres }

func (postgresEngine) migrateDB(migrateURL string) (*sql.DB, error) {
	mdb, err := sql.Open("pgx", migrateURL)
	if err != nil {
		return nil, fmt.Errorf("store: DATABASE_MIGRATE_URL: %w", err)
	}
	return mdb, nil
}

// backup refuses: a PostgreSQL database is backed up with pg_dump.
func (postgresEngine) backup(context.Context, *Store, string) error { return ErrBackupUnsupported }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
