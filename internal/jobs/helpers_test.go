package jobs

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/store"
)

// immediateRetry retries failed jobs at once, keeping tests short.
type immediateRetry struct{}

func (immediateRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// logWatch is a slog handler that prints warnings and closes a channel the
// first time a message containing a given text is logged.
type logWatch struct {
	mu      sync.Mutex
	watches map[string]chan struct{}
	out     slog.Handler
}

func newLogWatch() *logWatch {
	return &logWatch{watches: map[string]chan struct{}{}, out: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})}
}

// seen returns a channel closed once a message containing text is logged.
func (w *logWatch) seen(text string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch := make(chan struct{})
	w.watches[text] = ch
	return ch
}

func (w *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (w *logWatch) Handle(ctx context.Context, r slog.Record) error {
	w.mu.Lock()
	for text, ch := range w.watches {
		if strings.Contains(r.Message, text) {
			close(ch)
			delete(w.watches, text)
		}
	}
	w.mu.Unlock()
	if r.Level >= slog.LevelWarn {
		return w.out.Handle(ctx, r)
	}
	return nil
}
func (w *logWatch) WithAttrs([]slog.Attr) slog.Handler { return w }
func (w *logWatch) WithGroup(string) slog.Handler      { return w }

// newEngine migrates River's tables and builds a fast-polling engine that is
// stopped at cleanup.
func newEngine(t *testing.T, s *store.Store, run bool, log *logWatch) *Engine {
	t.Helper()
	ctx := context.Background()
	if err := Migrate(ctx, s); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if log == nil {
		log = newLogWatch()
	}
	e, err := New(s, Config{
		Workers: 2, Logger: slog.New(log), RunWorkers: run,
		PollInterval: 50 * time.Millisecond,
		testOnly:     true, retryPolicy: immediateRetry{},
	})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return e
}

func start(t *testing.T, e *Engine) {
	t.Helper()
	if err := e.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
}

// waitFor polls cond until it holds; the deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// receive waits for one value on ch; the deadline only guards against a hang.
func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("gave up waiting for %s", what)
		panic("unreachable")
	}
}

// jobsOf lists every job of a kind, newest first.
func jobsOf(t *testing.T, e *Engine, kind string) []JobInfo {
	t.Helper()
	all, _, err := e.ListJobs(context.Background(), nil, maxList, "")
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	var out []JobInfo
	for _, j := range all {
		if j.Kind == kind {
			out = append(out, j)
		}
	}
	return out
}

// stateOf is the state of one job.
func stateOf(t *testing.T, e *Engine, id int64) string {
	t.Helper()
	all, _, err := e.ListJobs(context.Background(), nil, maxList, "")
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	for _, j := range all {
		if j.ID == id {
			return j.State
		}
	}
	t.Fatalf("job %d not listed", id)
	return ""
}

// noop registers a NoopWorker reporting on a roomy channel.
func noop(t *testing.T, e *Engine) (*NoopWorker, <-chan string) {
	t.Helper()
	ch := make(chan string, 100)
	w := &NoopWorker{Ran: ch}
	if err := AddWorker(e, w); err != nil {
		t.Fatalf("add worker: %v", err)
	}
	return w, ch
}

var _ river.ClientRetryPolicy = immediateRetry{}
