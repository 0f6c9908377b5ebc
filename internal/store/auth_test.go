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

// TestAccessChecksReadFresh: the one-query reads of authentication see a
// revoked session, a set or expired mark, a disabled or missing account and
// an API token's expiry as they are at the moment of the call, on both
// engines, and agree with the single-row reads.
func TestAccessChecksReadFresh(t *testing.T) {
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
		check := func(userID, sessionID, mark string) *store.AccessCheck {
			t.Helper()
			c, err := s.AccessCheckOf(ctx, userID, sessionID, mark)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := check(u.ID, sess.ID, "jti:a")
		if c.Revoked || c.User == nil || c.User.ID != u.ID || c.User.Role != "user" || c.User.Disabled ||
			c.Session == nil || c.Session.UserID != u.ID || !c.Session.Active(time.Now()) {
			t.Fatalf("active: %+v %+v %+v", c, c.User, c.Session)
		}
		want, err := s.SessionByID(ctx, sess.ID)
		if err != nil || !c.Session.ExpiresAt.Equal(want.ExpiresAt) {
			t.Fatalf("expiry %v, SessionByID %+v %v", c.Session.ExpiresAt, want, err)
		}
		if c := check("no-such-user", "no-such-session", ""); c.Revoked || c.User != nil || c.Session != nil {
			t.Fatalf("unknown: %+v", c)
		}
		if c := check(u.ID, "", ""); c.User == nil || c.Session != nil {
			t.Fatalf("no session asked: %+v", c)
		}

		if _, err := s.SetMark(ctx, "jti:a", time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetMark(ctx, "jti:old", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if !check(u.ID, sess.ID, "jti:a").Revoked || check(u.ID, sess.ID, "jti:old").Revoked || check(u.ID, sess.ID, "").Revoked {
			t.Fatal("marks: a set mark revokes, an expired or unasked one does not")
		}

		if err := s.RevokeSession(ctx, u.ID, sess.ID); err != nil {
			t.Fatal(err)
		}
		if c := check(u.ID, sess.ID, ""); c.Session == nil || c.Session.RevokedAt == nil || c.Session.Active(time.Now()) {
			t.Fatalf("revoked session reads as active: %+v", c.Session)
		}
		over := &model.Session{UserID: u.ID, ExpiresAt: time.Now().Add(-time.Second)}
		if err := s.CreateSession(ctx, over, "h2"); err != nil {
			t.Fatal(err)
		}
		if c := check(u.ID, over.ID, ""); c.Session == nil || c.Session.Active(time.Now()) {
			t.Fatalf("expired session reads as active: %+v", c.Session)
		}

		past := time.Now().Add(-time.Minute)
		tok := &model.APIToken{UserID: u.ID, Name: "t", TokenHash: "th1"}
		old := &model.APIToken{UserID: u.ID, Name: "old", TokenHash: "th2", ExpiresAt: &past}
		for _, tk := range []*model.APIToken{tok, old} {
			if err := s.CreateAPIToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		got, acct, err := s.APITokenAccess(ctx, "th1")
		if err != nil || got.ID != tok.ID || got.UserID != u.ID || got.ExpiresAt != nil || got.LastUsedAt != nil || acct == nil || acct.ID != u.ID {
			t.Fatalf("api token: %+v %+v %v", got, acct, err)
		}
		if got, _, err := s.APITokenAccess(ctx, "th2"); err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Before(time.Now()) {
			t.Fatalf("expired api token: %+v %v", got, err)
		}
		if _, _, err := s.APITokenAccess(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown api token: %v", err)
		}
		at := time.Now()
		if err := s.TouchAPIToken(ctx, tok.ID, at); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.APITokenAccess(ctx, "th1"); got.LastUsedAt == nil || got.LastUsedAt.Sub(at).Abs() > time.Millisecond {
			t.Fatalf("last used: %v, want %v", got.LastUsedAt, at)
		}

		disabled := true
		if _, err := s.UpdateUser(ctx, u.ID, store.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if c := check(u.ID, "", ""); c.User == nil || !c.User.Disabled {
			t.Fatalf("disabled account: %+v", c.User)
		}
		if _, acct, _ := s.APITokenAccess(ctx, "th1"); acct == nil || !acct.Disabled {
			t.Fatalf("disabled account of a token: %+v", acct)
		}
	})
}
