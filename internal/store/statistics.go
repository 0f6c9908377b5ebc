package store

import (
	"context"
	"fmt"
)

// StaleStatistics names the tables whose planner statistics lag behind
// their contents: on PostgreSQL, those changed by more than 50 rows plus a
// tenth of their size since they were last analyzed (autovacuum's own rule,
// for servers where autovacuum is off or has not come round yet), and that
// this connection's role may analyze. On SQLite it is always empty.
//
// Without statistics PostgreSQL guesses that a fresh table holds a row or
// two and joins it by scanning: a search over 300 documents took 100 ms
// before the first ANALYZE and 14 ms after (docs/performance.md).
func (s *Store) StaleStatistics(ctx context.Context) ([]string, error) {
	tables, err := s.engine.staleTables(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("store: stale statistics: %w", normalize(err))
	}
	return tables, nil
}

// RefreshStatistics analyzes the tables StaleStatistics names and returns
// them.
func (s *Store) RefreshStatistics(ctx context.Context) ([]string, error) {
	tables, err := s.StaleStatistics(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if err := s.engine.analyze(ctx, s, t); err != nil {
			return nil, fmt.Errorf("store: analyze %s: %w", t, normalize(err))
		}
	}
	return tables, nil
}
