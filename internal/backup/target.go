package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MarkerFile is the first file an export writes into its folder. It names
// the instance the folder belongs to, so that running the export again
// resumes it, while a folder holding anything else is refused.
const MarkerFile = "docuvault-export.json"

// ErrTargetInUse is returned when the export folder is neither empty nor an
// earlier export of this instance.
var ErrTargetInUse = errors.New("backup: the folder is not empty and is not an earlier export of this instance")

type marker struct {
	Format   string `json:"format"`
	Instance string `json:"instance"`
}

// claimTarget makes sure an export may write into dir: a missing or empty
// folder is claimed for instance (the marker written first); a folder whose
// marker names instance is an earlier export to resume. Anything else is
// ErrTargetInUse with the reason, and nothing in dir is touched.
func claimTarget(dir, instance string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("backup: read %s: %w", dir, err)
	}
	// A marker whose write was cut short leaves only its .part file.
	entries = slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return e.Name() == MarkerFile+".part" })
	if len(entries) == 0 {
		b, _ := json.Marshal(marker{Format: Format, Instance: instance})
		return writeFileAtomic(filepath.Join(dir, MarkerFile), b)
	}
	b, err := os.ReadFile(filepath.Join(dir, MarkerFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, merr := os.Stat(filepath.Join(dir, "manifest.json")); merr == nil {
			return fmt.Errorf("%w: %s holds a manifest.json without %s (another program's file, or a backup of unknown origin); export into an empty folder",
				ErrTargetInUse, dir, MarkerFile)
		}
		return fmt.Errorf("%w: %s holds %s; export into an empty folder", ErrTargetInUse, dir, describe(entries))
	}
	if err != nil {
		return fmt.Errorf("backup: read %s: %w", MarkerFile, err)
	}
	var m marker
	if json.Unmarshal(b, &m) != nil || m.Format != Format {
		return fmt.Errorf("%w: %s in %s is not a DocuVault export marker; export into an empty folder", ErrTargetInUse, MarkerFile, dir)
	}
	if m.Instance != instance {
		return fmt.Errorf("%w: %s holds an export of another DocuVault instance (%s); export into an empty folder",
			ErrTargetInUse, dir, m.Instance)
	}
	return nil
}

// describe names up to three entries of a folder for an error message.
func describe(entries []fs.DirEntry) string {
	var names []string
	for i, e := range entries {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(entries)-3))
			break
		}
		names = append(names, fmt.Sprintf("%q", e.Name()))
	}
	return strings.Join(names, ", ")
}
