package blob_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/blob/blobtest"
)

func newLocal(t testing.TB) (*blob.Local, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "blobs")
	l, err := blob.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	return l, root
}

func TestLocalSuite(t *testing.T) {
	blobtest.Suite(t, func(t *testing.T) blob.Store {
		l, _ := newLocal(t)
		return l
	})
}

// hookReader calls hook once, after the first half of its data was read.
type hookReader struct {
	data []byte
	off  int
	hook func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	if h.off >= len(h.data) {
		return 0, io.EOF
	}
	if h.hook != nil && h.off >= len(h.data)/2 {
		h.hook()
		h.hook = nil
	}
	end := min(len(h.data), h.off+min(len(p), 4096))
	n := copy(p, h.data[h.off:end])
	h.off += n
	return n, nil
}

// While a Put runs, its key shows nothing (not even a partial file), the
// old object stays readable, and the temp file is not listed.
func TestLocalPutIsAtomic(t *testing.T) {
	l, root := newLocal(t)
	ctx := context.Background()
	const key = "u/d/obj"
	if _, err := l.Put(ctx, "other", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	for _, existing := range []bool{false, true} {
		if existing {
			if _, err := l.Put(ctx, key, strings.NewReader("old"), 3, ""); err != nil {
				t.Fatal(err)
			}
		}
		data := blobtest.RandomBytes(t, 1<<20)
		checked := false
		hook := func() {
			checked = true
			st, err := os.Stat(filepath.Join(root, "u", "d", "obj"))
			switch {
			case !existing && !errors.Is(err, fs.ErrNotExist):
				t.Errorf("during Put the key exists: %v, %v", st, err)
			case existing && (err != nil || st.Size() != 3):
				t.Errorf("during Put the old object changed: %v, %v", st, err)
			}
			tmps, _ := os.ReadDir(filepath.Join(root, ".tmp"))
			if len(tmps) != 1 {
				t.Errorf("during Put .tmp holds %d files, want the one temp file", len(tmps))
			}
			var listed []string
			if err := l.List(ctx, "", func(i blob.Info) error { listed = append(listed, i.Key); return nil }); err != nil {
				t.Error(err)
			}
			want := "[other]"
			if existing {
				want = "[other u/d/obj]"
			}
			if got := strings.Join(strings.Fields(strings.Trim(strings.Join(listed, " "), " ")), " "); "["+got+"]" != want {
				t.Errorf("during Put List = %v, want %s", listed, want)
			}
		}
		if _, err := l.Put(ctx, key, &hookReader{data: data, hook: hook}, int64(len(data)), ""); err != nil {
			t.Fatal(err)
		}
		if !checked {
			t.Fatal("hook never ran")
		}
		got, err := os.ReadFile(filepath.Join(root, "u", "d", "obj"))
		if err != nil || string(got) != string(data) {
			t.Fatalf("after Put the file holds %d bytes, %v", len(got), err)
		}
		if tmps, _ := os.ReadDir(filepath.Join(root, ".tmp")); len(tmps) != 0 {
			t.Fatalf("after Put .tmp holds %d files", len(tmps))
		}
	}
}

// A failed Put removes its temp file.
func TestLocalFailedPutRemovesTemp(t *testing.T) {
	l, root := newLocal(t)
	if _, err := l.Put(context.Background(), "k", strings.NewReader("short"), 10, ""); err == nil {
		t.Fatal("short Put succeeded")
	}
	if _, err := l.Put(context.Background(), "k", io.MultiReader(strings.NewReader("abc"), errReader{}), -1, ""); err == nil {
		t.Fatal("failing Put succeeded")
	}
	if tmps, _ := os.ReadDir(filepath.Join(root, ".tmp")); len(tmps) != 0 {
		t.Fatalf(".tmp holds %d files after failed Puts", len(tmps))
	}
}

// The temp directory is not part of the key space: its files are neither
// listed nor reachable through a key.
func TestLocalTempDirHidden(t *testing.T) {
	l, root := newLocal(t)
	ctx := context.Background()
	if err := os.WriteFile(filepath.Join(root, ".tmp", "put-123"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"", ".tmp", ".tmp/", ".t"} {
		var got []string
		if err := l.List(ctx, prefix, func(i blob.Info) error { got = append(got, i.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("List(%q) = %v, want nothing", prefix, got)
		}
	}
	for _, key := range []string{".tmp/put-123", ".tmp/x", ".tmp"} {
		if _, err := l.Stat(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Stat(%s) = %v, want ErrInvalidKey", key, err)
		}
		rc, _, err := l.Get(ctx, key, nil)
		if err == nil {
			rc.Close()
		}
		if !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Get(%s) = %v, want ErrInvalidKey", key, err)
		}
		if _, err := l.Put(ctx, key, strings.NewReader("x"), 1, ""); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%s) = %v, want ErrInvalidKey", key, err)
		}
		if err := l.Delete(ctx, key); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%s) = %v, want ErrInvalidKey", key, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, ".tmp", "put-123")); err != nil {
		t.Fatalf("temp file touched: %v", err)
	}
	// A key merely starting with ".tmp" in a later segment is an ordinary key.
	if _, err := l.Put(ctx, "a/.tmp/b", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatalf("Put(a/.tmp/b): %v", err)
	}
}

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"user-1/doc_2/3f.pdf", true},
		{"A.B-c_d/e", true},
		{"..a/b..", true},
		{".hidden", true},
		{strings.Repeat("k", 512), true},
		{strings.Repeat("k", 513), false},
		{"", false},
		{".", false},
		{"..", false},
		{"../x", false},
		{"a/../../x", false},
		{"a/..", false},
		{"./a", false},
		{"a/./b", false},
		{"/abs", false},
		{"a/", false},
		{"a//b", false},
		{`a\b`, false},
		{`..\x`, false},
		{"ä", false},
		{"a b", false},
		{"a:b", false},
		{"a\x00", false},
		{"a\n", false},
		{"%2e%2e/x", false},
		{"~/x", false},
	}
	for _, tc := range tests {
		err := blob.ValidateKey(tc.key)
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
	}
}

// Every valid key lands inside the root, at the path its segments name, and
// no invalid key creates a file anywhere.
func TestLocalKeysStayInRoot(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "blobs")
	l, err := blob.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"a", "..a/b..", "x/y/z", ".hidden/f"} {
		if _, err := l.Put(ctx, key, strings.NewReader(key), int64(len(key)), ""); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(key)))
		if err != nil || string(got) != key {
			t.Fatalf("file for %q: %q, %v", key, got, err)
		}
	}
	for _, key := range append(blobtest.InvalidKeys, "../escape", "../blobs2/x", "a/../../escape") {
		if _, err := l.Put(ctx, key, strings.NewReader("x"), 1, ""); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "blobs" {
		t.Fatalf("files appeared beside the root: %v", entries)
	}
}

func TestLocalCheck(t *testing.T) {
	l, root := newLocal(t)
	if err := l.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// root ignores permissions; removing the temp dir still breaks writes.
		if err := os.RemoveAll(filepath.Join(root, ".tmp")); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Chmod(filepath.Join(root, ".tmp"), 0o500); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(context.Background()); err == nil {
		t.Fatal("Check on an unwritable root succeeded")
	}
}

// TestLocalSweepsStaleTempFiles: temp files of puts cut by a crash are
// removed at start and by SweepTemp once unwritten for StaleTempAge; fresh
// ones (a put in progress) and stored objects are kept.
func TestLocalSweepsStaleTempFiles(t *testing.T) {
	ctx := context.Background()
	l, root := newLocal(t)
	if _, err := l.Put(ctx, "u/d/kept.pdf", strings.NewReader("kept"), 4, ""); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(root, ".tmp")
	write := func(name string, age time.Duration) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("partial upload"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		return p
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }

	stale := write("put-crashed", blob.StaleTempAge+time.Minute)
	fresh := write("put-in-progress", time.Minute)
	if _, err := blob.NewLocal(root); err != nil { // a restart
		t.Fatal(err)
	}
	if exists(stale) || !exists(fresh) {
		t.Fatalf("after a restart: stale kept %v, fresh kept %v", exists(stale), exists(fresh))
	}

	stale = write("put-crashed-2", 2*time.Hour)
	n, err := l.SweepTemp(ctx, blob.StaleTempAge)
	if err != nil || n != 1 || exists(stale) || !exists(fresh) {
		t.Fatalf("SweepTemp: %d %v; stale kept %v, fresh kept %v", n, err, exists(stale), exists(fresh))
	}
	if n, err := l.SweepTemp(ctx, 0); err != nil || n != 1 || exists(fresh) {
		t.Fatalf("SweepTemp(0): %d %v", n, err)
	}
	if rc, _, err := l.Get(ctx, "u/d/kept.pdf", nil); err != nil {
		t.Fatalf("a stored object was swept: %v", err)
	} else {
		rc.Close()
	}
}
