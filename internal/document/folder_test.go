package document

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

type countingJobs struct{ processed int }

func (c *countingJobs) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	c.processed++
	return nil
}
func (c *countingJobs) EnqueueClassify(ctx context.Context, tx *store.Store, id string) error {
	return nil
}

func newService(t *testing.T, st *store.Store) (*Service, *countingJobs, Actor) {
	t.Helper()
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	jobs := &countingJobs{}
	s, err := New(st, blobs, jobs, nil, Config{MaxUploadBytes: 1 << 20, SecretKey: strings.Repeat("k", 32)})
	if err != nil {
		t.Fatal(err)
	}
	u := &model.User{Email: "a@x.test", PasswordHash: "h"}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return s, jobs, Actor{UserID: u.ID}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestImportFolderResumesAndSkipsDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, jobs, a := newService(t, st)
		dir := t.TempDir()
		write(t, filepath.Join(dir, "a.txt"), "first letter")
		write(t, filepath.Join(dir, "sub", "b.md"), "# second note")
		write(t, filepath.Join(dir, "sub", "copy-of-a.txt"), "first letter")
		write(t, filepath.Join(dir, "evil.svg"), `<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>`)
		write(t, filepath.Join(dir, ".hidden", "c.txt"), "hidden")
		var progress strings.Builder
		stats, err := s.ImportFolder(ctx, a, dir, &progress)
		if err != nil {
			t.Fatal(err)
		}
		if stats.Imported != 2 || stats.Duplicates != 1 || stats.Refused != 1 || jobs.processed != 2 {
			t.Fatalf("first run: %+v, %d jobs", stats, jobs.processed)
		}
		if !strings.Contains(progress.String(), "4/4 files") {
			t.Fatalf("progress %q", progress.String())
		}
		again, err := s.ImportFolder(ctx, a, dir, nil)
		if err != nil || again.Imported != 0 || again.Duplicates != 3 {
			t.Fatalf("second run: %+v %v", again, err)
		}
		docs, _, _ := st.ListDocuments(ctx, a.UserID, store.DocumentFilter{}, store.Page{})
		if len(docs) != 2 {
			t.Fatalf("%d documents", len(docs))
		}
	})
}

func TestConsumeFolder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s, _, a := newService(t, st)
		dir := t.TempDir()
		write(t, filepath.Join(dir, "scan.txt"), "consumed text")
		write(t, filepath.Join(dir, "bad.json"), `{"not": "a document"}`)
		old := time.Now().Add(-time.Minute)
		_ = os.Chtimes(filepath.Join(dir, "scan.txt"), old, old)
		_ = os.Chtimes(filepath.Join(dir, "bad.json"), old, old)
		write(t, filepath.Join(dir, "still-copying.txt"), "fresh")
		stats, err := s.ConsumeOnce(ctx, a, dir, 10*time.Second)
		if err != nil || stats.Imported != 1 || stats.Refused != 1 {
			t.Fatalf("consume: %+v %v", stats, err)
		}
		for _, p := range []string{".imported/scan.txt", ".failed/bad.json", ".failed/bad.json.error.txt", "still-copying.txt"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		}
		why, _ := os.ReadFile(filepath.Join(dir, ".failed/bad.json.error.txt"))
		if !strings.Contains(string(why), "not a supported document type") {
			t.Fatalf("error file: %q", why)
		}
	})
}

// blockingReader blocks until released, like a slow client.
type blockingReader struct{ release chan struct{} }

func (b blockingReader) Read(p []byte) (int, error) {
	<-b.release
	return 0, io.EOF
}

func TestConcurrentUploadsPerUserAreLimited(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	s, _, a := newService(t, st)
	release := make(chan struct{})
	done := make(chan error, MaxConcurrentUploads)
	for range MaxConcurrentUploads {
		go func() {
			_, err := s.Stage(context.Background(), a, "slow.txt", blockingReader{release}, -1)
			done <- err
		}()
	}
	// Wait until every slot is taken, then one more is refused with 429.
	for {
		s.mu.Lock()
		n := s.uploading[a.UserID]
		s.mu.Unlock()
		if n == MaxConcurrentUploads {
			break
		}
		time.Sleep(time.Millisecond)
	}
	_, err := s.Stage(context.Background(), a, "one-too-many.txt", strings.NewReader("x"), -1)
	if !apperr.Is(err, apperr.RateLimited) {
		t.Fatalf("fifth upload: %v", err)
	}
	close(release)
	for range MaxConcurrentUploads {
		<-done
	}
	if _, err := s.Stage(context.Background(), a, "after.txt", strings.NewReader("now it fits"), -1); err != nil {
		t.Fatalf("after the others finished: %v", err)
	}
}
