package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: "Alice@Example.com", DisplayName: "Alice", PasswordHash: "h"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.Email != "alice@example.com" || u.Role != "user" || u.ID == "" {
			t.Fatalf("bad user after create: %+v", u)
		}
		dup := &model.User{Email: "ALICE@example.com", PasswordHash: "h"}
		if err := s.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate email: got %v, want ErrConflict", err)
		}
		got, err := s.UserByEmail(ctx, " alice@EXAMPLE.com ")
		if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("by email: %+v %v (want created %v)", got, err, u.CreatedAt)
		}
		if _, err := s.UserByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		role, dis, q := "admin", true, int64(1000)
		up, err := s.UpdateUser(ctx, u.ID, store.UserUpdate{Role: &role, Disabled: &dis, QuotaBytes: &q})
		if err != nil || up.Role != "admin" || !up.Disabled || up.QuotaBytes != 1000 || up.DisplayName != "Alice" {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := s.UpdateUser(ctx, "nope", store.UserUpdate{Role: &role}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}
		bad := "root"
		if _, err := s.UpdateUser(ctx, u.ID, store.UserUpdate{Role: &bad}); err == nil {
			t.Fatal("role outside the allowed set must be refused by the schema")
		}
		secret := []byte{1, 2, 3}
		up, err = s.UpdateUser(ctx, u.ID, store.UserUpdate{TOTPSecret: &secret})
		if err != nil || string(up.TOTPSecret) != string(secret) {
			t.Fatalf("totp secret: %v %v", up, err)
		}
		if err := s.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestListUsersPaginates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 7 {
			if err := s.CreateUser(ctx, &model.User{Email: fmt.Sprintf("u%d@x.test", i), PasswordHash: "h"}); err != nil {
				t.Fatal(err)
			}
		}
		seen := map[string]bool{}
		cursor := ""
		pages := 0
		for {
			us, next, err := s.ListUsers(ctx, store.Page{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, u := range us {
				if seen[u.ID] {
					t.Fatalf("user %s twice", u.ID)
				}
				seen[u.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 7 || pages != 3 {
			t.Fatalf("saw %d users in %d pages", len(seen), pages)
		}
		if n, _ := s.CountUsers(ctx); n != 7 {
			t.Fatalf("count %d", n)
		}
	})
}

func TestWithTxRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.WithTx(ctx, func(tx *store.Store) error {
			if err := tx.CreateUser(ctx, &model.User{Email: "tx@x.test", PasswordHash: "h"}); err != nil {
				return err
			}
			if _, err := tx.UserByEmail(ctx, "tx@x.test"); err != nil {
				t.Errorf("read inside tx: %v", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if _, err := s.UserByEmail(ctx, "tx@x.test"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled back user still there: %v", err)
		}
	})
}

func TestConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.WithTx(ctx, func(tx *store.Store) error {
					return tx.CreateUser(ctx, &model.User{Email: fmt.Sprintf("c%d@x.test", i), PasswordHash: "h"})
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, _ := s.CountUsers(ctx); n != 40 {
			t.Fatalf("count %d", n)
		}
	})
}

func TestAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		for i := range 5 {
			actor := "a"
			if i%2 == 1 {
				actor = "b"
			}
			e := &model.AuditEntry{At: base.Add(time.Duration(i) * time.Minute), ActorID: actor, Action: "auth.login",
				IP: "192.0.2.1", UserAgent: "ua", Details: map[string]any{"n": i}}
			if err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AppendAudit(ctx, &model.AuditEntry{At: base.Add(time.Hour), Action: "auth.login_failed"}); err != nil {
			t.Fatal(err)
		}
		all, next, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{Limit: 4})
		if err != nil || len(all) != 4 || next == "" || all[0].Action != "auth.login_failed" || all[0].ActorID != "" {
			t.Fatalf("first page: %d %q %v %+v", len(all), next, err, all)
		}
		rest, next, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{Limit: 4, Cursor: next})
		if err != nil || len(rest) != 2 || next != "" {
			t.Fatalf("second page: %d %q %v", len(rest), next, err)
		}
		if rest[1].Details["n"] != float64(0) || !rest[1].At.Equal(base) {
			t.Fatalf("oldest entry: %+v", rest[1])
		}
		bs, _, err := s.ListAudit(ctx, store.AuditFilter{ActorID: "b"}, store.Page{})
		if err != nil || len(bs) != 2 {
			t.Fatalf("actor filter: %d %v", len(bs), err)
		}
		win, _, err := s.ListAudit(ctx, store.AuditFilter{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)}, store.Page{})
		if err != nil || len(win) != 2 {
			t.Fatalf("time window: %d %v", len(win), err)
		}
		var n int
		err = s.AuditBetween(ctx, base, base.Add(24*time.Hour), func(e *model.AuditEntry) error { n++; return nil })
		if err != nil || n != 6 {
			t.Fatalf("between: %d %v", n, err)
		}
		if _, _, err := s.ListAudit(ctx, store.AuditFilter{}, store.Page{Cursor: "garbage!"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v1, err := s.SchemaVersion(ctx)
		if err != nil || v1 < 1 {
			t.Fatalf("version %d %v", v1, err)
		}
		if err := s.Migrate(ctx, ""); err != nil {
			t.Fatal(err)
		}
		v2, _ := s.SchemaVersion(ctx)
		if v1 != v2 {
			t.Fatalf("version moved %d -> %d", v1, v2)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
