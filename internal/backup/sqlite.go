package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// SecretFiles are the secrets config.EnsureSecrets generates into DATA_DIR.
var SecretFiles = []string{"secret_key", "cloud_creds_key"}

// SQLiteCopyOptions say what CopySQLite copies.
type SQLiteCopyOptions struct {
	DataDir    string    // DATA_DIR: the generated secrets are copied from here
	SQLitePath string    // the live database
	BlobDir    string    // local document files; "" when they live in S3
	Progress   io.Writer // progress lines; nil: none
}

// SQLiteCopy is what CopySQLite wrote.
type SQLiteCopy struct {
	Documents int      // documents in the copied database
	Files     int      // document files copied
	Bytes     int64    // their bytes
	Secrets   []string // the secret files copied
}

// CopySQLite writes a consistent copy of an embedded-default instance into
// the new (or empty) folder dest while it keeps running, laid out like
// DATA_DIR: the document files, the database (VACUUM INTO, one snapshot),
// the document files added meanwhile, and the generated secrets. Every
// document in the copied database is then checked to have its file, of the
// right size, in the copy. A dest that is not empty is refused.
func CopySQLite(ctx context.Context, o SQLiteCopyOptions, dest string) (*SQLiteCopy, error) {
	if _, err := os.Stat(o.SQLitePath); err != nil {
		return nil, fmt.Errorf("no DocuVault database at %s (is DATA_DIR right?): %w", o.SQLitePath, err)
	}
	if err := newEmptyDir(dest); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: o.SQLitePath})
	if err != nil {
		return nil, err
	}
	defer st.Close()

	// Document files are written before their row commits and never
	// changed; they are removed only by purges. Copying them before the
	// snapshot gets every file a purge could remove meanwhile, copying again
	// after it gets the files of documents added meanwhile.
	res := &SQLiteCopy{}
	destBlobs := filepath.Join(dest, "blobs")
	copyBlobs := func() error {
		if o.BlobDir == "" {
			return nil
		}
		n, b, err := copyTree(ctx, o.BlobDir, destBlobs, o.Progress)
		res.Files, res.Bytes = res.Files+n, res.Bytes+b
		return err
	}
	if err := copyBlobs(); err != nil {
		return nil, err
	}
	if o.Progress != nil {
		fmt.Fprintln(o.Progress, "copying the database")
	}
	if err := st.BackupSQLite(ctx, filepath.Join(dest, "docuvault.db")); err != nil {
		return nil, err
	}
	if err := copyBlobs(); err != nil {
		return nil, err
	}
	for _, name := range SecretFiles {
		src := filepath.Join(o.DataDir, name)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := copyFile(src, filepath.Join(dest, name)); err != nil {
			return nil, err
		}
		res.Secrets = append(res.Secrets, name)
	}
	if res.Documents, err = verifySQLiteCopy(ctx, dest, o.BlobDir == ""); err != nil {
		return nil, err
	}
	syncDir(dest)
	return res, nil
}

// newEmptyDir creates dir (0700), or accepts an existing empty one.
func newEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o700)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s already exists and is not empty; a backup never overwrites anything", dir)
	}
	return nil
}

// copyTree copies the regular files under src that dst does not have yet
// (same relative path and size), skipping the blob store's .tmp folder of
// uploads in progress. It returns how many files and bytes it copied.
func copyTree(ctx context.Context, src, dst string, progress io.Writer) (int, int64, error) {
	var n int
	var total int64
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != src {
				return nil // removed (purged) while we walk
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel == ".tmp" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if have, err := os.Stat(target); err == nil && have.Size() == info.Size() {
			return nil
		}
		if err := copyFile(p, target); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		n++
		total += info.Size()
		if progress != nil && n%100 == 0 {
			fmt.Fprintf(progress, "\rcopied %d document files (%d bytes)", n, total)
		}
		return nil
	})
	if progress != nil && n >= 100 {
		fmt.Fprintln(progress)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil // no blobs folder yet: nothing was ever uploaded
	}
	return n, total, err
}

// copyFile copies src to dst (mode 0600) through a synced temp file.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".copy-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// verifySQLiteCopy opens the copied database and checks that every document
// kept in system storage has its file, of the right size, in the copy. It
// returns the number of documents.
func verifySQLiteCopy(ctx context.Context, dest string, blobsInS3 bool) (int, error) {
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(dest, "docuvault.db")})
	if err != nil {
		return 0, fmt.Errorf("open the copied database: %w", err)
	}
	defer st.Close()
	var docs int
	var bad []string
	err = st.AllDocuments(ctx, func(d *model.Document) error {
		docs++
		if blobsInS3 || d.StorageState == model.StoragePlaced {
			return nil
		}
		info, err := os.Stat(filepath.Join(dest, "blobs", filepath.FromSlash(d.BlobKey)))
		switch {
		case err != nil:
			bad = append(bad, fmt.Sprintf("document %s (%s): file missing from the copy", d.ID, d.BlobKey))
		case info.Size() != d.SizeBytes:
			bad = append(bad, fmt.Sprintf("document %s (%s): %d bytes in the copy, %d expected", d.ID, d.BlobKey, info.Size(), d.SizeBytes))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("verify the copy: %w", err)
	}
	if len(bad) > 0 {
		return docs, fmt.Errorf("the backup is incomplete (a document was deleted during the copy? run it again into a new folder):\n  %s", strings.Join(bad, "\n  "))
	}
	return docs, nil
}
