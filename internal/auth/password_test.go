package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

var cheap = Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}

func TestHashVerifyAndParams(t *testing.T) {
	ctx := context.Background()
	h := newHasher(cheap, 2)
	long := strings.Repeat("correct horse battery staple ", 10) // 290 characters
	enc, err := h.Hash(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("parameters not encoded: %s", enc)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{long, true}, {long[:len(long)-1], false}, {long + "x", false}, {"", false}} {
		ok, _, err := h.Verify(ctx, tc.pw, enc)
		if err != nil || ok != tc.want {
			t.Errorf("verify(%d chars) = %v, %v; want %v", len(tc.pw), ok, err, tc.want)
		}
	}
	stronger := newHasher(Argon2Params{MemoryKiB: 128, Time: 2, Threads: 1}, 1)
	if ok, rehash, _ := stronger.Verify(ctx, long, enc); !ok || !rehash {
		t.Fatalf("a weaker hash must verify and ask for a rehash: ok=%v rehash=%v", ok, rehash)
	}
	if _, _, err := h.Verify(ctx, "x", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"); !errors.Is(err, ErrBadHash) {
		t.Fatalf("hostile parameters: %v", err)
	}
	if _, _, err := h.Verify(ctx, "x", "$2a$10$bcrypt"); !errors.Is(err, ErrBadHash) {
		t.Fatalf("foreign hash: %v", err)
	}
}

// TestHashConcurrencyBound: with every slot taken, hashing waits and gives
// up with the context instead of running.
func TestHashConcurrencyBound(t *testing.T) {
	h := newHasher(cheap, 1)
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "a long enough password"); !errors.Is(err, context.Canceled) {
		t.Fatalf("hash with a full semaphore: %v", err)
	}
	h.release()
	if _, err := h.Hash(context.Background(), "a long enough password"); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordShape(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"elevenchars", false},
		{"twelve chars", true},
		{"ünïcödé pässwörd", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 1024), true},
		{strings.Repeat("a", 1025), false},
		{"\xff\xfe invalid utf8 bytes", false},
	} {
		if got := checkPasswordShape(tc.pw) == ""; got != tc.ok {
			t.Errorf("%q (%d bytes): accepted=%v", tc.pw[:min(len(tc.pw), 20)], len(tc.pw), got)
		}
	}
}

func TestNewRefusesWeakArgon2(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	cfg := Config{SecretKey: "k", Argon2: cheap}
	if _, err := New(st, NewDBState(st), LogMailer{}, nil, cfg); err == nil {
		t.Fatal("weak Argon2 parameters accepted without InsecureArgon2ForTests")
	}
	s, err := New(st, NewDBState(st), LogMailer{}, nil, Config{SecretKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Argon2 != DefaultArgon2 || DefaultArgon2.MemoryKiB < 19*1024 || DefaultArgon2.Time < 2 || DefaultArgon2.Threads != 1 {
		t.Fatalf("production parameters %+v", s.cfg.Argon2)
	}
}

// TestRehashOnLogin: a hash made with older, cheaper parameters is replaced
// at the next successful login.
func TestRehashOnLogin(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	old, err := New(st, NewDBState(st), LogMailer{}, nil, Config{SecretKey: "k", Argon2: cheap, InsecureArgon2ForTests: true, RegistrationOpen: true, HIBPURL: "off"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := old.Register(ctx, Client{IP: "1.2.3.4"}, "a@example.com", "a fine password", "")
	if err != nil {
		t.Fatal(err)
	}
	next, err := New(st, NewDBState(st), LogMailer{}, nil, Config{SecretKey: "k", Argon2: Argon2Params{MemoryKiB: 128, Time: 2, Threads: 1}, InsecureArgon2ForTests: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Login(ctx, Client{IP: "1.2.3.4"}, LoginInput{Email: "a@example.com", Password: "a fine password"}); err != nil {
		t.Fatal(err)
	}
	after, _ := st.UserByID(ctx, u.ID)
	if !strings.Contains(after.PasswordHash, "$m=128,t=2,p=1$") {
		t.Fatalf("hash not upgraded: %s", after.PasswordHash)
	}
	if _, err := next.Login(ctx, Client{IP: "1.2.3.4"}, LoginInput{Email: "a@example.com", Password: "a fine password"}); err != nil {
		t.Fatalf("login after upgrade: %v", err)
	}
}
