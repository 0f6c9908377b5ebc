package jobs

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// blockArgs is a job that runs until released.
type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// blockWorker signals when it starts and finishes when release closes, or,
// with honourCancel, when its context is cancelled.
type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	started      chan struct{}
	release      chan struct{}
	honourCancel bool
	finished     atomic.Bool
	cancelled    atomic.Bool
}

func (w *blockWorker) Work(ctx context.Context, _ *river.Job[blockArgs]) error {
	close(w.started)
	if w.honourCancel {
		select {
		case <-w.release:
		case <-ctx.Done():
			w.cancelled.Store(true)
			return ctx.Err()
		}
	} else {
		<-w.release
	}
	w.finished.Store(true)
	return nil
}

func TestStopWaitsForRunningJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		log := newLogWatch()
		e := newEngine(t, s, true, log)
		w := &blockWorker{started: make(chan struct{}), release: make(chan struct{})}
		if err := AddWorker(e, w); err != nil {
			t.Fatal(err)
		}
		start(t, e)
		res, err := e.Enqueue(context.Background(), blockArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		receive(t, "job start", w.started)

		stopping := log.seen("Stopping producers")
		type result struct {
			err      error
			finished bool
		}
		stopped := make(chan result, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := e.Stop(ctx)
			stopped <- result{err, w.finished.Load()}
		}()
		receive(t, "River to begin stopping", stopping)
		select {
		case r := <-stopped:
			t.Fatalf("Stop returned while a job was still running (err %v)", r.err)
		default:
		}
		close(w.release)
		r := receive(t, "Stop to return", stopped)
		if r.err != nil || !r.finished {
			t.Fatalf("Stop returned err=%v with the job finished=%v; want nil, true", r.err, r.finished)
		}
		if got := stateOf(t, e, res.ID); got != "completed" {
			t.Fatalf("job state after Stop = %q, want completed", got)
		}
	})
}

func TestStopCancelsJobsWhenContextEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEngine(t, s, true, nil)
		w := &blockWorker{started: make(chan struct{}), release: make(chan struct{}), honourCancel: true}
		if err := AddWorker(e, w); err != nil {
			t.Fatal(err)
		}
		start(t, e)
		if _, err := e.Enqueue(context.Background(), blockArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		receive(t, "job start", w.started)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := e.Stop(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Stop with an ended context: %v, want context.Canceled", err)
		}
		if !w.cancelled.Load() || w.finished.Load() {
			t.Fatalf("job cancelled=%v finished=%v; want true, false", w.cancelled.Load(), w.finished.Load())
		}
	})
}
