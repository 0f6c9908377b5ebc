package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestRotateRefreshAndPurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &model.User{Email: storetest.Name("u") + "@example.com", PasswordHash: "x"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		sess := &model.Session{UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}
		if err := s.CreateSession(ctx, sess, "h1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, "nope", "h9", "", ""); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		got, err := s.RotateRefresh(ctx, "h1", "h2", "10.0.0.1", "ua")
		if err != nil || got.ID != sess.ID || got.IP != "10.0.0.1" {
			t.Fatalf("rotate: %+v %v", got, err)
		}
		if got, err := s.RotateRefresh(ctx, "h1", "h3", "", ""); !errors.Is(err, store.ErrRefreshReused) || got == nil || got.ID != sess.ID {
			t.Fatalf("reuse: %+v %v", got, err)
		}
		if err := s.RevokeSession(ctx, u.ID, sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, "h2", "h4", "", ""); !errors.Is(err, store.ErrSessionEnded) {
			t.Fatalf("revoked family: %v", err)
		}
		if err := s.RevokeSession(ctx, "someone-else", sess.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other owner: %v", err)
		}

		// Reset tokens: single use, and never after expiry.
		if err := s.CreatePasswordReset(ctx, u.ID, "r1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreatePasswordReset(ctx, u.ID, "r2", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UsePasswordReset(ctx, "r2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired reset: %v", err)
		}
		if id, err := s.UsePasswordReset(ctx, "r1"); err != nil || id != u.ID {
			t.Fatalf("reset: %q %v", id, err)
		}
		if _, err := s.UsePasswordReset(ctx, "r1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second use: %v", err)
		}

		// Purge removes what has expired and keeps what is live.
		if _, err := s.SetMark(ctx, "old", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetMark(ctx, "live", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PurgeAuth(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.HasMark(ctx, "live"); !ok {
			t.Fatal("purge removed a live mark")
		}
		if fresh, _ := s.SetMark(ctx, "old", time.Now().Add(time.Hour)); !fresh {
			t.Fatal("an expired mark was not purged")
		}
		if n, err := s.PurgeAuth(ctx, time.Now().Add(48*time.Hour)); err != nil || n < 3 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if ok, _ := s.HasMark(ctx, "live"); ok {
			t.Fatal("a mark expiring in an hour survived a purge 48h later")
		}
		if _, err := s.SessionByID(ctx, sess.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ended session not purged: %v", err)
		}
	})
}
