package store

import (
	"context"
	"errors"
)

// ErrBackupUnsupported is returned by BackupSQLite on PostgreSQL.
var ErrBackupUnsupported = errors.New("store: online SQLite backup of a PostgreSQL database; use pg_dump or `docuvault export`")

// ErrBackupExists is returned by BackupSQLite when the destination exists.
var ErrBackupExists = errors.New("store: backup destination already exists")

// BackupSQLite writes a consistent copy of the whole SQLite database (users,
// documents, texts, the full-text index, jobs, audit) to destPath with
// VACUUM INTO, while the application keeps reading and writing: the copy is
// the snapshot of one read transaction, and writers are not blocked. The
// file is created with mode 0600 and synced; an existing destPath is never
// overwritten (ErrBackupExists). On PostgreSQL it returns
// ErrBackupUnsupported. Document bytes (DATA_DIR/blobs) and the secret files
// are not in the database: copy them too.
func (s *Store) BackupSQLite(ctx context.Context, destPath string) error {
	return s.engine.backup(ctx, s, destPath)
}
