package store

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// TestEngineMigrations: each engine applies common/ and its own folder as
// one list, and a version number used twice is refused, whether in common/
// and an engine folder or only in the other engine's folder (allowed).
func TestEngineMigrations(t *testing.T) {
	src := fstest.MapFS{
		"migrations/common/00001_a.sql":   {Data: []byte("-- common")},
		"migrations/sqlite/00002_b.sql":   {Data: []byte("-- sqlite")},
		"migrations/postgres/00002_b.sql": {Data: []byte("-- postgres")},
		"migrations/postgres/README":      {Data: []byte("not a migration")},
	}
	for _, d := range []Dialect{SQLite, Postgres} {
		got, err := engineMigrations(src, d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		names, err := fs.Glob(got, "*")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(names, ",") != "00001_a.sql,00002_b.sql" {
			t.Errorf("%s: migrations %v", d, names)
		}
		if b, _ := fs.ReadFile(got, "00002_b.sql"); string(b) != "-- "+string(d) {
			t.Errorf("%s: 00002 is %q, want the engine's own", d, b)
		}
	}
	src["migrations/sqlite/00001_again.sql"] = &fstest.MapFile{Data: []byte("-- twice")}
	if _, err := engineMigrations(src, SQLite); err == nil || !strings.Contains(err.Error(), "00001") {
		t.Errorf("a version in common/ and sqlite/: %v, want an error naming it", err)
	}
	if _, err := engineMigrations(src, Postgres); err != nil {
		t.Errorf("postgres is not affected by sqlite's duplicate: %v", err)
	}

	// The embedded migrations themselves: no version twice, for either engine.
	for _, d := range []Dialect{SQLite, Postgres} {
		got, err := engineMigrations(migrations, d)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		names, _ := fs.Glob(got, "*.sql")
		if len(names) < 25 {
			t.Errorf("%s: only %d migrations", d, len(names))
		}
	}
}
