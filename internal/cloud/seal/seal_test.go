package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"testing"
)

var master = bytes.Repeat([]byte{0x42}, 32)

func newSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := New(master)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := newSealer(t)
	tests := []struct {
		user, purpose, account string
		plain                  []byte
	}{
		{"user-1", PurposeCloudCreds, "acct-9", []byte(`{"username":"alice","password":"s3cret"}`)},
		{"user-1", PurposeAIKey, "anthropic", []byte("sk-ant-xyz")},
		{"user-2", PurposeTOTP, "", []byte("JBSWY3DPEHPK3PXP")},
		{"user-3", PurposeCloudCreds, "a", []byte{}},
		{"ü-user", PurposeCloudCreds, "é", bytes.Repeat([]byte{0}, MaxPlaintext)},
	}
	for _, tt := range tests {
		ct, err := s.Seal(tt.user, tt.purpose, tt.account, tt.plain)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if len(ct) != len(tt.plain)+overhead || ct[0] != 1 {
			t.Errorf("sealed length %d (version %d), want %d (version 1)", len(ct), ct[0], len(tt.plain)+overhead)
		}
		if len(tt.plain) > 8 && bytes.Contains(ct, tt.plain[:8]) {
			t.Error("ciphertext contains the plaintext")
		}
		got, err := s.Open(tt.user, tt.purpose, tt.account, ct)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, tt.plain) {
			t.Errorf("Open = %q, want %q", got, tt.plain)
		}
	}
}

// TestDerivation checks the documented construction with an independent
// implementation, so the stored format stays stable.
func TestDerivation(t *testing.T) {
	s := newSealer(t)
	ct, err := s.Seal("u1", PurposeCloudCreds, "a1", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := hkdf.Key(sha256.New, master, []byte("u1"), "docuvault cloud-creds v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	ad := []byte("docuvault-seal\x01" + "\x00\x00\x00\x02u1" + "\x00\x00\x00\x0bcloud-creds" + "\x00\x00\x00\x02a1")
	pt, err := gcm.Open(nil, ct[1:13], ct[13:], ad)
	if err != nil || string(pt) != "hello" {
		t.Fatalf("independent open: %q, %v", pt, err)
	}
}

func TestTamper(t *testing.T) {
	s := newSealer(t)
	ct, err := s.Seal("user-1", PurposeCloudCreds, "acct-1", []byte("password"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(ct); i++ { // every byte after the version
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := s.Open("user-1", PurposeCloudCreds, "acct-1", bad); !errors.Is(err, ErrOpen) {
			t.Fatalf("flipped byte %d: err %v, want ErrOpen", i, err)
		}
	}
	wrong := []struct{ name, user, purpose, account string }{
		{"other user", "user-2", PurposeCloudCreds, "acct-1"},
		{"other account", "user-1", PurposeCloudCreds, "acct-2"},
		{"other purpose", "user-1", PurposeAIKey, "acct-1"},
		{"no account", "user-1", PurposeCloudCreds, ""},
		{"shifted boundary", "user-1a", PurposeCloudCreds, "cct-1"},
	}
	for _, w := range wrong {
		if _, err := s.Open(w.user, w.purpose, w.account, ct); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: err %v, want ErrOpen", w.name, err)
		}
	}
	if _, err := s.Open("user-1", PurposeCloudCreds, "acct-1", ct[:len(ct)-1]); !errors.Is(err, ErrOpen) {
		t.Errorf("truncated: %v", err)
	}
	if _, err := s.Open("user-1", PurposeCloudCreds, "acct-1", ct[:5]); !errors.Is(err, ErrOpen) {
		t.Errorf("short: %v", err)
	}
	other, _ := New(bytes.Repeat([]byte{7}, 40))
	if _, err := other.Open("user-1", PurposeCloudCreds, "acct-1", ct); !errors.Is(err, ErrOpen) {
		t.Errorf("other master key: %v", err)
	}
	bad := bytes.Clone(ct)
	bad[0] = 9
	if _, err := s.Open("user-1", PurposeCloudCreds, "acct-1", bad); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("unknown version: %v", err)
	}
}

func TestFreshNonce(t *testing.T) {
	s := newSealer(t)
	seen := map[string]bool{}
	for range 100 {
		ct, err := s.Seal("u", PurposeTOTP, "", []byte("same secret"))
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(ct)] {
			t.Fatal("two seals of the same plaintext are identical")
		}
		seen[string(ct)] = true
	}
	a, _ := s.Seal("u", PurposeTOTP, "", []byte("x"))
	b, _ := s.Seal("u", PurposeTOTP, "", []byte("x"))
	if bytes.Equal(a[1:13], b[1:13]) {
		t.Error("nonce reused")
	}
}

func TestRotation(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, 32)
	k2 := bytes.Repeat([]byte{2}, 48)
	old, err := New(k1)
	if err != nil {
		t.Fatal(err)
	}
	ct1, _ := old.Seal("u", PurposeAIKey, "openai", []byte("sk-1"))

	ring, err := NewKeyring(2, map[uint8][]byte{1: k1, 2: k2})
	if err != nil {
		t.Fatal(err)
	}
	if !ring.NeedsReseal(ct1) {
		t.Error("v1 data should need resealing under v2")
	}
	pt, err := ring.Open("u", PurposeAIKey, "openai", ct1)
	if err != nil || string(pt) != "sk-1" {
		t.Fatalf("open v1 with keyring: %q, %v", pt, err)
	}
	ct2, err := ring.Seal("u", PurposeAIKey, "openai", pt)
	if err != nil {
		t.Fatal(err)
	}
	if ct2[0] != 2 || ring.NeedsReseal(ct2) {
		t.Errorf("resealed version %d", ct2[0])
	}
	if _, err := old.Open("u", PurposeAIKey, "openai", ct2); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("old sealer on v2 data: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	for _, m := range [][]byte{nil, make([]byte, 31)} {
		if _, err := New(m); !errors.Is(err, ErrBadKey) {
			t.Errorf("New(%d bytes) = %v", len(m), err)
		}
	}
	if _, err := NewKeyring(3, map[uint8][]byte{1: master}); !errors.Is(err, ErrBadKey) {
		t.Errorf("missing current: %v", err)
	}
	if _, err := NewKeyring(0, map[uint8][]byte{0: master}); !errors.Is(err, ErrBadKey) {
		t.Errorf("version 0: %v", err)
	}
	s := newSealer(t)
	cases := []struct{ user, purpose string }{{"", PurposeTOTP}, {"u", ""}, {"u", "Cloud Creds"}, {"u", "a v2"}}
	for _, c := range cases {
		if _, err := s.Seal(c.user, c.purpose, "", []byte("x")); !errors.Is(err, ErrBadInput) {
			t.Errorf("Seal(%q, %q) = %v", c.user, c.purpose, err)
		}
	}
	if _, err := s.Seal("u", PurposeTOTP, "", make([]byte, MaxPlaintext+1)); !errors.Is(err, ErrBadInput) {
		t.Errorf("oversized: %v", err)
	}
}

func BenchmarkSeal(b *testing.B) {
	s, _ := New(master)
	pt := []byte(`{"username":"alice","password":"correct horse battery staple"}`)
	for b.Loop() {
		if _, err := s.Seal("user-1", PurposeCloudCreds, "acct-1", pt); err != nil {
			b.Fatal(err)
		}
	}
}
