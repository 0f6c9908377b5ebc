// Package apperr is the small set of error kinds the domain packages return
// and the API maps to HTTP in exactly one place. An Error carries a message
// that is safe to show a client; its cause (Err) is only logged.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind is a stable machine word, used as the problem "code".
type Kind string

// The kinds of API.md.
const (
	Invalid       Kind = "invalid_input"
	Unauthorized  Kind = "unauthorized"
	MFARequired   Kind = "mfa_required"
	Forbidden     Kind = "forbidden"
	NotFound      Kind = "not_found"
	Conflict      Kind = "conflict"
	TooLarge      Kind = "file_too_large"
	Unsupported   Kind = "unsupported_type"
	QuotaExceeded Kind = "quota_exceeded"
	RateLimited   Kind = "rate_limited"
	Unavailable   Kind = "unavailable"
	Internal      Kind = "internal"
)

// Error is a domain error with a kind and a client-safe message.
type Error struct {
	Kind       Kind
	Message    string            // safe for clients
	Fields     map[string]string // per-field reasons (problem "errors")
	RetryAfter time.Duration     // for RateLimited
	Status     int               // overrides the kind's HTTP status when non-zero (422 for Invalid)
	Extra      map[string]any    // more problem members, e.g. "existing_id"
	Err        error             // cause, logged, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New makes an Error of kind with a client-safe message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap makes an Error that keeps err as its logged cause.
func Wrap(err error, kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// Fields is an invalid-input error with per-field reasons; status 422.
func Fields(message string, fields map[string]string) *Error {
	return &Error{Kind: Invalid, Message: message, Fields: fields, Status: 422}
}

// KindOf returns the kind of the first *Error in err's chain, Internal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
