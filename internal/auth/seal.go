package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// sealer encrypts small secrets at rest (TOTP secrets) with AES-256-GCM
// under a key derived by HKDF from SECRET_KEY. The additional data binds a
// sealed value to its owner, so a row copied to another user does not open.
// (internal/cloud/seal did not exist when this was written; this is the
// minimal equivalent, private to this package.)
type sealer struct{ aead cipher.AEAD }

const sealVersion = 1

func newSealer(secret, purpose string) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "docuvault seal v1/"+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("auth: seal key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: seal: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(plain []byte, owner string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("auth: seal: %w", err)
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, plain, []byte(owner)), nil
}

var errUnseal = errors.New("auth: sealed value does not open")

func (s *sealer) open(sealed []byte, owner string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errUnseal
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(owner))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}
