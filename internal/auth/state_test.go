package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// RedisURL is the Redis server of the State tests.
func redisURL() string {
	if u := os.Getenv("DOCUVAULT_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// openRedisState returns a RedisState with a fresh key prefix; it skips
// loudly without a server, and fails when CI=true or DOCUVAULT_REQUIRE_REDIS=1.
func openRedisState(t testing.TB) *RedisState {
	t.Helper()
	r, err := NewRedisState(context.Background(), redisURL(), testPrefix())
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("DOCUVAULT_REQUIRE_REDIS") == "1" {
			t.Fatalf("Redis at %s is required (CI=true or DOCUVAULT_REQUIRE_REDIS=1) but unreachable: %v", redisURL(), err)
		}
		t.Skipf("SKIPPING Redis test: no server at %s (%v); set DOCUVAULT_TEST_REDIS_URL", redisURL(), err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func testPrefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "dvtest:" + hex.EncodeToString(b) + ":"
}

// eachState runs fn on the database State (both engines) and on Redis.
func eachState(t *testing.T, fn func(t *testing.T, s State)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { fn(t, NewDBState(st)) })
	t.Run("redis", func(t *testing.T) { fn(t, openRedisState(t)) })
}

func TestStateMark(t *testing.T) {
	eachState(t, func(t *testing.T, s State) {
		ctx := context.Background()
		if ok, err := s.Marked(ctx, "jti:a"); err != nil || ok {
			t.Fatalf("unset key marked: %v %v", ok, err)
		}
		if fresh, err := s.Mark(ctx, "jti:a", time.Minute); err != nil || !fresh {
			t.Fatalf("first mark: %v %v", fresh, err)
		}
		if fresh, err := s.Mark(ctx, "jti:a", time.Minute); err != nil || fresh {
			t.Fatalf("second mark reported fresh: %v %v", fresh, err)
		}
		if ok, err := s.Marked(ctx, "jti:a"); err != nil || !ok {
			t.Fatalf("set key not marked: %v %v", ok, err)
		}
		// An expired mark can be set again and no longer counts.
		if _, err := s.Mark(ctx, "short", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			ok, err := s.Marked(ctx, "short")
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("a 1ms mark never expired")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if fresh, err := s.Mark(ctx, "short", time.Minute); err != nil || !fresh {
			t.Fatalf("re-mark after expiry: %v %v", fresh, err)
		}
	})
}

// TestStateMarkConcurrent: of many concurrent marks of one key exactly one
// is fresh (the TOTP replay guarantee).
func TestStateMarkConcurrent(t *testing.T) {
	eachState(t, func(t *testing.T, s State) {
		var fresh atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := s.Mark(context.Background(), "totp:u:1", time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					fresh.Add(1)
				}
			})
		}
		wg.Wait()
		if fresh.Load() != 1 {
			t.Fatalf("%d fresh marks, want 1", fresh.Load())
		}
	})
}

func TestStateHit(t *testing.T) {
	eachState(t, func(t *testing.T, s State) {
		ctx := context.Background()
		for i := int64(1); i <= 3; i++ {
			n, left, err := s.Hit(ctx, "rl:x", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if n != i || left <= 0 || left > time.Hour {
				t.Fatalf("hit %d: n=%d left=%v", i, n, left)
			}
		}
		if n, _, _ := s.Hit(ctx, "rl:other", time.Hour); n != 1 {
			t.Fatalf("counters are not per key: %d", n)
		}
		// A finished window starts again at 1.
		if _, _, err := s.Hit(ctx, "rl:short", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			n, _, err := s.Hit(ctx, "rl:short", time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("window never restarted")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// TestStateUnhitClear: Unhit takes one event back and never goes below
// zero nor brings an absent counter back; Clear starts the key anew. The
// database and Redis agree.
func TestStateUnhitClear(t *testing.T) {
	eachState(t, func(t *testing.T, s State) {
		ctx := context.Background()
		for range 3 {
			if _, _, err := s.Hit(ctx, "rl:u", time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		for range 5 { // two more than were counted
			if err := s.Unhit(ctx, "rl:u"); err != nil {
				t.Fatal(err)
			}
		}
		if n, _, err := s.Hit(ctx, "rl:u", time.Hour); err != nil || n != 1 {
			t.Fatalf("hit after unhitting below zero: n=%d %v, want 1", n, err)
		}
		if err := s.Unhit(ctx, "rl:absent"); err != nil {
			t.Fatal(err)
		}
		if n, left, err := s.Hit(ctx, "rl:absent", time.Hour); err != nil || n != 1 || left > time.Hour {
			t.Fatalf("an unhit absent key: n=%d left=%v %v", n, left, err)
		}
		for range 4 {
			_, _, _ = s.Hit(ctx, "rl:c", time.Hour)
		}
		if err := s.Clear(ctx, "rl:c"); err != nil {
			t.Fatal(err)
		}
		if err := s.Clear(ctx, "rl:never"); err != nil {
			t.Fatal(err)
		}
		if n, _, err := s.Hit(ctx, "rl:c", time.Hour); err != nil || n != 1 {
			t.Fatalf("hit after clear: n=%d %v, want 1", n, err)
		}
	})
}

// TestMarksReadWithTheAccount: with the database State on the Service's own
// store, a request's revocation mark is read in the query of its account
// and session (AccessCheckOf); with Redis, or a State on another store, it
// is asked of the State first.
func TestMarksReadWithTheAccount(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	other := storetest.Open(t, store.SQLite)
	for _, c := range []struct {
		name  string
		state State
		want  bool
	}{{"own store", NewDBState(st), true}, {"other store", NewDBState(other), false}, {"redis", &RedisState{}, false}} {
		s, err := New(st, c.state, LogMailer{}, nil, Config{SecretKey: "k", Argon2: cheap, InsecureArgon2ForTests: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.marksInStore(); got != c.want {
			t.Errorf("%s: marksInStore %v, want %v", c.name, got, c.want)
		}
	}
}
