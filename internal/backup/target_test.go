package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/backup"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestExportRefusesForeignFolders: an export writes only into an empty
// folder or an earlier export of the same instance; a folder with other
// files, a manifest.json that is not its own, or another instance's export
// is refused with the reason, and nothing in it changes.
func TestExportRefusesForeignFolders(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	blobs := localBlobs(t)
	seed(t, st, blobs)
	export := func(dir, instance string) error {
		_, err := backup.Export(ctx, st, blobs, dir, backup.ExportOptions{AppVersion: "test", Instance: instance})
		return err
	}
	unchanged := func(t *testing.T, dir string, files map[string]string) {
		t.Helper()
		entries, _ := os.ReadDir(dir)
		if len(entries) != len(files) {
			t.Errorf("%s now holds %d entries, want the %d it had", dir, len(entries), len(files))
		}
		for name, want := range files {
			if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
				t.Errorf("%s changed: %q %v", name, got, err)
			}
		}
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		why   string
	}{
		{"unrelated files", map[string]string{"notes.txt": "my notes", "photo.jpg": "jpeg"}, `"notes.txt"`},
		{"someone else's manifest", map[string]string{"manifest.json": `{"app":"other"}`}, "manifest.json without"},
		{"a garbled marker", map[string]string{backup.MarkerFile: "{", "manifest.json": "{}"}, "not a DocuVault export marker"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range c.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := export(dir, "instance-a")
			if !errors.Is(err, backup.ErrTargetInUse) || !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), "empty folder") {
				t.Fatalf("export into a folder with %s: %v", c.name, err)
			}
			unchanged(t, dir, c.files)
		})
	}

	dir := filepath.Join(t.TempDir(), "backup")
	if err := export(dir, "instance-a"); err != nil {
		t.Fatalf("export into a new folder: %v", err)
	}
	if err := export(dir, "instance-a"); err != nil {
		t.Fatalf("export again into its own folder (resume): %v", err)
	}
	manifest, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	err := export(dir, "instance-b")
	if !errors.Is(err, backup.ErrTargetInUse) || !strings.Contains(err.Error(), "another DocuVault instance") {
		t.Fatalf("another instance's export folder: %v", err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "manifest.json")); len(now) == 0 || string(now) != string(manifest) {
		t.Fatalf("the refused export touched the manifest")
	}

	// An export killed while writing its marker left only the .part file:
	// the folder still counts as empty.
	cut := t.TempDir()
	if err := os.WriteFile(filepath.Join(cut, backup.MarkerFile+".part"), []byte(`{"for`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := export(cut, "instance-a"); err != nil {
		t.Fatalf("export into a folder with a cut marker: %v", err)
	}
}
