package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Access-token constants.
const (
	AccessTTL      = 15 * time.Minute
	accessTyp      = "access"
	maxTokenLength = 4096
)

// ErrBadToken is every refused access token, whatever the reason.
var ErrBadToken = errors.New("auth: invalid access token")

// signingKey is an ES256 key with its key id.
type signingKey struct {
	kid  string
	priv *ecdsa.PrivateKey
}

// deriveKey turns SECRET_KEY into a P-256 key: a PEM ECDSA P-256 private key
// is used as is; any other string is stretched with HKDF-SHA256 into a
// scalar, deterministically, so every node given the same secret signs and
// verifies with the same key.
func deriveKey(secret string) (*signingKey, error) {
	if secret == "" {
		return nil, errors.New("auth: SECRET_KEY is empty")
	}
	var priv *ecdsa.PrivateKey
	if block, _ := pem.Decode([]byte(secret)); block != nil {
		k, err := parsePEMKey(block)
		if err != nil {
			return nil, err
		}
		priv = k
	} else {
		for i := range 64 {
			info := fmt.Sprintf("docuvault access-token ES256 key v1/%d", i)
			raw, err := hkdf.Key(sha256.New, []byte(secret), nil, info, 32)
			if err != nil {
				return nil, fmt.Errorf("auth: derive key: %w", err)
			}
			if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw); err == nil {
				priv = k
				break
			}
		}
		if priv == nil {
			return nil, errors.New("auth: could not derive a P-256 key")
		}
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("auth: key id: %w", err)
	}
	sum := sha256.Sum256(pub)
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(sum[:12]), priv: priv}, nil
}

func parsePEMKey(block *pem.Block) (*ecdsa.PrivateKey, error) {
	var key any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("auth: SECRET_KEY: PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: SECRET_KEY: %w", err)
	}
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, errors.New("auth: SECRET_KEY: the PEM key must be ECDSA P-256")
	}
	return k, nil
}

// accessClaims are the claims of an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	Typ string `json:"typ"`
	Fgp string `json:"fgp"`
	Sid string `json:"sid,omitempty"`
}

// Fingerprint binds a token to the client that got it: SHA-256 of the
// User-Agent and Accept-Language headers.
func Fingerprint(userAgent, acceptLanguage string) string {
	sum := sha256.Sum256([]byte(userAgent + "\x00" + acceptLanguage))
	return hex.EncodeToString(sum[:])
}

// tokenSigner issues and verifies access tokens.
type tokenSigner struct {
	current  *signingKey
	keys     map[string]*ecdsa.PublicKey // by kid: the current key and retired ones
	issuer   string
	audience string
	parser   *jwt.Parser
}

func newTokenSigner(current *signingKey, retired []*signingKey, issuer, audience string) *tokenSigner {
	keys := map[string]*ecdsa.PublicKey{current.kid: &current.priv.PublicKey}
	for _, k := range retired {
		keys[k.kid] = &k.priv.PublicKey
	}
	return &tokenSigner{current: current, keys: keys, issuer: issuer, audience: audience,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
			jwt.WithAudience(audience), jwt.WithIssuer(issuer),
			jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(5*time.Second),
			jwt.WithStrictDecoding(),
		)}
}

func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// issue signs a new access token for the user and session.
func (t *tokenSigner) issue(userID, sessionID, fingerprint string, now time.Time) (string, *accessClaims, error) {
	c := &accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			ID: newJTI(), Subject: userID, Issuer: t.issuer, Audience: jwt.ClaimStrings{t.audience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL)),
		},
		Typ: accessTyp, Fgp: fingerprint, Sid: sessionID,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	tok.Header["kid"] = t.current.kid
	s, err := tok.SignedString(t.current.priv)
	if err != nil {
		return "", nil, fmt.Errorf("auth: sign: %w", err)
	}
	return s, c, nil
}

// verify checks signature, algorithm, key id, issuer, audience, type,
// lifetime and fingerprint. Keys named or embedded in the header (jwk, jku,
// x5u, x5c) are refused: the key is looked up only by our own kid.
func (t *tokenSigner) verify(raw, fingerprint string) (*accessClaims, error) {
	if len(raw) > maxTokenLength || strings.Count(raw, ".") != 2 {
		return nil, ErrBadToken
	}
	if zeroSignature(raw[strings.LastIndexByte(raw, '.')+1:]) {
		return nil, ErrBadToken
	}
	var c accessClaims
	_, err := t.parser.ParseWithClaims(raw, &c, func(tok *jwt.Token) (any, error) {
		for _, h := range []string{"jwk", "jku", "x5u", "x5c", "crit"} {
			if _, ok := tok.Header[h]; ok {
				return nil, fmt.Errorf("header %q refused", h)
			}
		}
		kid, _ := tok.Header["kid"].(string)
		key, ok := t.keys[kid]
		if !ok {
			return nil, errors.New("unknown key id")
		}
		return key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadToken, err)
	}
	if c.Typ != accessTyp || c.ID == "" || c.Subject == "" {
		return nil, fmt.Errorf("%w: wrong type or missing claims", ErrBadToken)
	}
	if subtle.ConstantTimeCompare([]byte(c.Fgp), []byte(fingerprint)) != 1 {
		return nil, fmt.Errorf("%w: fingerprint mismatch", ErrBadToken)
	}
	return &c, nil
}

// zeroSignature reports a signature made only of zero bytes (the "psychic
// signature" attack), or one that does not decode.
func zeroSignature(seg string) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil || len(b) == 0 {
		return true
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// SigningKey returns the ES256 private key and key id that SECRET_KEY
// yields (for tooling and tests that must mint tokens the server accepts).
func SigningKey(secret string) (*ecdsa.PrivateKey, string, error) {
	k, err := deriveKey(secret)
	if err != nil {
		return nil, "", err
	}
	return k.priv, k.kid, nil
}
