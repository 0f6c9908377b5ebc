package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
)

// TestSQLiteFilesArePrivate: with the usual umask 022, the database and its
// -wal and -shm are created 0600, and an existing database left 0644 by an
// earlier version is made 0600 when it is opened.
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db", "docuvault.db")
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Options{SQLitePath: path})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx, ""); err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(when string) {
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s is %04o, want 0600", when, filepath.Base(p), st.Mode().Perm())
			}
		}
	}
	s := open()
	check("new database")
	s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path+"-wal", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close()
	check("database left 0644")
}
