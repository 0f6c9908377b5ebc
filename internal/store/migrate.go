package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/pressly/goose/v3"
)

// migrations holds each engine's own migrations (sqlite/, postgres/) and
// common/, those written in SQL that both engines run the same.
//
//go:embed migrations/common/*.sql migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// engineMigrations is the migrations an engine applies: common/ and the
// engine's own folder of src, as one folder. A version number may appear
// once: in common/ or in the engine folders, never both.
func engineMigrations(src fs.FS, d Dialect) (fs.FS, error) {
	out := fstest.MapFS{}
	seen := map[string]string{}
	for _, dir := range []string{"migrations/common", "migrations/" + string(d)} {
		entries, err := fs.ReadDir(src, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() || path.Ext(e.Name()) != ".sql" {
				continue
			}
			version, _, _ := strings.Cut(e.Name(), "_")
			if other, ok := seen[version]; ok {
				return nil, fmt.Errorf("migration %s is both %s and %s", version, other, dir+"/"+e.Name())
			}
			seen[version] = dir + "/" + e.Name()
			data, err := fs.ReadFile(src, dir+"/"+e.Name())
			if err != nil {
				return nil, err
			}
			out[e.Name()] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
	}
	return out, nil
}

// Migrate applies every pending migration of this engine, each in its own
// transaction, recording the version. On PostgreSQL migrateURL names the role
// that owns the schema (DATABASE_MIGRATE_URL); empty means the Store's own
// connection.
func (s *Store) Migrate(ctx context.Context, migrateURL string) error {
	return s.migrate(ctx, migrateURL, 0)
}

// migrate applies the pending migrations up to version to (0: all).
func (s *Store) migrate(ctx context.Context, migrateURL string, to int64) error {
	db := s.writer
	if migrateURL != "" {
		mdb, err := s.engine.migrateDB(migrateURL)
		if err != nil {
			return err
		}
		if mdb != nil {
			defer mdb.Close()
			db = mdb
		}
	}
	sub, err := engineMigrations(migrations, s.dialect)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	// Out of order: a migration added later with a lower number (work merged
	// from a branch) is still applied to databases that are ahead of it.
	p, err := goose.NewProvider(s.engine.gooseDialect(), db, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	up := p.Up
	if to > 0 {
		up = func(ctx context.Context) ([]*goose.MigrationResult, error) { return p.UpTo(ctx, to) }
	}
	if _, err := up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// SchemaVersion is the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	err := s.r.QueryRowContext(ctx, "SELECT MAX(version_id) FROM goose_db_version WHERE is_applied").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v.Int64, nil
}

// MigrationDB opens a connection as the role that owns the schema
// (migrateURL) for other migrations of the same database (the job
// engine's); it returns nil when migrateURL is empty or the engine has no
// such role, and migrations then run on the Store's own connection.
func (s *Store) MigrationDB(migrateURL string) (*sql.DB, error) {
	if migrateURL == "" {
		return nil, nil
	}
	return s.engine.migrateDB(migrateURL)
}
