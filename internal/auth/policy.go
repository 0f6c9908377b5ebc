package auth

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Password length rules: at least MinPasswordLen characters, at most
// MaxPasswordLen (far above the 64 that must be accepted; longer input is
// refused, never truncated). No composition rules.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// checkPasswordShape returns a reason the password is refused, or "".
func checkPasswordShape(password string) string {
	if !utf8.ValidString(password) {
		return "The password must be valid text."
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Sprintf("The password must be at least %d characters long.", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Sprintf("The password must be at most %d characters long.", MaxPasswordLen)
	}
	return ""
}

// breachChecker asks a HaveIBeenPwned-style range API whether a password
// appears in known breaches, sending only the first 5 hex characters of its
// SHA-1 (k-anonymity). Any failure lets the password through and is logged.
type breachChecker struct {
	url    string // ends with "/"; "" disables
	client *http.Client
	log    *slog.Logger
}

const maxRangeBody = 4 << 20

func newBreachChecker(url string, timeout time.Duration, log *slog.Logger) *breachChecker {
	if url == "off" {
		url = ""
	}
	if url != "" && !strings.HasSuffix(url, "/") {
		url += "/"
	}
	return &breachChecker{url: url, client: &http.Client{Timeout: timeout}, log: log}
}

// Breached reports whether the password is known to be breached; false when
// the check is off or fails (fail-open).
func (b *breachChecker) Breached(ctx context.Context, password string) bool {
	if b.url == "" {
		return false
	}
	sum := sha1.Sum([]byte(password))
	full := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := full[:5], full[5:]
	found, err := b.lookup(ctx, prefix, suffix)
	if err != nil {
		b.log.WarnContext(ctx, "breached-password check failed; password accepted", slog.Any("error", err))
		return false
	}
	return found
}

func (b *breachChecker) lookup(ctx context.Context, prefix, suffix string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.url+prefix, nil)
	if err != nil {
		return false, fmt.Errorf("hibp: %w", err)
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", "DocuVault")
	res, err := b.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("hibp: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("hibp: status %d", res.StatusCode)
	}
	sc := bufio.NewScanner(io.LimitReader(res.Body, maxRangeBody))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		hash, count, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if strings.EqualFold(hash, suffix) && strings.TrimSpace(count) != "0" {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("hibp: read: %w", err)
	}
	return false, nil
}
