package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// TOTP parameters: RFC 6238 with SHA-1, 30-second steps, 6 digits, and
// only the steps T-1, T and T+1 accepted.
const (
	totpPeriod     = 30
	totpDigits     = 6
	totpSecretSize = 20
	totpIssuer     = "DocuVault"
)

// TOTPSetup is what the authenticator app needs.
type TOTPSetup struct {
	Secret      string // base32
	URL         string // otpauth://
	QRPNGBase64 string
}

// totpCode is the RFC 6238 code of secret at time t.
func totpCode(secret []byte, t time.Time, digits int) (string, error) {
	return hotpCode(secret, uint64(t.Unix())/totpPeriod, digits)
}

func hotpCode(secret []byte, counter uint64, digits int) (string, error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	return hotp.GenerateCodeCustom(enc, counter, hotp.ValidateOpts{Digits: otp.Digits(digits), Algorithm: otp.AlgorithmSHA1})
}

// SetupTOTP makes a new secret for the user (stored sealed, not yet on)
// and returns it with its otpauth URL and QR code.
func (s *Service) SetupTOTP(ctx context.Context, userID string) (*TOTPSetup, error) {
	u, err := s.st.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, apperr.New(apperr.Conflict, "two-factor authentication is already on; disable it first")
	}
	secret := make([]byte, totpSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("auth: totp secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		Secret: secret, SecretSize: totpSecretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("auth: totp key: %w", err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, fmt.Errorf("auth: totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: totp qr: %w", err)
	}
	sealed, err := s.seal.seal(secret, u.ID)
	if err != nil {
		return nil, err
	}
	if _, err := s.st.UpdateUser(ctx, u.ID, store.UserUpdate{TOTPSecret: &sealed}); err != nil {
		return nil, err
	}
	return &TOTPSetup{Secret: key.Secret(), URL: key.URL(), QRPNGBase64: base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// EnableTOTP turns 2FA on when code matches the secret from SetupTOTP and
// returns 10 new backup codes (shown once).
func (s *Service) EnableTOTP(ctx context.Context, c Client, userID, code string) ([]string, error) {
	u, err := s.st.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.TOTPEnabled {
		return nil, apperr.New(apperr.Conflict, "two-factor authentication is already on")
	}
	if len(u.TOTPSecret) == 0 {
		return nil, apperr.New(apperr.Conflict, "call POST /api/auth/totp/setup first")
	}
	g, err := s.guardFailures(ctx, s.totpRules(u.ID, c.IP))
	if err != nil {
		return nil, err
	}
	ok, err := s.checkTOTP(ctx, u, code)
	if err != nil {
		g.cancel(ctx)
		return nil, err
	}
	if !ok {
		return nil, apperr.Fields("That code is not valid.", map[string]string{"code": "That code is not valid. Check that the device's clock is right."})
	}
	g.pass(ctx)
	codes, rows, err := s.newBackupCodes(ctx)
	if err != nil {
		return nil, err
	}
	on := true
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if _, err := tx.UpdateUser(ctx, u.ID, store.UserUpdate{TOTPEnabled: &on}); err != nil {
			return err
		}
		if err := tx.ReplaceBackupCodes(ctx, u.ID, rows); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, "auth.totp_enable", u.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTOTP turns 2FA off; it needs the password and a current TOTP code
// or an unused backup code.
func (s *Service) DisableTOTP(ctx context.Context, c Client, userID, password, code string) error {
	u, err := s.st.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.TOTPEnabled {
		return apperr.New(apperr.Conflict, "two-factor authentication is not on")
	}
	if err := s.confirmPassword(ctx, c, u, "password", password); err != nil {
		return err
	}
	if _, err := s.secondFactor(ctx, c, u, code, code); err != nil {
		if apperr.Is(err, apperr.Unauthorized) {
			return apperr.Fields("That code is not valid.", map[string]string{"code": "That code is not valid."})
		}
		return err
	}
	off := false
	var none []byte
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if _, err := tx.UpdateUser(ctx, u.ID, store.UserUpdate{TOTPEnabled: &off, TOTPSecret: &none}); err != nil {
			return err
		}
		if err := tx.DeleteBackupCodes(ctx, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, "auth.totp_disable", u.ID, nil)
	})
}

// RegenerateBackupCodes replaces the user's backup codes; the old ones stop working.
func (s *Service) RegenerateBackupCodes(ctx context.Context, c Client, userID, password string) ([]string, error) {
	u, err := s.st.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := s.confirmPassword(ctx, c, u, "password", password); err != nil {
		return nil, err
	}
	if !u.TOTPEnabled {
		return nil, apperr.New(apperr.Conflict, "two-factor authentication is not on")
	}
	codes, rows, err := s.newBackupCodes(ctx)
	if err != nil {
		return nil, err
	}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.ReplaceBackupCodes(ctx, u.ID, rows); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, "auth.backup_codes_regenerate", u.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// secondFactor checks a TOTP code, else a backup code; failures are
// limited per (account, address) and per account. It reports whether a
// backup code was spent.
func (s *Service) secondFactor(ctx context.Context, c Client, u *model.User, totpCode, backupCode string) (bool, error) {
	g, err := s.guardFailures(ctx, s.totpRules(u.ID, c.IP))
	if err != nil {
		return false, err
	}
	if totpCode != "" {
		ok, err := s.checkTOTP(ctx, u, totpCode)
		if err != nil {
			g.cancel(ctx)
			return false, err
		}
		if ok {
			g.pass(ctx)
			return false, nil
		}
	}
	if backupCode != "" {
		ok, err := s.useBackupCode(ctx, u, backupCode)
		if err != nil {
			g.cancel(ctx)
			return false, err
		}
		if ok {
			g.pass(ctx)
			return true, nil
		}
	}
	return false, errBadCode
}

// checkTOTP accepts a code of step T-1, T or T+1, each step once per user:
// the step is marked used atomically (in Redis or the database), so a
// replayed code fails even on another node.
func (s *Service) checkTOTP(ctx context.Context, u *model.User, code string) (bool, error) {
	if len(code) != totpDigits {
		return false, nil
	}
	if _, err := strconv.Atoi(code); err != nil {
		return false, nil
	}
	secret, err := s.seal.open(u.TOTPSecret, u.ID)
	if err != nil {
		return false, fmt.Errorf("auth: totp secret of %s: %w", u.ID, err)
	}
	step := uint64(s.now().Unix()) / totpPeriod
	for _, st := range []uint64{step - 1, step, step + 1} {
		want, err := hotpCode(secret, st, totpDigits)
		if err != nil {
			return false, fmt.Errorf("auth: totp: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		fresh, err := s.state.Mark(ctx, fmt.Sprintf("totp:%s:%d", u.ID, st), 4*totpPeriod*time.Second)
		if err != nil {
			return false, err
		}
		return fresh, nil
	}
	return false, nil
}

// confirmPassword checks the signed-in user's password for a sensitive
// change; failures are limited like sign-in failures.
func (s *Service) confirmPassword(ctx context.Context, c Client, u *model.User, field, password string) error {
	g, err := s.guardFailures(ctx, s.loginRules("confirm", u.ID, c.IP))
	if err != nil {
		return err
	}
	ok, _, err := s.hash.Verify(ctx, password, u.PasswordHash)
	if err != nil && !errors.Is(err, ErrBadHash) {
		g.cancel(ctx)
		return err
	}
	if !ok {
		return apperr.Fields("The password is wrong.", map[string]string{field: "The password is wrong."})
	}
	g.pass(ctx)
	return nil
}
