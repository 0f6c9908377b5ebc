package bench

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

var (
	exOnce sync.Once
	ex     *extract.Extractor
	exErr  error
)

// extractor is one real Extractor per test binary, as the application has
// one per process; PDFium's compiled code is cached across runs.
func extractor(tb testing.TB) *extract.Extractor {
	exOnce.Do(func() {
		ex, exErr = extract.New(extract.Config{CacheDir: filepath.Join(os.TempDir(), "docuvault-test-wazero")})
	})
	if exErr != nil {
		tb.Fatal(exErr)
	}
	return ex
}

// envInt reads a positive integer setting, def when unset.
func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		tb.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// rig is the upload-to-searchable path of one server: a fresh database,
// local blobs, the document service, the pipeline with the real extractor
// and, unless direct, a started River engine working the documents queue.
type rig struct {
	st    *store.Store
	docs  *document.Service
	pipe  *pipeline.Pipeline
	actor document.Actor
	done  chan error // one value per processed document
}

func newRig(b *testing.B, d store.Dialect, workers int, direct bool) *rig {
	b.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st := storetest.Open(b, d)
	if err := jobs.Migrate(ctx, st); err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewLocal(filepath.Join(b.TempDir(), "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	u := &model.User{Email: "bench@x.test", PasswordHash: "x"}
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	r := &rig{st: st, actor: document.Actor{UserID: u.ID, IP: "127.0.0.1", UserAgent: "bench"}, done: make(chan error, 1<<16)}
	r.pipe = pipeline.New(st, blobs, extractor(b), nil, log, filepath.Join(b.TempDir(), "tmp"), pipeline.Limits{})
	var enq document.Enqueuer = directEnqueuer{}
	if !direct {
		e, err := jobs.New(st, jobs.Config{Workers: workers, Logger: log, RunWorkers: true})
		if err != nil {
			b.Fatal(err)
		}
		w := &ProcessWorker{Pipeline: r.pipe, Done: func(_ string, err error) { r.done <- err }}
		l, err := w.Register(e)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := e.Stop(sctx); err != nil {
				b.Errorf("stop engine: %v", err)
			}
		})
		enq = l
	}
	r.docs, err = document.New(st, blobs, enq, log, document.Config{SecretKey: "bench-secret"})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// directEnqueuer queues nothing: in direct mode the uploader hands the
// committed document to a worker pool itself.
type directEnqueuer struct{}

func (directEnqueuer) EnqueueProcess(context.Context, *store.Store, string, bool) error { return nil }
func (directEnqueuer) EnqueueClassify(context.Context, *store.Store, string) error      { return nil }
