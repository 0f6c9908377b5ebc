package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// freshArgs is a unique kind whose runs the test holds open.
type freshArgs struct {
	Account string `json:"account"`
}

func (freshArgs) Kind() string { return "test_fresh" }

// A request made while an equal unique job runs (even one whose work has
// already returned) gets one more run after it; many such requests get one;
// two runs of the same args never overlap.
func TestEnqueueFreshFollowsARunningJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, true, nil)
		started := make(chan int, 10)
		release := make(chan struct{}, 10)
		var runs, running, overlap atomic.Int64
		err := Register(e, Spec{UniqueWhilePending: true, MaxAttempts: 3}, func(_ context.Context, j *Job[freshArgs]) error {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			started <- int(runs.Add(1))
			<-release
			running.Add(-1)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		start(t, e)
		first, err := e.EnqueueFresh(ctx, freshArgs{Account: "a"})
		if err != nil || first.Duplicate {
			t.Fatalf("first: %+v %v", first, err)
		}
		if n := receiveInt(t, "first run", started); n != 1 {
			t.Fatalf("run %d", n)
		}
		for range 3 {
			again, err := e.EnqueueFresh(ctx, freshArgs{Account: "a"})
			if err != nil || !again.Duplicate || again.ID != first.ID {
				t.Fatalf("during the run: %+v %v", again, err)
			}
		}
		release <- struct{}{}
		if n := receiveInt(t, "the run after the requests", started); n != 2 {
			t.Fatalf("run %d", n)
		}
		release <- struct{}{}
		waitFor(t, "no job left waiting", func() bool {
			var n int
			_ = s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n)
			return n == 0
		})
		select {
		case n := <-started:
			t.Fatalf("three requests during one run made more than one more run (run %d)", n)
		case <-time.After(time.Second):
		}
		if overlap.Load() != 0 {
			t.Fatal("two runs of the same args overlapped")
		}
	})
}

func receiveInt(t *testing.T, what string, ch <-chan int) int {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(60 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		return 0
	}
}
