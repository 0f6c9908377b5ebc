package auth

import (
	"testing"
	"time"
)

// TestTOTPRFC6238 checks the SHA-1 test vectors of RFC 6238 Appendix B.
func TestTOTPRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		got, err := totpCode(secret, time.Unix(tc.unix, 0), 8)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("T=%d: got %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestBackupCodeFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newBackupCode()
		if len(c) != backupCodeLen || normalizeBackupCode(formatBackupCode(c)) != c || seen[c] {
			t.Fatalf("bad or repeated code %q", c)
		}
		seen[c] = true
	}
	for _, in := range []string{"", "abcd", "abcd-efgh-jkmn-pqrs-t", "ABCD-EFGH-JKMN-PQRi"} {
		if normalizeBackupCode(in) != "" {
			t.Errorf("%q accepted", in)
		}
	}
	if normalizeBackupCode("ABCD EFGH-JKMN-PQRS") != "abcdefghjkmnpqrs" {
		t.Error("upper case and separators not normalised")
	}
}
