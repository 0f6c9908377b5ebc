package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/auth"
)

// from is a client at address ip.
func from(ip string) auth.Client { return auth.Client{IP: ip, UserAgent: "limits test"} }

// wantLimited fails unless err is rate_limited with a Retry-After.
func wantLimited(t *testing.T, what string, err error) {
	t.Helper()
	var ae *apperr.Error
	if !apperr.Is(err, apperr.RateLimited) || !errors.As(err, &ae) || ae.RetryAfter <= 0 {
		t.Fatalf("%s: %v, want rate_limited with Retry-After", what, err)
	}
}

// TestLoginLimitsCountFailuresOnly: successful sign-ins do not count, a
// success clears the (account, address) counter, failures at one address
// lock that address out of the account but not the owner at another, and
// the looser per-account limit still caps failures spread over addresses.
// On SQLite, PostgreSQL and Redis.
func TestLoginLimitsCountFailuresOnly(t *testing.T) {
	eachAuthEnv(t, func(c *auth.Config) {
		c.Limits.LoginPerAccountIP = auth.Limit{N: 3, Window: time.Hour}
		c.Limits.LoginPerAccount = auth.Limit{N: 7, Window: time.Hour}
	}, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		if _, err := e.svc.Register(ctx, from("192.0.2.1"), "ann@example.com", goodPassword, ""); err != nil {
			t.Fatal(err)
		}
		good := auth.LoginInput{Email: "ann@example.com", Password: goodPassword}
		bad := auth.LoginInput{Email: "ann@example.com", Password: "wrong password here"}
		// Ann signs in on many devices within minutes: never refused.
		for i := range 12 {
			if _, err := e.svc.Login(ctx, from("192.0.2.1"), good); err != nil {
				t.Fatalf("sign-in %d of the owner: %v", i+1, err)
			}
		}
		// Two typos, then the right password: the address's counter clears.
		for range 2 {
			if _, err := e.svc.Login(ctx, from("192.0.2.1"), bad); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if _, err := e.svc.Login(ctx, from("192.0.2.1"), good); err != nil {
			t.Fatalf("after two typos: %v", err)
		}
		// A guesser at another address: 3 failures, then refused there, even
		// with the right password.
		for range 3 {
			if _, err := e.svc.Login(ctx, from("203.0.113.66"), bad); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("guess: %v", err)
			}
		}
		_, err := e.svc.Login(ctx, from("203.0.113.66"), good)
		wantLimited(t, "4th try at the guessing address", err)
		_, err = e.svc.Login(ctx, from("203.0.113.66"), bad)
		wantLimited(t, "5th try at the guessing address", err)
		// The owner at home is not locked out by the guesser.
		if _, err := e.svc.Login(ctx, from("192.0.2.1"), good); err != nil {
			t.Fatalf("owner while another address is limited: %v", err)
		}
		// Failures spread over addresses meet the per-account limit: 2 + 3
		// counted so far (refused tries do not count), 2 more from two
		// other addresses make 7, and then the account is refused everywhere.
		for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
			if _, err := e.svc.Login(ctx, from(ip), bad); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("guess from %s: %v", ip, err)
			}
		}
		_, err = e.svc.Login(ctx, from("198.51.100.3"), good)
		wantLimited(t, "over the per-account limit", err)
	})
}

// TestSecondFactorLimitsCountFailuresOnly: enabling 2FA and correct codes
// do not count; wrong codes count per (account, address) and, loosely, per
// account. On SQLite, PostgreSQL and Redis.
func TestSecondFactorLimitsCountFailuresOnly(t *testing.T) {
	eachAuthEnv(t, func(c *auth.Config) {
		c.Limits.TOTPPerAccountIP = auth.Limit{N: 2, Window: time.Hour}
		c.Limits.TOTPPerAccount = auth.Limit{N: 4, Window: time.Hour}
	}, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		home := from("192.0.2.1")
		u, err := e.svc.Register(ctx, home, "ann@example.com", goodPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		setup, err := e.svc.SetupTOTP(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		codes, err := e.svc.EnableTOTP(ctx, home, u.ID, totpAt(t, setup.Secret, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		login := func(c auth.Client, backup string) error {
			_, err := e.svc.Login(ctx, c, auth.LoginInput{Email: "ann@example.com", Password: goodPassword, BackupCode: backup})
			return err
		}
		// Five sign-ins with a correct second factor, after enabling: none refused.
		for i := range 5 {
			if err := login(home, codes[i]); err != nil {
				t.Fatalf("sign-in %d with a correct code: %v", i+1, err)
			}
		}
		// Two wrong codes at one address, then that address is refused.
		for range 2 {
			if err := login(from("203.0.113.66"), "aaaa-bbbb"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("wrong code: %v", err)
			}
		}
		wantLimited(t, "3rd code at the limited address", login(from("203.0.113.66"), codes[5]))
		// The owner at another address gets in.
		if err := login(home, codes[5]); err != nil {
			t.Fatalf("owner's correct code: %v", err)
		}
		// Two more failures elsewhere reach the per-account limit of 4.
		for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
			if err := login(from(ip), "aaaa-bbbb"); !apperr.Is(err, apperr.Unauthorized) {
				t.Fatalf("wrong code from %s: %v", ip, err)
			}
		}
		wantLimited(t, "over the per-account second-factor limit", login(home, codes[6]))
	})
}
