package jobs

import (
	"context"
	"testing"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestSQLiteRequeuesJobsCutByACrash: on SQLite a job left marked running
// (the process was killed mid-job) runs again when the engine starts,
// instead of after River's rescuer horizon of an hour.
func TestSQLiteRequeuesJobsCutByACrash(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, store.SQLite)
	e := newEngine(t, s, true, nil)
	ran := make(chan string, 1)
	if err := AddWorker(e, &NoopWorker{Ran: ran}); err != nil {
		t.Fatal(err)
	}
	res, err := e.Enqueue(ctx, NoopArgs{Message: "cut"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1,
		attempted_at = CURRENT_TIMESTAMP WHERE id = $1`, res.ID); err != nil {
		t.Fatal(err)
	}
	start(t, e)
	if got := receive(t, "the job cut by a crash to run again", ran); got != "cut" {
		t.Fatalf("ran %q", got)
	}
}
