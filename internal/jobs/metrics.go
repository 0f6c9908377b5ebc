package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/store"
)

// jobStates are River's job states, reported even when zero so that series
// do not vanish.
var jobStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// countQuery counts jobs per state and queue. River deletes finalized jobs
// after a day (a week for discarded), which bounds the scan.
const countQuery = `SELECT state, queue, COUNT(*) FROM river_job GROUP BY state, queue`

// collectTimeout bounds one scrape's query.
const collectTimeout = 3 * time.Second

// metrics is the engine's prometheus.Collector.
type metrics struct {
	store  *store.Store
	jobs   *prometheus.Desc
	errs   prometheus.Counter
	worked *prometheus.CounterVec
}

func newMetrics(s *store.Store) *metrics {
	return &metrics{
		store: s,
		jobs: prometheus.NewDesc("docuvault_jobs", "Background jobs by state and queue (queue depth is state=\"available\").",
			[]string{"state", "queue"}, nil),
		errs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "docuvault_jobs_scrape_errors_total", Help: "Failed queries counting background jobs.",
		}),
		worked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "docuvault_jobs_worked_total",
			Help: "Background jobs worked by this process, by kind and outcome (completed, failed, snoozed, cancelled).",
		}, []string{"kind", "outcome"}),
	}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.jobs
	m.errs.Describe(ch)
	m.worked.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	if counts, err := m.count(); err != nil {
		m.errs.Inc()
	} else {
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(m.jobs, prometheus.GaugeValue, n, k[0], k[1])
		}
	}
	m.errs.Collect(ch)
	m.worked.Collect(ch)
}

// count returns the number of jobs per [state, queue], with zeros for every
// state of the engine's queues and of any queue seen.
func (m *metrics) count() (map[[2]string]float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), collectTimeout)
	defer cancel()
	rows, err := m.store.DB().QueryContext(ctx, countQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[[2]string]float64{}
	queues := map[string]bool{QueueDocuments: true, QueueEmail: true, QueueDefault: true}
	for rows.Next() {
		var state, queue string
		var n int64
		if err := rows.Scan(&state, &queue, &n); err != nil {
			return nil, err
		}
		counts[[2]string{state, queue}] = float64(n)
		queues[queue] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for q := range queues {
		for _, st := range jobStates {
			k := [2]string{string(st), q}
			if _, ok := counts[k]; !ok {
				counts[k] = 0
			}
		}
	}
	return counts, nil
}

// middleware counts every job worked by outcome.
func (m *metrics) middleware() rivertype.Middleware {
	return river.WorkerMiddlewareFunc(func(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) (err error) {
		defer func() {
			if p := recover(); p != nil {
				m.worked.WithLabelValues(job.Kind, "failed").Inc()
				panic(p)
			}
			m.worked.WithLabelValues(job.Kind, outcome(err)).Inc()
		}()
		return doInner(ctx)
	})
}

func outcome(err error) string {
	var snooze *river.JobSnoozeError
	var cancel *river.JobCancelError
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &snooze):
		return "snoozed"
	case errors.As(err, &cancel):
		return "cancelled"
	default:
		return "failed"
	}
}
