package jobs

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// holdArgs is a job whose first attempt runs until released (or cancelled)
// and whose later attempts finish at once.
type holdArgs struct{}

func (holdArgs) Kind() string { return "test_hold" }

type holdWorker struct {
	river.WorkerDefaults[holdArgs]
	started chan int // attempt numbers, as they start
	release chan struct{}
	runs    atomic.Int64
}

func newHoldWorker() *holdWorker {
	return &holdWorker{started: make(chan int, 10), release: make(chan struct{})}
}

func (w *holdWorker) Timeout(*river.Job[holdArgs]) time.Duration { return -1 }

func (w *holdWorker) Work(ctx context.Context, job *river.Job[holdArgs]) error {
	w.runs.Add(1)
	w.started <- job.Attempt
	if job.Attempt > 1 {
		return nil
	}
	select {
	case <-w.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

const testLiveness = 200 * time.Millisecond

// pgEngine is a working engine on PostgreSQL with a fast liveness loop,
// stopped at cleanup.
func pgEngine(t *testing.T, s *store.Store, register func(e *Engine)) *Engine {
	t.Helper()
	return pgEngineEvery(t, s, testLiveness, register)
}

func pgEngineEvery(t *testing.T, s *store.Store, interval time.Duration, register func(e *Engine)) *Engine {
	t.Helper()
	e, err := New(s, Config{Workers: 2, Logger: slog.New(newLogWatch()), RunWorkers: true,
		PollInterval: 50 * time.Millisecond, LivenessInterval: interval,
		testOnly: true, retryPolicy: immediateRetry{}})
	if err != nil {
		t.Fatal(err)
	}
	register(e)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = e.Stop(ctx)
	})
	start(t, e)
	return e
}

func pgStore(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t, store.Postgres)
	if err := Migrate(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

type jobRow struct {
	state, owner string
	attempt      int
	errors       []string
}

func readJob(t *testing.T, s *store.Store, id int64) jobRow {
	t.Helper()
	var r jobRow
	var errs []string
	rows, err := s.DB().QueryContext(context.Background(), `SELECT state::text, attempt,
		coalesce(attempted_by[array_upper(attempted_by, 1)], ''), coalesce(e ->> 'error', '')
		FROM river_job LEFT JOIN LATERAL unnest(errors) AS e ON true WHERE id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		if err := rows.Scan(&r.state, &r.attempt, &r.owner, &e); err != nil {
			t.Fatal(err)
		}
		if e != "" {
			errs = append(errs, e)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	r.errors = errs
	return r
}

// TestLivenessRequeuesJobsOfDeadProcess: a process that loses its session
// (as a killed one does) has its running job run again by another within
// seconds, the lost attempt counted and explained.
func TestLivenessRequeuesJobsOfDeadProcess(t *testing.T) {
	s := pgStore(t)
	wa := newHoldWorker()
	a := pgEngine(t, s, func(e *Engine) { _ = AddWorker(e, wa) })
	res, err := a.Enqueue(context.Background(), holdArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := receive(t, "first attempt on A", wa.started); got != 1 {
		t.Fatalf("first attempt is %d", got)
	}
	if j := readJob(t, s, res.ID); j.owner != a.live.id || !isOurs(j.owner) {
		t.Fatalf("job attempted by %q, engine A is %q", j.owner, a.live.id)
	}
	// A dies as far as the database can tell: its session and lock go.
	a.live.stop()

	wb := newHoldWorker()
	b := pgEngine(t, s, func(e *Engine) { _ = AddWorker(e, wb) })
	waitFor(t, "the dead process's job to be run again and completed", func() bool {
		return readJob(t, s, res.ID).state == "completed"
	})
	j := readJob(t, s, res.ID)
	// (A's River client still fetches in this simulation, so either may run
	// the second attempt.)
	if j.attempt != 2 || (j.owner != a.live.id && j.owner != b.live.id) {
		t.Fatalf("completed by %q at attempt %d; want attempt 2 by A %q or B %q", j.owner, j.attempt, a.live.id, b.live.id)
	}
	if len(j.errors) != 1 || !strings.Contains(j.errors[0], "died") || !strings.Contains(j.errors[0], a.live.id) {
		t.Fatalf("errors of the job: %q", j.errors)
	}
	if n := wa.runs.Load() + wb.runs.Load(); n != 2 {
		t.Fatalf("the job ran %d times, want 2 (the cut attempt and the retry)", n)
	}
	close(wa.release) // the zombie attempt finishing late must not undo anything
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = a.Stop(ctx)
	if j := readJob(t, s, res.ID); j.state != "completed" || j.attempt != 2 {
		t.Fatalf("after the cut attempt returned: %+v", j)
	}
}

// TestLivenessNeverTakesLiveJob: a job running far longer than the dead-
// process horizon on a live process is left alone by every sweeper, also
// when the holder's lock session is cut and taken again.
func TestLivenessNeverTakesLiveJob(t *testing.T) {
	s := pgStore(t)
	w := newHoldWorker()
	var engines []*Engine
	// A slower beat than the other tests: the holder must reconnect within
	// the horizon (3 intervals after a sweep noticed) on a loaded machine.
	const interval = 500 * time.Millisecond
	for range 2 {
		engines = append(engines, pgEngineEvery(t, s, interval, func(e *Engine) { _ = AddWorker(e, w) }))
	}
	res, err := engines[0].Enqueue(context.Background(), holdArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, "first attempt", w.started)
	holder := readJob(t, s, res.ID).owner
	var held *Engine
	for _, e := range engines {
		if e.live.id == holder {
			held = e
		}
	}
	if held == nil {
		t.Fatalf("job held by %q, not one of the engines", holder)
	}
	horizon := time.Duration(livenessDeadFactor) * interval
	time.Sleep(2 * horizon)
	// Cut the holder's lock session: it must take the lock again before
	// anyone concludes it is dead.
	if _, err := s.DB().ExecContext(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 2`,
		int64(livenessLockSpace), int64(lockKey(holder))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * horizon)
	var relocked bool
	if err := s.DB().QueryRowContext(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_locks
		WHERE locktype = 'advisory' AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 2 AND granted)`,
		int64(livenessLockSpace), int64(lockKey(holder))).Scan(&relocked); err != nil || !relocked {
		t.Fatalf("the holder did not take its lock again after losing its session: %v %v", relocked, err)
	}
	if j := readJob(t, s, res.ID); j.state != "running" || j.attempt != 1 || j.owner != holder || len(j.errors) != 0 {
		t.Fatalf("a live process's job was touched: %+v", j)
	}
	close(w.release)
	waitFor(t, "the job to complete", func() bool { return readJob(t, s, res.ID).state == "completed" })
	if j := readJob(t, s, res.ID); j.attempt != 1 || w.runs.Load() != 1 {
		t.Fatalf("job completed at attempt %d after %d runs; want one run", j.attempt, w.runs.Load())
	}
	if len(w.started) != 0 {
		t.Fatalf("another attempt started")
	}
}

// TestLivenessExhaustedAndForeign: a dead client's job with no attempts
// left is discarded like River's rescuer does; a job of a client that never
// held a liveness lock (another program, an older DocuVault) is left to
// River's rescuer.
func TestLivenessExhaustedAndForeign(t *testing.T) {
	s := pgStore(t)
	ctx := context.Background()
	ins, err := New(s, Config{Logger: slog.New(newLogWatch())})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = noop(t, ins)
	ghost := newClientID()
	cases := []struct {
		owner       string
		max         int
		wantState   string
		wantAttempt int
	}{
		{ghost, 5, "completed", 2},
		{ghost, 1, "discarded", 1},
		{"somehost_2026_11_25T10_00_00_000000", 5, "running", 1},
	}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		res, err := ins.Enqueue(ctx, NoopArgs{Message: c.wantState}, &Opts{MaxAttempts: c.max})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = res.ID
		if _, err := s.DB().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
			attempted_at = now(), attempted_by = ARRAY[$2::text] WHERE id = $1`, res.ID, c.owner); err != nil {
			t.Fatal(err)
		}
	}
	pgEngine(t, s, func(e *Engine) { _, _ = noop(t, e) })
	waitFor(t, "the dead client's jobs to be settled", func() bool {
		return readJob(t, s, ids[0]).state == "completed" && readJob(t, s, ids[1]).state == "discarded"
	})
	time.Sleep(2 * livenessDeadFactor * testLiveness)
	for i, c := range cases {
		j := readJob(t, s, ids[i])
		if j.state != c.wantState || j.attempt != c.wantAttempt {
			t.Errorf("job owned by %s (max %d): %s at attempt %d; want %s at %d", c.owner, c.max, j.state, j.attempt, c.wantState, c.wantAttempt)
		}
		if c.wantState != "running" && (len(j.errors) != 1 || !strings.Contains(j.errors[0], "died")) {
			t.Errorf("job owned by %s: errors %q", c.owner, j.errors)
		}
	}
}

func TestClientIDs(t *testing.T) {
	a, b := newClientID(), newClientID()
	if a == b || !isOurs(a) || !isOurs(b) || len(a) > 100 {
		t.Fatalf("client ids %q %q", a, b)
	}
	for _, id := range []string{"", "dvlive-", "dvlive-xyz-host", "host_2026_11_25T10_00_00_000000", "dvlive-0123456789abcdeZ-h"} {
		if isOurs(id) {
			t.Errorf("isOurs(%q)", id)
		}
	}
	if k := lockKey(a); k < 0 || k != lockKey(a) {
		t.Fatalf("lock key")
	}
}
