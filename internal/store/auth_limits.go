package store

import (
	"context"
	"fmt"
	"time"
)

// SetMark sets key until expiresAt and reports whether it was newly set: a
// key already set and not yet expired is left alone and reports false. It is
// atomic, so of two concurrent calls exactly one gets true.
func (s *Store) SetMark(ctx context.Context, key string, expiresAt time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO auth_marks (key, expires_at) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE auth_marks.expires_at <= $3`,
		key, expiresAt.UTC(), now())
	if err != nil {
		return false, fmt.Errorf("set mark: %w", normalize(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("set mark: %w", err)
	}
	return n == 1, nil
}

// HasMark reports whether key is set and not expired.
func (s *Store) HasMark(ctx context.Context, key string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_marks WHERE key = $1 AND expires_at > $2`, key, now()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("has mark: %w", normalize(err))
	}
	return n > 0, nil
}

// HitCounter counts one event in key's fixed window of length window and
// returns the count so far in the window and when the window ends.
func (s *Store) HitCounter(ctx context.Context, key string, window time.Duration) (int64, time.Time, error) {
	t := now()
	var count int64
	var end flexTime
	err := s.w.QueryRowContext(ctx, `INSERT INTO auth_counters (key, count, window_end) VALUES ($1, 1, $3)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN auth_counters.window_end <= $2 THEN 1 ELSE auth_counters.count + 1 END,
			window_end = CASE WHEN auth_counters.window_end <= $2 THEN excluded.window_end ELSE auth_counters.window_end END
		RETURNING count, window_end`, key, t, t.Add(window)).Scan(&count, &end)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("hit counter: %w", normalize(err))
	}
	return count, end.t, nil
}

// UndoCounter takes one event back from key's current window (a check that
// was counted before it ran and then passed). A finished window, a missing
// key or a count already at zero is left alone.
func (s *Store) UndoCounter(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE auth_counters SET count = count - 1
		WHERE key = $1 AND count > 0 AND window_end > $2`, key, now())
	if err != nil {
		return fmt.Errorf("undo counter: %w", normalize(err))
	}
	return nil
}

// ClearCounter deletes key's counter, so its next event starts a new window.
func (s *Store) ClearCounter(ctx context.Context, key string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM auth_counters WHERE key = $1`, key); err != nil {
		return fmt.Errorf("clear counter: %w", normalize(err))
	}
	return nil
}

// PurgeAuth deletes expired marks, counters, reset tokens and sessions that
// ended more than a day before t. It returns how many rows went.
func (s *Store) PurgeAuth(ctx context.Context, t time.Time) (int64, error) {
	t = t.UTC()
	var total int64
	for _, q := range []struct {
		sql    string
		before time.Time
	}{
		{`DELETE FROM auth_marks WHERE expires_at <= $1`, t},
		{`DELETE FROM auth_counters WHERE window_end <= $1`, t},
		{`DELETE FROM password_resets WHERE expires_at <= $1`, t},
		{`DELETE FROM invitations WHERE expires_at <= $1`, t},
		{`DELETE FROM auth_sessions WHERE expires_at <= $1 OR revoked_at <= $1`, t.Add(-24 * time.Hour)},
	} {
		res, err := s.w.ExecContext(ctx, q.sql, q.before)
		if err != nil {
			return total, fmt.Errorf("purge auth: %w", normalize(err))
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// flexTime scans a timestamp that SQLite may hand back as text (from
// RETURNING expressions) or as a time.
type flexTime struct{ t time.Time }

func (f *flexTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		f.t = x.UTC()
		return nil
	case string:
		return f.parse(x)
	case []byte:
		return f.parse(string(x))
	}
	return fmt.Errorf("store: cannot scan %T as a time", v)
}

func (f *flexTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			f.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse time %q", s)
}
