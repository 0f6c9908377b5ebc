// Package audit exports the audit log: one gzip JSON Lines file per UTC day
// in the blob store (audit/YYYY-MM-DD.jsonl.gz), written idempotently (the
// same rows give the same bytes), missed days caught up, and rows past the
// retention removed only once their day is exported.
package audit

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

const prefix = "audit/"

// Store is the part of *store.Store the Exporter uses: the audit log's rows.
type Store interface {
	OldestAuditTime(ctx context.Context) (time.Time, error)
	AuditBetween(ctx context.Context, since, until time.Time, fn func(*model.AuditEntry) error) error
	DeleteAuditBetween(ctx context.Context, since, until time.Time) (int64, error)
}

var _ Store = (*store.Store)(nil)

// Exporter writes and reads the daily exports.
type Exporter struct {
	store     Store
	blobs     blob.Store
	log       *slog.Logger
	retention time.Duration
}

// New builds an Exporter; retention is how long exported rows stay in the database.
func New(st Store, blobs blob.Store, log *slog.Logger, retention time.Duration) *Exporter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Exporter{store: st, blobs: blobs, log: log, retention: retention}
}

// Line is one exported entry.
type Line struct {
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actor_id,omitempty"`
	Action     string         `json:"action"`
	TargetType string         `json:"target_type,omitempty"`
	TargetID   string         `json:"target_id,omitempty"`
	IP         string         `json:"ip,omitempty"`
	UserAgent  string         `json:"user_agent,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
}

// Key is the blob key of a day's export.
func Key(day time.Time) string { return prefix + day.UTC().Format(time.DateOnly) + ".jsonl.gz" }

// ErrBadDate is returned for a date that is not YYYY-MM-DD.
var ErrBadDate = errors.New("audit: date must be YYYY-MM-DD")

// ParseDate parses an export's date.
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, ErrBadDate
	}
	return d, nil
}

// ExportDay writes the given UTC day's entries. Running it twice writes the
// same bytes. It returns the key and the number of entries.
func (e *Exporter) ExportDay(ctx context.Context, day time.Time) (string, int, error) {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // no name, no mtime: deterministic
	enc := json.NewEncoder(zw)
	n := 0
	err := e.store.AuditBetween(ctx, start, start.AddDate(0, 0, 1), func(a *model.AuditEntry) error {
		n++
		return enc.Encode(Line{ID: a.ID, At: a.At.UTC(), ActorID: a.ActorID, Action: a.Action, TargetType: a.TargetType,
			TargetID: a.TargetID, IP: a.IP, UserAgent: a.UserAgent, Details: a.Details})
	})
	if err != nil {
		return "", 0, fmt.Errorf("audit export %s: %w", start.Format(time.DateOnly), err)
	}
	if err := zw.Close(); err != nil {
		return "", 0, err
	}
	key := Key(start)
	if _, err := e.blobs.Put(ctx, key, &buf, int64(buf.Len()), "application/gzip"); err != nil {
		return "", 0, fmt.Errorf("audit export %s: %w", start.Format(time.DateOnly), err)
	}
	e.log.Info("audit log exported", "day", start.Format(time.DateOnly), "entries", n, "key", key)
	return key, n, nil
}

// CatchUp exports every finished day from the oldest entry still in the
// database up to yesterday that has no export yet (a server that was down at
// midnight catches up on its next start).
func (e *Exporter) CatchUp(ctx context.Context, now time.Time) (int, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	oldest, err := e.store.OldestAuditTime(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	exports, err := e.List(ctx)
	if err != nil {
		return 0, err
	}
	for _, x := range exports {
		have[x.Date] = true
	}
	done := 0
	for d := time.Date(oldest.Year(), oldest.Month(), oldest.Day(), 0, 0, 0, 0, time.UTC); d.Before(today); d = d.AddDate(0, 0, 1) {
		if have[d.Format(time.DateOnly)] {
			continue
		}
		if _, _, err := e.ExportDay(ctx, d); err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// Export describes one daily file.
type Export struct {
	Date      string    `json:"date"`
	SizeBytes int64     `json:"size_bytes"`
	CreatedAt time.Time `json:"created_at"`
}

// List returns every export, newest first.
func (e *Exporter) List(ctx context.Context) ([]Export, error) {
	var out []Export
	err := e.blobs.List(ctx, prefix, func(i blob.Info) error {
		date := strings.TrimSuffix(strings.TrimPrefix(i.Key, prefix), ".jsonl.gz")
		if _, err := ParseDate(date); err == nil {
			out = append(out, Export{Date: date, SizeBytes: i.Size, CreatedAt: i.ModTime})
		}
		return nil
	})
	sort.Slice(out, func(a, b int) bool { return out[a].Date > out[b].Date })
	return out, err
}

// Open reads one day's export.
func (e *Exporter) Open(ctx context.Context, date string) (io.ReadCloser, int64, error) {
	d, err := ParseDate(date)
	if err != nil {
		return nil, 0, err
	}
	rc, info, err := e.blobs.Get(ctx, Key(d), nil)
	if err != nil {
		return nil, 0, err
	}
	return rc, info.Size, nil
}

// PurgeExported removes rows older than the retention whose day has been
// exported; rows of a day without an export stay.
func (e *Exporter) PurgeExported(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.Add(-e.retention).UTC()
	cutoff = time.Date(cutoff.Year(), cutoff.Month(), cutoff.Day(), 0, 0, 0, 0, time.UTC)
	exports, err := e.List(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, x := range exports {
		d, _ := ParseDate(x.Date)
		if !d.Before(cutoff) {
			continue
		}
		n, err := e.store.DeleteAuditBetween(ctx, d, d.AddDate(0, 0, 1))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
