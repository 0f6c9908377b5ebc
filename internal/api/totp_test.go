package api_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoFactorStory: a new user registers, turns on 2FA with an
// authenticator app, loses the phone and gets back in with a backup code,
// then turns 2FA off.
func TestTwoFactorStory(t *testing.T) {
	eachAuthEnv(t, nil, func(t *testing.T, e *authEnv) {
		ctx := context.Background()
		a := e.client(t)
		a.register("ann@example.com")
		setup := a.must(200, "POST", "/api/auth/totp/setup", nil)
		secret, _ := setup["secret"].(string)
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
		if err != nil || len(raw) != 20 {
			t.Fatalf("secret %q: %d bytes, %v", secret, len(raw), err)
		}
		u := setup["otpauth_url"].(string)
		if !strings.HasPrefix(u, "otpauth://totp/DocuVault:ann@example.com?") || !strings.Contains(u, "secret="+secret) || !strings.Contains(u, "issuer=DocuVault") {
			t.Fatalf("otpauth url %s", u)
		}
		png, err := base64.StdEncoding.DecodeString(setup["qr_png_base64"].(string))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatal("qr_png_base64 is not a PNG")
		}
		row, _ := e.st.UserByEmail(ctx, "ann@example.com")
		if len(row.TOTPSecret) == 0 || bytes.Contains(row.TOTPSecret, raw) || row.TOTPEnabled {
			t.Fatal("the secret must be stored sealed and 2FA still off")
		}

		if out := a.must(422, "POST", "/api/auth/totp/enable", map[string]any{"code": "000000"}); code(out) != "invalid_input" {
			t.Fatalf("%v", out)
		}
		codes := a.must(200, "POST", "/api/auth/totp/enable", map[string]any{"code": totpAt(t, secret, time.Now())})["backup_codes"].([]any)
		if len(codes) != 10 {
			t.Fatalf("%d backup codes", len(codes))
		}
		a.must(409, "POST", "/api/auth/totp/setup", nil)
		if me := a.must(200, "GET", "/api/me", nil)["user"].(map[string]any); me["totp_enabled"] != true {
			t.Fatal("totp_enabled not set")
		}

		login := func(extra map[string]any) (int, map[string]any) {
			body := map[string]any{"email": "ann@example.com", "password": goodPassword}
			for k, v := range extra {
				body[k] = v
			}
			return e.client(t).do("POST", "/api/auth/login", body)
		}
		if st, out := login(nil); st != 401 || code(out) != "mfa_required" {
			t.Fatalf("no code: %d %v", st, out)
		}
		if st, out := login(map[string]any{"totp_code": "123456"}); st != 401 || code(out) != "unauthorized" {
			t.Fatalf("wrong code: %d %v", st, out)
		}
		// A wrong password never reveals that 2FA is on.
		if st, out := login(map[string]any{"password": "wrong password here"}); st != 401 || code(out) != "unauthorized" {
			t.Fatalf("wrong password: %d %v", st, out)
		}
		next := totpAt(t, secret, time.Now().Add(30*time.Second)) // step T+1 is accepted
		if st, out := login(map[string]any{"totp_code": next}); st != 200 {
			t.Fatalf("T+1 code: %d %v", st, out)
		}
		if st, _ := login(map[string]any{"totp_code": next}); st != 401 {
			t.Fatal("a TOTP code worked twice")
		}
		if st, _ := login(map[string]any{"totp_code": totpAt(t, secret, time.Now().Add(-2*time.Minute))}); st != 401 {
			t.Fatal("a code from step T-4 was accepted")
		}

		// The phone is lost: a backup code gets in, once.
		backup := codes[3].(string)
		if st, out := login(map[string]any{"backup_code": strings.ToUpper(backup)}); st != 200 {
			t.Fatalf("backup code: %d %v", st, out)
		}
		if st, _ := login(map[string]any{"backup_code": backup}); st != 401 {
			t.Fatal("a backup code worked twice")
		}
		b := e.client(t)
		out := b.must(200, "POST", "/api/auth/login", map[string]any{"email": "ann@example.com", "password": goodPassword, "backup_code": codes[4]})
		b.token = out["access_token"].(string)

		// New codes replace the old ones.
		b.must(422, "POST", "/api/auth/backup-codes", map[string]any{"password": "wrong password here"})
		fresh := b.must(200, "POST", "/api/auth/backup-codes", map[string]any{"password": goodPassword})["backup_codes"].([]any)
		if st, _ := login(map[string]any{"backup_code": codes[5]}); st != 401 {
			t.Fatal("an old backup code still works after regeneration")
		}
		// Off with the password and a (backup) code.
		b.must(422, "POST", "/api/auth/totp/disable", map[string]any{"password": goodPassword, "code": "000000"})
		b.must(204, "POST", "/api/auth/totp/disable", map[string]any{"password": goodPassword, "code": fresh[0]})
		if st, out := login(nil); st != 200 {
			t.Fatalf("login after disable: %d %v", st, out)
		}
		if e.auditCount(t, "auth.totp_enable", "") != 1 || e.auditCount(t, "auth.totp_disable", "") != 1 {
			t.Fatal("2FA audit events missing")
		}
	})
}
