package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
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
	// Plan every statement for its own arguments. The driver prepares each
	// statement once per connection, and after five runs PostgreSQL would
	// settle on one generic plan for all arguments: for searches, whose
	// words match anything from one document to nearly all, that plan is
	// wrong for most of them (100k documents, the benchmark's five queries
	// in turn: p95 74 ms generic, 24 ms custom; docs/performance.md). An
	// operator's own setting in DATABASE_URL is kept.
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !set {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
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

// staleTables reads the server's counters of rows changed since the last
// ANALYZE (pg_stat_user_tables), in this schema, for the tables this role
// owns (or, as a superuser, all).
func (postgresEngine) staleTables(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT st.relname FROM pg_stat_user_tables st JOIN pg_class c ON c.oid = st.relid
		WHERE st.schemaname = current_schema() AND st.n_mod_since_analyze > 50 + 0.1 * st.n_live_tup
			AND pg_has_role(c.relowner, 'USAGE')
		ORDER BY st.relname`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	return tables, rows.Err()
}

// analyze runs ANALYZE on one table of this schema.
func (postgresEngine) analyze(ctx context.Context, s *Store, table string) error {
	_, err := s.w.ExecContext(ctx, `ANALYZE `+pgx.Identifier{table}.Sanitize())
	return err
}
