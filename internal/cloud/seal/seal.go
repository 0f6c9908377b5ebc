// Package seal encrypts small secrets at rest (cloud drive credentials, AI
// API keys, TOTP secrets) with AES-256-GCM under a per-user key.
//
// The key for one (user, purpose, key version) is derived with HKDF-SHA256
// from a master key (CLOUD_CREDS_KEY): salt = user id, info =
// "docuvault <purpose> v<version>". Each Seal draws a fresh random nonce and
// binds the user id and account id as associated data, so a sealed value
// copied to another user's or account's row does not open. The output is
//
//	version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)
//
// and the version byte says which master key to open it with, so keys can
// rotate: open with the old version, seal again with the current one.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Purposes in use. Each yields an independent key.
const (
	PurposeCloudCreds = "cloud-creds"
	PurposeAIKey      = "ai-key"
	PurposeTOTP       = "totp"
)

const (
	// MinMasterKeyLen is the shortest accepted master key.
	MinMasterKeyLen = 32
	// MaxPlaintext bounds what Seal accepts; secrets are small.
	MaxPlaintext = 64 << 10
	nonceLen     = 12
	overhead     = 1 + nonceLen + 16
)

var (
	// ErrOpen is returned when sealed data does not authenticate: it was
	// altered, truncated, or belongs to another user, purpose or account.
	ErrOpen = errors.New("seal: cannot open sealed data (corrupt, or bound to another user or account)")
	// ErrUnknownVersion is returned for data sealed under a key version
	// this Sealer does not hold.
	ErrUnknownVersion = errors.New("seal: unknown key version")
	// ErrBadKey is returned for a missing or short master key.
	ErrBadKey = errors.New("seal: master key must be at least 32 bytes")
	// ErrBadInput is returned for an empty user id, a malformed purpose or
	// an oversized plaintext.
	ErrBadInput = errors.New("seal: bad input")
)

// Sealer seals and opens secrets. It is safe for concurrent use.
type Sealer struct {
	current uint8
	masters map[uint8][]byte
}

// New returns a Sealer with one master key, key version 1.
func New(master []byte) (*Sealer, error) {
	return NewKeyring(1, map[uint8][]byte{1: master})
}

// NewKeyring returns a Sealer that seals under masters[current] and opens
// data sealed under any version in masters. Versions start at 1.
func NewKeyring(current uint8, masters map[uint8][]byte) (*Sealer, error) {
	if _, ok := masters[current]; !ok || current == 0 {
		return nil, fmt.Errorf("%w: current version %d has no key", ErrBadKey, current)
	}
	s := &Sealer{current: current, masters: make(map[uint8][]byte, len(masters))}
	for v, m := range masters {
		if v == 0 {
			return nil, fmt.Errorf("%w: version 0 is reserved", ErrBadKey)
		}
		if len(m) < MinMasterKeyLen {
			return nil, fmt.Errorf("%w (version %d has %d)", ErrBadKey, v, len(m))
		}
		s.masters[v] = append([]byte(nil), m...)
	}
	return s, nil
}

// Seal encrypts plaintext for userID under purpose, bound to accountID
// (which may be empty when the secret belongs to the user as a whole, as a
// TOTP secret does). Errors: ErrBadInput.
func (s *Sealer) Seal(userID, purpose, accountID string, plaintext []byte) ([]byte, error) {
	if len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("%w: plaintext of %d bytes exceeds %d", ErrBadInput, len(plaintext), MaxPlaintext)
	}
	aead, err := s.aead(s.current, userID, purpose)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+nonceLen, overhead+len(plaintext))
	out[0] = s.current
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return aead.Seal(out, out[1:1+nonceLen], plaintext, additionalData(s.current, userID, purpose, accountID)), nil
}

// Open decrypts data produced by Seal with the same userID, purpose and
// accountID. Errors: ErrOpen, ErrUnknownVersion, ErrBadInput.
func (s *Sealer) Open(userID, purpose, accountID string, sealed []byte) ([]byte, error) {
	if len(sealed) < overhead {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrOpen, len(sealed))
	}
	v := sealed[0]
	if _, ok := s.masters[v]; !ok {
		return nil, fmt.Errorf("%w %d", ErrUnknownVersion, v)
	}
	aead, err := s.aead(v, userID, purpose)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, sealed[1:1+nonceLen], sealed[1+nonceLen:], additionalData(v, userID, purpose, accountID))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsReseal reports whether sealed was made under an older key version
// than the current one, so a rotation job should open and seal it again.
func (s *Sealer) NeedsReseal(sealed []byte) bool {
	return len(sealed) > 0 && sealed[0] != s.current
}

func (s *Sealer) aead(version uint8, userID, purpose string) (cipher.AEAD, error) {
	if userID == "" {
		return nil, fmt.Errorf("%w: empty user id", ErrBadInput)
	}
	if !validPurpose(purpose) {
		return nil, fmt.Errorf("%w: purpose %q (want lower-case letters, digits and '-')", ErrBadInput, purpose)
	}
	info := "docuvault " + purpose + " v" + strconv.Itoa(int(version))
	key, err := hkdf.Key(sha256.New, s.masters[version], []byte(userID), info, 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return cipher.NewGCM(block)
}

func validPurpose(p string) bool {
	if p == "" || len(p) > 64 {
		return false
	}
	for _, c := range p {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// additionalData length-prefixes each field so ("ab","c") and ("a","bc")
// differ.
func additionalData(version uint8, userID, purpose, accountID string) []byte {
	ad := []byte("docuvault-seal")
	ad = append(ad, version)
	for _, f := range []string{userID, purpose, accountID} {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(f)))
		ad = append(ad, f...)
	}
	return ad
}
