package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/riverqueue/river"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// flakyArgs is a job that fails its first two attempts.
type flakyArgs struct{}

func (flakyArgs) Kind() string { return "test_flaky" }

type flakyWorker struct {
	river.WorkerDefaults[flakyArgs]
	ok chan int
}

func (w *flakyWorker) Work(_ context.Context, job *river.Job[flakyArgs]) error {
	if job.Attempt <= 2 {
		return fmt.Errorf("boom on attempt %d", job.Attempt)
	}
	w.ok <- job.Attempt
	return nil
}

func TestFailRetryAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, true, nil)
		w := &flakyWorker{ok: make(chan int, 1)}
		if err := AddWorker(e, w); err != nil {
			t.Fatal(err)
		}
		start(t, e)
		res, err := e.Enqueue(ctx, flakyArgs{}, &Opts{MaxAttempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		id := res.ID
		waitFor(t, "job discarded", func() bool { return stateOf(t, e, id) == "discarded" })

		got, next, err := e.ListJobs(ctx, []string{"discarded"}, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || next != "" {
			t.Fatalf("discarded jobs: %+v, next %q", got, next)
		}
		j := got[0]
		wantErrs := []string{"boom on attempt 1", "boom on attempt 2"}
		if j.ID != id || j.Kind != "test_flaky" || j.Queue != QueueDefault || j.Attempt != 2 || j.MaxAttempts != 2 ||
			!slices.Equal(j.Errors, wantErrs) || j.FinalizedAt == nil {
			t.Fatalf("listed job = %+v; want attempt 2 of 2 with errors %q and a finalized time", j, wantErrs)
		}

		if err := e.Retry(ctx, id); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if attempt := receive(t, "retried run", w.ok); attempt != 3 {
			t.Fatalf("retried run was attempt %d, want 3", attempt)
		}
		waitFor(t, "job completed", func() bool { return stateOf(t, e, id) == "completed" })
		if err := e.Retry(ctx, id+1000); !errors.Is(err, ErrNotFound) {
			t.Fatalf("retry of an unknown job: %v, want ErrNotFound", err)
		}
	})
}

func TestListJobsPagesAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, false, nil)
		noop(t, e)
		var ids []int64
		for i := range 5 {
			res, err := e.Enqueue(ctx, NoopArgs{Message: fmt.Sprint(i)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.ID)
		}
		slices.Reverse(ids) // newest first
		var listed []int64
		cursor, pages := "", 0
		for {
			page, next, err := e.ListJobs(ctx, []string{"available"}, 2, cursor)
			if err != nil {
				t.Fatalf("page %d: %v", pages, err)
			}
			for _, j := range page {
				listed = append(listed, j.ID)
			}
			pages++
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			cursor = next
		}
		if !slices.Equal(listed, ids) || pages != 3 {
			t.Fatalf("listed %v in %d pages; want %v in 3", listed, pages, ids)
		}
		if got, _, err := e.ListJobs(ctx, []string{"completed"}, 10, ""); err != nil || len(got) != 0 {
			t.Fatalf("completed jobs: %v, %v; want none", got, err)
		}

		tests := []struct {
			name   string
			states []string
			cursor string
			want   error
		}{
			{"unknown state", []string{"exploded"}, "", ErrBadState},
			{"garbage cursor", nil, "!!not-a-cursor", nil},
		}
		for _, tt := range tests {
			_, _, err := e.ListJobs(ctx, tt.states, 10, tt.cursor)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			}
		}
	})
}
