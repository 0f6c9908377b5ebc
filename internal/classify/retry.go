package classify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// statusFunc extracts the HTTP status and headers from an SDK error, if the error carries a response.
type statusFunc func(error) (code int, h http.Header, ok bool)

// caller runs provider requests with a concurrency limit, a per-attempt timeout and retries with
// exponential backoff on 429, 5xx and network errors, honouring Retry-After up to a cap.
type caller struct {
	provider      string
	sem           chan struct{}
	timeout       time.Duration
	retries       int
	baseDelay     time.Duration
	maxRetryAfter time.Duration
	status        statusFunc
	// onRetry, when set (tests), is told about each retry before its wait.
	onRetry func(attempt int, wait time.Duration, err *Error)
}

func newCaller(provider string, cfg ProviderConfig, status statusFunc) *caller {
	c := &caller{provider: provider, timeout: cfg.Timeout, retries: cfg.MaxRetries, baseDelay: cfg.RetryBaseDelay,
		maxRetryAfter: cfg.MaxRetryAfter, status: status}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.retries == 0 {
		c.retries = DefaultMaxRetries
	} else if c.retries < 0 {
		c.retries = 0
	}
	if c.baseDelay <= 0 {
		c.baseDelay = DefaultRetryBaseDelay
	}
	if c.maxRetryAfter <= 0 {
		c.maxRetryAfter = DefaultMaxRetryAfter
	}
	n := cfg.MaxConcurrency
	if n <= 0 {
		n = DefaultMaxConcurrency
	}
	c.sem = make(chan struct{}, n)
	return c
}

// do runs fn until it succeeds, fails for good, or ctx ends. Every error it returns is an *Error
// (or wraps ctx.Err() when the caller's context ended).
func (c *caller) do(ctx context.Context, fn func(ctx context.Context) error) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%s: waiting for a request slot: %w", c.provider, ctx.Err())
	}
	defer func() { <-c.sem }()

	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, c.timeout)
		err := fn(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", c.provider, ctx.Err())
		}
		perr := c.classify(err, timedOut)
		if attempt >= c.retries || !retryable(perr) {
			return perr
		}
		wait := c.backoff(attempt)
		if perr.RetryAfter > 0 {
			if perr.RetryAfter > c.maxRetryAfter {
				return perr // the job queue should come back later, not hold a worker
			}
			wait = perr.RetryAfter
		}
		if c.onRetry != nil {
			c.onRetry(attempt, wait, perr)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (after %v)", c.provider, ctx.Err(), perr)
		}
	}
}

func retryable(e *Error) bool {
	if e.Kind == ErrRateLimited {
		return true
	}
	// a timed-out attempt is not repeated: the next would most likely time out too
	return e.Kind == ErrUnavailable && !errors.Is(e.Err, context.DeadlineExceeded)
}

func (c *caller) backoff(attempt int) time.Duration {
	d := c.baseDelay << attempt
	return d/2 + rand.N(d/2+1) // jitter in [d/2, d]
}

func (c *caller) classify(err error, timedOut bool) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	e := &Error{Provider: c.provider, Err: err}
	if timedOut {
		e.Kind = ErrUnavailable
		e.Err = fmt.Errorf("no answer within %s: %w", c.timeout, context.DeadlineExceeded)
		return e
	}
	if code, h, ok := c.status(err); ok {
		e.StatusCode = code
		e.Kind = kindOfStatus(code)
		e.RetryAfter = parseRetryAfter(h, time.Now())
		return e
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	// the SDKs say "error parsing response json" when a received body is not the JSON they expect
	if errors.As(err, &syn) || errors.As(err, &typ) || strings.Contains(err.Error(), "parsing response json") {
		e.Kind = ErrBadResponse
		return e
	}
	e.Kind = ErrUnavailable // connection refused, reset, DNS, TLS
	return e
}

// badResponse wraps a parsing failure of an answer.
func (c *caller) badResponse(format string, args ...any) *Error {
	return &Error{Provider: c.provider, Kind: ErrBadResponse, Err: fmt.Errorf(format, args...)}
}
