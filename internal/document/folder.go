package document

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// FolderStats counts what a folder import did.
type FolderStats struct {
	Imported, Duplicates, Refused int
	Bytes                         int64
	Errors                        []string // "path: why" for refused files
}

// ImportFolder uploads every regular file under dir for the actor, skipping
// files the actor already has (by SHA-256), so running it again after an
// interruption resumes where it stopped. Hidden files and folders are
// skipped. Progress goes to progress (may be nil).
func (s *Service) ImportFolder(ctx context.Context, a Actor, dir string, progress io.Writer) (FolderStats, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return FolderStats{}, fmt.Errorf("read %s: %w", dir, err)
	}
	var st FolderStats
	for i, p := range files {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		dup, size, err := s.importFile(ctx, a, p, model.SourceImport)
		switch {
		case err != nil && isFileRefusal(err):
			st.Refused++
			st.Errors = append(st.Errors, p+": "+refusalMessage(err))
		case err != nil:
			return st, fmt.Errorf("%s: %w", p, err)
		case dup:
			st.Duplicates++
		default:
			st.Imported++
			st.Bytes += size
		}
		if progress != nil {
			fmt.Fprintf(progress, "\r%d/%d files: %d imported, %d already there, %d refused", i+1, len(files), st.Imported, st.Duplicates, st.Refused)
		}
	}
	if progress != nil && len(files) > 0 {
		fmt.Fprintln(progress)
	}
	return st, nil
}

// isFileRefusal tells a problem with one file (skip it) from a failure of
// the instance (stop).
func isFileRefusal(err error) bool {
	switch apperr.KindOf(err) {
	case apperr.Unsupported, apperr.TooLarge, apperr.Invalid:
		return true
	}
	return false
}

func refusalMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// importFile uploads one file unless the actor already has its content.
func (s *Service) importFile(ctx context.Context, a Actor, path, source string) (duplicate bool, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, 0, err
	}
	defer f.Close()
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		return false, 0, err
	}
	if _, err := s.store.DocumentByHash(ctx, a.space(), hex.EncodeToString(h.Sum(nil))); err == nil {
		return true, size, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, 0, err
	}
	staged, err := s.Stage(ctx, a, filepath.Base(path), f, size)
	if err != nil {
		return false, 0, err
	}
	if _, err := s.Commit(ctx, a, staged, CommitOptions{SourceKind: source}); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return true, size, nil
		}
		return false, 0, err
	}
	return false, size, nil
}

// ConsumeOnce imports every file in dir that has not changed for settle
// (so half-copied files wait), then moves it to dir/.imported, or to
// dir/.failed with a .error.txt beside it saying why.
func (s *Service) ConsumeOnce(ctx context.Context, a Actor, dir string, settle time.Duration) (FolderStats, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return FolderStats{}, fmt.Errorf("consume folder: %w", err)
	}
	var st FolderStats
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < settle {
			continue
		}
		p := filepath.Join(dir, e.Name())
		dup, size, err := s.importFile(ctx, a, p, model.SourceConsume)
		dest := ".imported"
		switch {
		case err != nil && isFileRefusal(err):
			st.Refused++
			st.Errors = append(st.Errors, e.Name()+": "+refusalMessage(err))
			dest = ".failed"
		case err != nil:
			return st, err // the instance has a problem: leave the file for the next pass
		case dup:
			st.Duplicates++
		default:
			st.Imported++
			st.Bytes += size
		}
		if err := os.MkdirAll(filepath.Join(dir, dest), 0o700); err != nil {
			return st, err
		}
		target := filepath.Join(dir, dest, e.Name())
		if _, err := os.Stat(target); err == nil {
			target = filepath.Join(dir, dest, time.Now().UTC().Format("20060102T150405.000")+"-"+e.Name())
		}
		if err := os.Rename(p, target); err != nil {
			return st, err
		}
		if dest == ".failed" {
			_ = os.WriteFile(target+".error.txt", []byte(refusalMessage(err)+"\n"), 0o600)
		}
	}
	return st, nil
}
