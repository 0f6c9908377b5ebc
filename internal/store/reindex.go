package store

import (
	"context"
	"errors"
	"fmt"
)

// ReindexOptions tunes Reindex.
type ReindexOptions struct {
	// Batch is the number of documents per transaction; default 200.
	Batch int
	// Restart ignores the position an interrupted run saved.
	Restart bool
	// Progress, when set, is called after every batch.
	Progress func(ReindexProgress)
}

// ReindexProgress says how far a Reindex run is.
type ReindexProgress struct {
	Done, Total int64 // documents reindexed (including by an earlier, interrupted run) and in all
	Resumed     bool  // the run continued from a saved position
	From        int64 // documents an earlier run had done when this one started
	Removed     int64 // index entries without a document, removed at the end
}

// reindexKey names the saved position (the last id reindexed) in
// maintenance_state.
const reindexKey = "reindex.after"

// Reindex rebuilds the full-text entry of every document (trash included)
// from its title and text, in id order, Batch documents per transaction.
// Each batch saves its position in the same transaction, so a run that is
// interrupted (ctx cancelled, crash) resumes after the last batch that
// committed. Search keeps working throughout: entries are replaced one by
// one, never dropped first. At the end it removes entries whose document is
// gone and forgets the position. It returns ctx's error when cancelled.
func (s *Store) Reindex(ctx context.Context, o ReindexOptions) (ReindexProgress, error) {
	if o.Batch <= 0 {
		o.Batch = 200
	}
	var p ReindexProgress
	after := ""
	if o.Restart {
		if err := s.clearState(ctx, reindexKey); err != nil {
			return p, err
		}
	} else {
		var err error
		if after, err = s.state(ctx, reindexKey); err != nil {
			return p, err
		}
	}
	p.Resumed = after != ""
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN id <= $1 THEN 1 END) FROM documents`, after).
		Scan(&p.Total, &p.Done); err != nil {
		return p, fmt.Errorf("reindex: %w", normalize(err))
	}
	p.From = p.Done
	for {
		ids, err := s.queryIDs(ctx, `SELECT id FROM documents WHERE id > $1 ORDER BY id LIMIT $2`, after, o.Batch)
		if err != nil {
			return p, fmt.Errorf("reindex: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		err = s.WithTx(ctx, func(tx *Store) error {
			for _, id := range ids {
				// A document purged since the SELECT has nothing to index.
				if err := tx.IndexDocument(ctx, id); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			return tx.setState(ctx, reindexKey, ids[len(ids)-1])
		})
		if err != nil {
			return p, fmt.Errorf("reindex: %w", err)
		}
		after = ids[len(ids)-1]
		p.Done += int64(len(ids))
		if p.Done > p.Total { // documents added during the run
			p.Total = p.Done
		}
		if o.Progress != nil {
			o.Progress(p)
		}
	}
	res, err := s.w.ExecContext(ctx, s.search.orphansSQL())
	if err != nil {
		return p, fmt.Errorf("reindex: remove orphan entries: %w", normalize(err))
	}
	p.Removed, _ = res.RowsAffected()
	if err := s.search.optimize(ctx, s); err != nil {
		return p, fmt.Errorf("reindex: optimize: %w", normalize(err))
	}
	if err := s.clearState(ctx, reindexKey); err != nil {
		return p, err
	}
	return p, nil
}

// state is a saved maintenance value, "" when none.
func (s *Store) state(ctx context.Context, name string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM maintenance_state WHERE name = $1`, name).Scan(&v)
	if err = normalize(err); err != nil && err != ErrNotFound {
		return "", fmt.Errorf("maintenance state %s: %w", name, err)
	}
	return v, nil
}

func (s *Store) setState(ctx context.Context, name, value string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO maintenance_state (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, now())
	if err != nil {
		return fmt.Errorf("maintenance state %s: %w", name, normalize(err))
	}
	return nil
}

func (s *Store) clearState(ctx context.Context, name string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM maintenance_state WHERE name = $1`, name); err != nil {
		return fmt.Errorf("maintenance state %s: %w", name, normalize(err))
	}
	return nil
}
