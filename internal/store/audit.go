package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// AppendAudit writes e, filling ID and At. Call it on the transaction of the
// action it records, where there is one.
func (s *Store) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.At.IsZero() {
		e.At = now()
	}
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return fmt.Errorf("append audit: details: %w", err)
		}
	}
	var actor any
	if e.ActorID != "" {
		actor = e.ActorID
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, action, target_type, target_id, ip, user_agent, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.At, actor, e.Action, e.TargetType, e.TargetID, truncate(e.IP, 64), truncate(e.UserAgent, 512), string(details))
	if err != nil {
		return fmt.Errorf("append audit: %w", normalize(err))
	}
	return nil
}

// AuditFilter narrows ListAudit. Zero values do not filter.
type AuditFilter struct {
	ActorID string
	Action  string
	Since   time.Time // inclusive
	Until   time.Time // exclusive
}

// ListAudit pages through audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, p Page) ([]*model.AuditEntry, string, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.ActorID != "" {
		where = append(where, "actor_id = "+arg(f.ActorID))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(f.Since.UTC()))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+arg(f.Until.UTC()))
	}
	if p.Cursor != "" {
		at, id, err := parseTimeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, fmt.Sprintf("(at < %s OR (at = %s AND id < %s))", arg(at), arg(at), arg(id)))
	}
	q := `SELECT id, at, actor_id, action, target_type, target_id, ip, user_agent, details FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := p.limit()
	q += " ORDER BY at DESC, id DESC LIMIT " + arg(limit+1)
	out, err := s.queryAudit(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = timeCursor(out[limit-1].At, out[limit-1].ID)
	}
	return out, next, nil
}

// AuditBetween returns every entry with since <= at < until, oldest first,
// passing each to fn (for the daily export, without holding them all).
func (s *Store) AuditBetween(ctx context.Context, since, until time.Time, fn func(*model.AuditEntry) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, actor_id, action, target_type, target_id, ip, user_agent, details
		FROM audit_log WHERE at >= $1 AND at < $2 ORDER BY at, id`, since.UTC(), until.UTC())
	if err != nil {
		return fmt.Errorf("audit between: %w", normalize(err))
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return normalize(rows.Err())
}

func (s *Store) queryAudit(ctx context.Context, q string, args ...any) ([]*model.AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit: %w", normalize(err))
	}
	return out, nil
}

func scanAudit(rows interface{ Scan(...any) error }) (*model.AuditEntry, error) {
	var e model.AuditEntry
	var actor *string
	var details string
	if err := rows.Scan(&e.ID, &e.At, &actor, &e.Action, &e.TargetType, &e.TargetID, &e.IP, &e.UserAgent, &details); err != nil {
		return nil, fmt.Errorf("scan audit: %w", normalize(err))
	}
	e.At = e.At.UTC()
	if actor != nil {
		e.ActorID = *actor
	}
	if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
		return nil, fmt.Errorf("scan audit: details: %w", err)
	}
	return &e, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// OldestAuditTime is the time of the oldest entry, or ErrNotFound.
func (s *Store) OldestAuditTime(ctx context.Context) (time.Time, error) {
	var at time.Time
	if err := s.r.QueryRowContext(ctx, `SELECT at FROM audit_log ORDER BY at LIMIT 1`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("oldest audit: %w", normalize(err))
	}
	return at.UTC(), nil
}

// DeleteAuditBetween removes entries with since <= at < until.
func (s *Store) DeleteAuditBetween(ctx context.Context, since, until time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM audit_log WHERE at >= $1 AND at < $2`, since.UTC(), until.UTC())
	if err != nil {
		return 0, fmt.Errorf("delete audit: %w", normalize(err))
	}
	return res.RowsAffected()
}
