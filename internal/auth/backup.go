package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Backup codes: 10 per user, 16 characters (80 bits) shown as
// xxxx-xxxx-xxxx-xxxx. The first 4 characters are stored in clear as a
// lookup prefix, so a try costs one Argon2id hash; each is single use.
const (
	backupCodeCount  = 10
	backupCodeLen    = 16
	backupLookupLen  = 4
	backupCodeLetter = "0123456789abcdefghjkmnpqrstvwxyz" // Crockford base32, lower case
)

func newBackupCode() string {
	b := make([]byte, backupCodeLen)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = backupCodeLetter[int(b[i])%len(backupCodeLetter)] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

func formatBackupCode(c string) string {
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
}

// normalizeBackupCode lower-cases and drops separators; "" if malformed.
func normalizeBackupCode(in string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(in) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(backupCodeLetter, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != backupCodeLen {
		return ""
	}
	return b.String()
}

func (s *Service) newBackupCodes(ctx context.Context) ([]string, []model.BackupCode, error) {
	shown := make([]string, 0, backupCodeCount)
	rows := make([]model.BackupCode, 0, backupCodeCount)
	for range backupCodeCount {
		c := newBackupCode()
		h, err := s.hash.Hash(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		shown = append(shown, formatBackupCode(c))
		rows = append(rows, model.BackupCode{Lookup: c[:backupLookupLen], CodeHash: h})
	}
	return shown, rows, nil
}

// useBackupCode spends a matching unused code atomically.
func (s *Service) useBackupCode(ctx context.Context, u *model.User, in string) (bool, error) {
	code := normalizeBackupCode(in)
	if code == "" {
		return false, nil
	}
	rows, err := s.st.UnusedBackupCodes(ctx, u.ID, code[:backupLookupLen])
	if err != nil {
		return false, err
	}
	if len(rows) == 0 {
		_, _, _ = s.hash.Verify(ctx, code, s.dummy) // same cost as a real try
		return false, nil
	}
	for _, r := range rows {
		ok, _, err := s.hash.Verify(ctx, code, r.CodeHash)
		if err != nil || !ok {
			continue
		}
		if err := s.st.UseBackupCode(ctx, u.ID, r.ID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return false, nil // spent by a concurrent try
			}
			return false, err
		}
		return true, nil
	}
	return false, nil
}
