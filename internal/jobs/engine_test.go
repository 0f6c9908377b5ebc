package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestMigrateTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for i := range 2 {
			if err := Migrate(ctx, s); err != nil {
				t.Fatalf("migrate run %d: %v", i+1, err)
			}
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job").Scan(&n); err != nil {
			t.Fatalf("river_job missing after Migrate: %v", err)
		}
	})
}

func TestMigrateWithSeparateDB(t *testing.T) {
	s := storetest.Open(t, store.Postgres)
	mdb := s.DB() // any *sql.DB on the same database stands for the migrate role
	if err := Migrate(context.Background(), s, mdb); err != nil {
		t.Fatalf("migrate through database/sql: %v", err)
	}
	e := newEngine(t, s, true, nil)
	_, ran := noop(t, e)
	start(t, e)
	if _, err := e.Enqueue(context.Background(), NoopArgs{Message: "after ddl"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, "noop run", ran); got != "after ddl" {
		t.Fatalf("ran %q", got)
	}
}

func TestRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEngine(t, s, true, nil)
		w, ran := noop(t, e)
		start(t, e)
		res, err := e.Enqueue(context.Background(), NoopArgs{Message: "hello"}, nil)
		if err != nil {
			t.Fatalf("enqueue: %v", err)
		}
		if got := receive(t, "noop run", ran); got != "hello" {
			t.Fatalf("worker got %q, want hello", got)
		}
		waitFor(t, "job completed", func() bool { return stateOf(t, e, res.ID) == "completed" })
		if w.Runs() != 1 {
			t.Fatalf("runs = %d, want 1", w.Runs())
		}
		if j, err := e.inserter.JobGet(context.Background(), res.ID); err != nil || j.Queue != QueueDefault || j.Kind != "noop" {
			t.Fatalf("job %+v: %v", j, err)
		}
	})
}

func TestEnqueueTx(t *testing.T) {
	errRollback := errors.New("roll back")
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, true, nil)
		w, ran := noop(t, e)
		start(t, e)

		if _, err := e.EnqueueTx(ctx, s, NoopArgs{Message: "no tx"}, nil); !errors.Is(err, ErrNoTx) {
			t.Fatalf("EnqueueTx outside a transaction: err = %v, want ErrNoTx", err)
		}
		err := s.WithTx(ctx, func(tx *store.Store) error {
			if _, err := e.EnqueueTx(ctx, tx, NoopArgs{Message: "rolled back"}, nil); err != nil {
				t.Fatalf("enqueue in tx: %v", err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx: %v", err)
		}
		var id int64
		err = s.WithTx(ctx, func(tx *store.Store) error {
			res, err := e.EnqueueTx(ctx, tx, NoopArgs{Message: "committed"}, nil)
			if err != nil {
				return err
			}
			id = res.ID
			return nil
		})
		if err != nil {
			t.Fatalf("committed tx: %v", err)
		}
		if got := receive(t, "committed job run", ran); got != "committed" {
			t.Fatalf("first job run was %q, want committed", got)
		}
		waitFor(t, "job completed", func() bool { return stateOf(t, e, id) == "completed" })
		if jobs := jobsOf(t, e, "noop"); len(jobs) != 1 || jobs[0].ID != id {
			t.Fatalf("jobs after one rollback and one commit: %+v", jobs)
		}
		if w.Runs() != 1 {
			t.Fatalf("runs = %d, want 1", w.Runs())
		}
	})
}

// uniqueArgs is a kind registered with UniqueWhilePending.
type uniqueArgs struct {
	Message string `json:"message"`
}

func (uniqueArgs) Kind() string { return "test_unique" }

func TestUniqueEnqueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, true, nil)
		ran := make(chan string, 10)
		err := Register(e, Spec{UniqueWhilePending: true, MaxAttempts: 3}, func(_ context.Context, j *Job[uniqueArgs]) error {
			ran <- j.Args.Message
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		first, err := e.Enqueue(ctx, uniqueArgs{Message: "once"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var second Inserted
		err = s.WithTx(ctx, func(tx *store.Store) error {
			second, err = e.EnqueueTx(ctx, tx, uniqueArgs{Message: "once"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first.Duplicate || !second.Duplicate || second.ID != first.ID {
			t.Fatalf("first %d dup=%v, second %d dup=%v", first.ID, first.Duplicate, second.ID, second.Duplicate)
		}
		other, err := e.Enqueue(ctx, uniqueArgs{Message: "other"}, nil)
		if err != nil || other.Duplicate {
			t.Fatalf("different args were deduplicated: %v %v", other, err)
		}
		if j, err := e.inserter.JobGet(ctx, first.ID); err != nil || j.MaxAttempts != 3 || j.Queue != QueueDefault {
			t.Fatalf("the Spec was not applied: %+v %v", j, err)
		}
		start(t, e)
		receive(t, "first run", ran)
		receive(t, "second run", ran)
		waitFor(t, "both completed", func() bool {
			return stateOf(t, e, first.ID) == "completed" && stateOf(t, e, other.ID) == "completed"
		})
		// Once done, the same args can be queued again.
		again, err := e.Enqueue(ctx, uniqueArgs{Message: "once"}, nil)
		if err != nil || again.Duplicate {
			t.Fatalf("a finished job still deduplicates: %+v %v", again, err)
		}
	})
}

func TestPeriodic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEngine(t, s, true, nil)
		_, ran := noop(t, e)
		var ticks atomic.Int64
		ctor := func() Args {
			return NoopArgs{Message: fmt.Sprintf("tick %d", ticks.Add(1))}
		}
		if err := e.AddPeriodic("test-tick", Every(500*time.Millisecond), ctor, true); err != nil {
			t.Fatalf("add periodic: %v", err)
		}
		if err := e.AddPeriodic("test-tick", Every(time.Hour), ctor, false); err == nil {
			t.Fatal("a second periodic job with the same name was accepted")
		}
		start(t, e)
		// The first run comes from runOnStart, the second from the schedule.
		seen := map[string]bool{receive(t, "first tick", ran): true}
		seen[receive(t, "second tick", ran)] = true
		if !seen["tick 1"] || !seen["tick 2"] {
			t.Fatalf("ticks run: %v", seen)
		}
		if err := e.AddPeriodic("late", Every(time.Hour), ctor, false); !errors.Is(err, ErrStarted) {
			t.Fatalf("AddPeriodic after Start: %v, want ErrStarted", err)
		}
		if err := AddWorker(e, &NoopWorker{}); !errors.Is(err, ErrStarted) {
			t.Fatalf("AddWorker after Start: %v, want ErrStarted", err)
		}
	})
}

func TestDailyUTC(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		now, want time.Time
	}{
		{time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC), time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 16, 0, 0, 0, 0, time.UTC)},
		{time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2024, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		// 00:30 in Paris is still the previous UTC day.
		{time.Date(2025, 3, 15, 0, 30, 0, 0, paris), time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := DailyUTC().Next(tt.now); !got.Equal(tt.want) {
			t.Errorf("Next(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}

func TestInsertOnlyEngine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, false, nil)
		_, ran := noop(t, e)
		if err := e.AddPeriodic("ignored", Every(time.Hour), func() Args { return NoopArgs{} }, true); err != nil {
			t.Fatalf("AddPeriodic on an insert-only engine: %v", err)
		}
		start(t, e)
		res, err := e.Enqueue(ctx, NoopArgs{Message: "for a worker node"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Enqueue(ctx, unknownArgs{}, nil); err == nil {
			t.Fatal("a job kind without a worker was enqueued")
		}
		// A worker process on the same database picks the job up.
		w := newEngine(t, s, true, nil)
		_, wran := noop(t, w)
		start(t, w)
		if got := receive(t, "run on the worker engine", wran); got != "for a worker node" {
			t.Fatalf("worker ran %q", got)
		}
		waitFor(t, "job completed", func() bool { return stateOf(t, e, res.ID) == "completed" })
		select {
		case m := <-ran:
			t.Fatalf("insert-only engine worked a job: %q", m)
		default:
		}
	})
}

type unknownArgs struct{}

func (unknownArgs) Kind() string { return "unknown_kind" }
