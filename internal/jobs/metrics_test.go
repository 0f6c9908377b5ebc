package jobs

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// sample returns the value of one series gathered from c, failing when absent.
func sample(t *testing.T, c prometheus.Collector, name string, labels map[string]string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register: %v", err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				if g := m.GetGauge(); g != nil {
					return g.GetValue()
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no %s%v", name, labels)
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}

func TestCollector(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEngine(t, s, true, nil)
		w, ran := noop(t, e)
		c := e.Collector()
		for _, q := range []string{QueueDefault, QueueDefault, QueueEmail} {
			if _, err := e.Enqueue(ctx, NoopArgs{Message: q}, &Opts{Queue: q}); err != nil {
				t.Fatal(err)
			}
		}
		before := []struct {
			state, queue string
			want         float64
		}{
			{"available", QueueDefault, 2},
			{"available", QueueEmail, 1},
			{"available", QueueDocuments, 0},
			{"completed", QueueDefault, 0},
		}
		for _, tt := range before {
			if got := sample(t, c, "docuvault_jobs", map[string]string{"state": tt.state, "queue": tt.queue}); got != tt.want {
				t.Errorf("before start: jobs{state=%s,queue=%s} = %v, want %v", tt.state, tt.queue, got, tt.want)
			}
		}
		// 8 states for each of the 3 queues.
		if n := testutil.CollectAndCount(c, "docuvault_jobs"); n != 24 {
			t.Errorf("docuvault_jobs series = %d, want 24", n)
		}

		start(t, e)
		for range 3 {
			receive(t, "noop run", ran)
		}
		waitFor(t, "three completed jobs", func() bool {
			return sample(t, c, "docuvault_jobs", map[string]string{"state": "completed", "queue": QueueDefault}) == 2 &&
				sample(t, c, "docuvault_jobs", map[string]string{"state": "completed", "queue": QueueEmail}) == 1
		})
		if got := sample(t, c, "docuvault_jobs", map[string]string{"state": "available", "queue": QueueDefault}); got != 0 {
			t.Errorf("after work: available default = %v, want 0", got)
		}
		if got := sample(t, c, "docuvault_jobs_worked_total", map[string]string{"kind": "noop", "outcome": "completed"}); got != 3 || w.Runs() != 3 {
			t.Errorf("worked_total{noop,completed} = %v with %d runs, want 3", got, w.Runs())
		}
		if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
			t.Errorf("lint: %v %+v", err, problems)
		}
	})
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "completed"},
		{context.DeadlineExceeded, "failed"},
		{river.JobSnooze(0), "snoozed"},
		{river.JobCancel(context.Canceled), "cancelled"},
	}
	for _, tt := range tests {
		if got := outcome(tt.err); got != tt.want {
			t.Errorf("outcome(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
