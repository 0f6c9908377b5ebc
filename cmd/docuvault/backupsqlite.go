package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docuvault/docuvault/internal/backup"
	"github.com/docuvault/docuvault/internal/store"
)

const backupSQLiteSummary = "online backup of the embedded default (SQLite database, local document files, generated secrets) into a new folder"

func runBackupSQLite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flags("backup-sqlite", "DEST", backupSQLiteSummary, stderr)
	fset.Usage = func() {
		fmt.Fprintf(stderr, "Usage: docuvault backup-sqlite DEST\n\n"+
			"Writes a consistent copy of the embedded default into the new folder DEST while DocuVault keeps\n"+
			"running: the SQLite database (VACUUM INTO, one snapshot), every file under DATA_DIR/blobs and the\n"+
			"generated secret files. DEST is laid out like DATA_DIR: to restore, stop DocuVault and start it\n"+
			"with DATA_DIR=DEST (or copy DEST's contents into an empty DATA_DIR). Every document in the copied\n"+
			"database is checked to have its file in the copy. On PostgreSQL use pg_dump or 'docuvault export'.\n"+
			"Configuration comes from the environment (see 'docuvault --help').\n")
	}
	pos, err := parseInterspersed(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: docuvault backup-sqlite DEST")
	}
	dest := pos[0]
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.UsesPostgres() {
		return fmt.Errorf("DATABASE_URL is PostgreSQL: %w", store.ErrBackupUnsupported)
	}
	o := backup.SQLiteCopyOptions{DataDir: cfg.DataDir, SQLitePath: cfg.SQLitePath(), Progress: stderr}
	if !cfg.UsesS3() {
		o.BlobDir = cfg.BlobDir()
	}
	res, err := backup.CopySQLite(ctx, o, dest)
	if err != nil {
		return err
	}
	docs, files, bytes, secrets := res.Documents, res.Files, res.Bytes, res.Secrets

	fmt.Fprintf(stdout, "backup written to %s: database with %d documents", dest, docs)
	if cfg.UsesS3() {
		fmt.Fprintf(stdout, "; document files are in the S3 bucket %q and are NOT in this backup (back the bucket up too)", cfg.MinioBucket)
	} else {
		fmt.Fprintf(stdout, ", %d document files (%d bytes) copied, every document's file verified", files, bytes)
	}
	if len(secrets) > 0 {
		fmt.Fprintf(stdout, ", secrets %s", strings.Join(secrets, " and "))
	}
	fmt.Fprintln(stdout)
	if len(secrets) < len(backup.SecretFiles) {
		fmt.Fprintln(stdout, "note: SECRET_KEY and/or CLOUD_CREDS_KEY come from the environment; keep them with the backup (stored cloud credentials cannot be read without CLOUD_CREDS_KEY)")
	}
	fmt.Fprintf(stdout, "restore: stop DocuVault, then start it with DATA_DIR=%s (or copy the folder's contents into an empty DATA_DIR)\n", dest)
	return nil
}
