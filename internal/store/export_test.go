package store

import "context"

// MigrateTo applies the migrations up to version only, for tests of a
// migration on a database holding rows written before it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	return s.migrate(ctx, "", version)
}
