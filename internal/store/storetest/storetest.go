// Package storetest gives tests a fresh, migrated database on each engine:
// SQLite in a temp dir, and a new PostgreSQL database when a server is
// reachable. PostgreSQL is required (never skipped) when CI=true or
// DOCUVAULT_REQUIRE_POSTGRES=1.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/docuvault/docuvault/internal/store"
)

// AdminURL is the PostgreSQL server used to create test databases.
func AdminURL() string {
	if u := os.Getenv("DOCUVAULT_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// PostgresRequired reports whether a missing server must fail the tests.
func PostgresRequired() bool {
	return os.Getenv("CI") == "true" || os.Getenv("DOCUVAULT_REQUIRE_POSTGRES") == "1"
}

var (
	pgOnce sync.Once
	pgErr  error
)

func postgresReachable() error {
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			pgErr = err
			return
		}
		pgErr = conn.Ping(ctx)
		conn.Close(ctx)
	})
	return pgErr
}

// PostgresURL creates an empty database for this test, dropped at cleanup,
// and returns its URL. It skips (or fails, when required) without a server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	if err := postgresReachable(); err != nil {
		if PostgresRequired() {
			t.Fatalf("PostgreSQL at %s is required (CI=true) but unreachable: %v", AdminURL(), err)
		}
		t.Skipf("SKIPPING PostgreSQL test: no server at %s (%v); set DOCUVAULT_TEST_POSTGRES_URL", AdminURL(), err)
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "dvtest_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	return u.String()
}

// Open returns a fresh, migrated Store on the given engine, closed at cleanup.
func Open(t testing.TB, d store.Dialect) *store.Store {
	t.Helper()
	o := store.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")}
	if d == store.Postgres {
		o = store.Options{DatabaseURL: PostgresURL(t), MaxConns: 8}
	}
	ctx := context.Background()
	s, err := store.Open(ctx, o)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, ""); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return s
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Dialects lists both engines, for tests that open stores themselves.
func Dialects() []store.Dialect { return []store.Dialect{store.SQLite, store.Postgres} }

// Name is a unique name for test objects.
func Name(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%s", prefix, hex.EncodeToString(b))
}
