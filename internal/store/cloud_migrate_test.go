package store_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Migration 00030 drops the CHECK on cloud_accounts.kind (the kinds live in
// cloud.Kinds): on both engines the accounts written before it keep every
// column, the owner index and the foreign key to users (ON DELETE
// CASCADE) survive, and a kind the old CHECK refused is stored.
func TestMigrationCloudKindUnchecked(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := openAtVersion(t, d, 29)
			now := time.Now().UTC().Truncate(time.Second)
			users := []string{store.NewID(), store.NewID()}
			for i, id := range users {
				if _, err := s.DB().ExecContext(ctx, `INSERT INTO users (id, email, password_hash, created_at, updated_at)
					VALUES ($1, $2, 'x', $3, $3)`, id, []string{"a@example.com", "b@example.com"}[i], now); err != nil {
					t.Fatal(err)
				}
			}
			var before []*model.CloudAccount
			for i, kind := range []string{"google_drive", "onedrive", "nextcloud", "webdav"} {
				acc := &model.CloudAccount{OwnerID: users[i%2], Kind: kind, DisplayName: "drive " + kind,
					Credentials: []byte{byte(i), 0, 255}}
				if err := s.CreateCloudAccount(ctx, acc); err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					if err := s.SetCloudStatus(ctx, acc.OwnerID, acc.ID, model.CloudReconnect, "refused"); err != nil {
						t.Fatal(err)
					}
				}
				before = append(before, acc)
			}
			if err := s.CreateCloudAccount(ctx, &model.CloudAccount{OwnerID: users[0], Kind: "example_drive", Credentials: []byte{1}}); err == nil {
				t.Fatal("before 00030 the CHECK should refuse an unknown kind")
			}

			if err := s.Migrate(ctx, ""); err != nil {
				t.Fatal(err)
			}

			for _, b := range before {
				got, err := s.CloudAccount(ctx, b.OwnerID, b.ID)
				if err != nil {
					t.Fatalf("%s after the migration: %v", b.Kind, err)
				}
				if got.Kind != b.Kind || got.DisplayName != b.DisplayName || !bytes.Equal(got.Credentials, b.Credentials) ||
					!got.CreatedAt.Equal(b.CreatedAt) {
					t.Fatalf("account changed by the migration:\n%+v\n%+v", b, got)
				}
				if want := map[bool]string{true: model.CloudReconnect, false: model.CloudOK}[b.Kind == "onedrive"]; got.Status != want {
					t.Fatalf("%s status %q, want %q", b.Kind, got.Status, want)
				}
			}
			if l, err := s.ListCloudAccounts(ctx, users[0]); err != nil || len(l) != 2 || l[0].ID != before[0].ID {
				t.Fatalf("list: %v %v", l, err)
			}
			// The kind is no longer checked by the database.
			if err := s.CreateCloudAccount(ctx, &model.CloudAccount{OwnerID: users[0], Kind: "example_drive", Credentials: []byte{1}}); err != nil {
				t.Fatalf("unknown kind after 00030: %v", err)
			}
			// The foreign key survives: no account without a user, and a
			// user's accounts go with them.
			if err := s.CreateCloudAccount(ctx, &model.CloudAccount{OwnerID: store.NewID(), Kind: "webdav", Credentials: []byte{1}}); err == nil {
				t.Fatal("an account of no user was stored")
			}
			if _, err := s.DB().ExecContext(ctx, `DELETE FROM users WHERE id = $1`, users[1]); err != nil {
				t.Fatal(err)
			}
			if l, err := s.ListCloudAccounts(ctx, users[1]); err != nil || len(l) != 0 {
				t.Fatalf("accounts of a deleted user: %d %v", len(l), err)
			}
			// The owner index survives.
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'cloud_accounts_owner' AND tbl_name = 'cloud_accounts'`
			if d == store.Postgres {
				q = `SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'cloud_accounts_owner' AND tablename = 'cloud_accounts'`
			}
			var n int
			if err := s.DB().QueryRowContext(ctx, q).Scan(&n); err != nil || n != 1 {
				t.Fatalf("index cloud_accounts_owner: %d %v", n, err)
			}
			if d == store.SQLite {
				var fk int
				if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil || fk != 0 {
					t.Fatalf("foreign_key_check: %d %v", fk, err)
				}
				var ok string
				if err := s.DB().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
					t.Fatalf("integrity_check: %q %v", ok, err)
				}
			}
		})
	}
}

// openAtVersion opens a new database of dialect d migrated up to version
// only, to write rows the way that version did before a migration test
// migrates the rest; it is closed when the test ends.
func openAtVersion(t *testing.T, d store.Dialect, version int64) *store.Store {
	t.Helper()
	ctx := context.Background()
	o := store.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")}
	if d == store.Postgres {
		o = store.Options{DatabaseURL: storetest.PostgresURL(t), MaxConns: 4}
	}
	s, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return s
}
