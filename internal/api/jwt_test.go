package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/docuvault/docuvault/internal/auth"
)

// TestJWTAttacks presents forged and tampered access tokens; each is 401.
// A token minted the same way with the right key and claims is accepted,
// so every refusal is for the one thing that was changed.
func TestJWTAttacks(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		a := e.client(t)
		a.register("ann@example.com")
		userID := a.must(200, "GET", "/api/me", nil)["user"].(map[string]any)["id"].(string)
		key, kid, err := auth.SigningKey(e.secret)
		if err != nil {
			t.Fatal(err)
		}
		attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
			now := time.Now()
			c := jwt.MapClaims{"jti": base64.RawURLEncoding.EncodeToString([]byte(now.String())), "sub": userID,
				"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "iss": "docuvault", "aud": []string{"docuvault-api"},
				"typ": "access", "fgp": auth.Fingerprint(a.ua, a.lang)}
			if mod != nil {
				mod(c)
			}
			return c
		}
		sign := func(method jwt.SigningMethod, c jwt.MapClaims, k any, hdr map[string]any) string {
			tok := jwt.NewWithClaims(method, c)
			tok.Header["kid"] = kid
			for h, v := range hdr {
				if v == nil {
					delete(tok.Header, h)
				} else {
					tok.Header[h] = v
				}
			}
			s, err := tok.SignedString(k)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		valid := sign(jwt.SigningMethodES256, claims(nil), key, nil)
		pubDER, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
		b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
		jwk := map[string]any{"kty": "EC", "crv": "P-256", "x": b64(attacker.X.FillBytes(make([]byte, 32))), "y": b64(attacker.Y.FillBytes(make([]byte, 32)))}
		zeroSig := valid[:strings.LastIndexByte(valid, '.')+1] + b64(make([]byte, 64))

		for _, tc := range []struct {
			name, token string
		}{
			{"alg none", sign(jwt.SigningMethodNone, claims(nil), jwt.UnsafeAllowNoneSignatureType, nil)},
			{"HS256 with the public key DER", sign(jwt.SigningMethodHS256, claims(nil), pubDER, nil)},
			{"HS256 with the public key PEM", sign(jwt.SigningMethodHS256, claims(nil), pubPEM, nil)},
			{"embedded jwk", sign(jwt.SigningMethodES256, claims(nil), attacker, map[string]any{"jwk": jwk})},
			{"embedded jwk, no kid", sign(jwt.SigningMethodES256, claims(nil), attacker, map[string]any{"jwk": jwk, "kid": nil})},
			{"jku header", sign(jwt.SigningMethodES256, claims(nil), attacker, map[string]any{"jku": "https://evil.example/jwks.json"})},
			{"x5u header", sign(jwt.SigningMethodES256, claims(nil), key, map[string]any{"x5u": "https://evil.example/cert.pem"})},
			{"hostile kid path", sign(jwt.SigningMethodES256, claims(nil), attacker, map[string]any{"kid": "../../../../dev/null"})},
			{"hostile kid sql", sign(jwt.SigningMethodES256, claims(nil), attacker, map[string]any{"kid": "x' OR '1'='1"})},
			{"r=s=0 signature", zeroSig},
			{"wrong key, our kid", sign(jwt.SigningMethodES256, claims(nil), attacker, nil)},
			{"ES384", sign(jwt.SigningMethodES384, claims(nil), mustKey(elliptic.P384()), nil)},
			{"wrong aud", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { c["aud"] = []string{"other-api"} }), key, nil)},
			{"wrong iss", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { c["iss"] = "evil" }), key, nil)},
			{"wrong typ", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { c["typ"] = "refresh" }), key, nil)},
			{"no typ", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { delete(c, "typ") }), key, nil)},
			{"expired", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) {
				c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
			}), key, nil)},
			{"no exp", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { delete(c, "exp") }), key, nil)},
			{"wrong fingerprint", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { c["fgp"] = auth.Fingerprint("curl/8", "") }), key, nil)},
			{"unknown user", sign(jwt.SigningMethodES256, claims(func(c jwt.MapClaims) { c["sub"] = "0190aaaa-0000-7000-8000-000000000000" }), key, nil)},
			{"garbage", "not.a.jwt"},
			{"huge", strings.Repeat("a", 5000) + ".b.c"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a.token = tc.token
				if out := a.must(401, "GET", "/api/me", nil); code(out) != "unauthorized" {
					t.Fatalf("%v", out)
				}
			})
		}
		a.token = valid
		a.must(200, "GET", "/api/me", nil)
		// The same valid token from another client (different fingerprint) is refused.
		thief := e.client(t)
		thief.token = valid
		thief.must(401, "GET", "/api/me", nil)
	})
}

func mustKey(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}
