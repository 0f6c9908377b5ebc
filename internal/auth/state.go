package auth

import (
	"context"
	"time"

	"github.com/docuvault/docuvault/internal/store"
)

// State holds the short-lived shared facts of authentication: revoked
// access-token ids, used TOTP steps and rate-limit counters. DBState keeps
// them in database tables (the embedded default); RedisState in Redis, so
// several nodes share them.
type State interface {
	// Mark sets key for ttl and reports whether it was newly set; false
	// means it was already set and not expired. Atomic across nodes.
	Mark(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Marked reports whether key is set and not expired.
	Marked(ctx context.Context, key string) (bool, error)
	// Hit counts one event in key's fixed window and returns the count in
	// the current window and the time left in it.
	Hit(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error)
	// Unhit takes one event back from key's current window; a finished
	// window, a missing key or a zero count is left alone.
	Unhit(ctx context.Context, key string) error
	// Clear deletes key's counter.
	Clear(ctx context.Context, key string) error
}

// DBState is State on the database.
type DBState struct{ st *store.Store }

// NewDBState keeps State in st's tables.
func NewDBState(st *store.Store) *DBState { return &DBState{st: st} }

// Mark implements State.
func (d *DBState) Mark(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return d.st.SetMark(ctx, key, time.Now().Add(ttl))
}

// Marked implements State.
func (d *DBState) Marked(ctx context.Context, key string) (bool, error) {
	return d.st.HasMark(ctx, key)
}

// Hit implements State.
func (d *DBState) Hit(ctx context.Context, key string, window time.Duration) (int64, time.Duration, error) {
	n, end, err := d.st.HitCounter(ctx, key, window)
	if err != nil {
		return 0, 0, err
	}
	return n, max(time.Until(end), time.Second), nil
}

// Unhit implements State.
func (d *DBState) Unhit(ctx context.Context, key string) error { return d.st.UndoCounter(ctx, key) }

// Clear implements State.
func (d *DBState) Clear(ctx context.Context, key string) error { return d.st.ClearCounter(ctx, key) }
