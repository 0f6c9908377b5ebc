package classify

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors; check them with errors.Is.
var (
	// ErrUnauthorized: the API key is missing, wrong or lacks permission (HTTP 401/403).
	ErrUnauthorized = errors.New("classify: provider refused the credentials")
	// ErrRateLimited: HTTP 429 after the retries; RetryAfter(err) tells when to try again.
	ErrRateLimited = errors.New("classify: provider rate limit")
	// ErrUnavailable: network failure, timeout or HTTP 5xx after the retries.
	ErrUnavailable = errors.New("classify: provider unavailable")
	// ErrBadRequest: the provider rejected the request (other 4xx, e.g. an unknown model).
	ErrBadRequest = errors.New("classify: provider rejected the request")
	// ErrBadResponse: the answer is not the structured output that was asked for.
	ErrBadResponse = errors.New("classify: malformed provider response")
	// ErrUnknownProvider: ProviderConfig.Name is not a known provider.
	ErrUnknownProvider = errors.New("classify: unknown provider")
	// ErrNotConfigured: a setting the provider needs (an API key) is missing.
	ErrNotConfigured = errors.New("classify: provider not configured")
)

// Error is a provider failure. It matches its Kind (one of the sentinels) and its cause with errors.Is.
type Error struct {
	Provider   string
	Kind       error
	StatusCode int           // HTTP status, 0 when none was received
	RetryAfter time.Duration // the provider's Retry-After, if it sent one
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", e.Provider, e.Kind)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() []error { return []error{e.Kind, e.Err} }

// RetryAfter returns how long a rate-limited or unavailable provider asked to wait, when it said so.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

func kindOfStatus(code int) error {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return ErrUnauthorized
	case code == http.StatusTooManyRequests:
		return ErrRateLimited
	case code == http.StatusRequestTimeout || code >= 500:
		return ErrUnavailable
	default:
		return ErrBadRequest
	}
}

// parseRetryAfter reads retry-after-ms, then Retry-After as seconds or an HTTP date.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
