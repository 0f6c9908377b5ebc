// Package jobs is DocuVault's background job engine, built on River.
//
// On SQLite one River client over the store's single writer connection both
// inserts and works jobs. On PostgreSQL a pgx client works jobs (LISTEN/NOTIFY,
// leader election, periodic jobs on the leader only) and a database/sql
// insert-only client enqueues jobs inside the store's transactions, so a row
// and its job commit together.
//
// Use: build with New, register every job kind with Register (its Spec and
// work function) and every periodic job with AddPeriodic, then Start; Stop
// on shutdown. Register the same kinds in every process, including ones
// that only enqueue (RunWorkers false): they let inserts reject job kinds
// nobody can run. River stays inside this package: other packages see
// Args, Spec, Job, Opts and Inserted only.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/store"
)

// The queues every engine works.
const (
	QueueDocuments = "documents" // extraction, classification, placement; Config.Workers wide
	QueueEmail     = "email"     // outgoing mail, 2 at a time
	QueueDefault   = "default"   // periodic maintenance and everything else, 2 at a time
)

// Sentinel errors.
var (
	// ErrStarted is returned when workers or periodic jobs are added after Start.
	ErrStarted = errors.New("jobs: engine already started")
	// ErrNoTx is returned by EnqueueTx outside a store transaction.
	ErrNoTx = errors.New("jobs: EnqueueTx needs a Store from WithTx")
	// ErrNotFound is returned by Retry for an unknown job.
	ErrNotFound = errors.New("jobs: job not found")
)

// Config tunes the engine. The zero value is a working production setup
// that enqueues but does not work jobs.
type Config struct {
	// Workers is the parallelism of the "documents" queue; default runtime.NumCPU().
	Workers int
	// Logger receives the engine's and River's logs; default slog.Default().
	Logger *slog.Logger
	// RunWorkers makes Start work jobs and run periodic jobs (serve and
	// worker); false gives an insert-only engine.
	RunWorkers bool
	// PollInterval is how often idle queues look for new jobs when no
	// notification arrives (always the case on SQLite); default 1s.
	PollInterval time.Duration
	// JobTimeout cancels a job's context after this long unless its worker
	// overrides Timeout; default River's 1 minute, -1 for none.
	JobTimeout time.Duration
	// LivenessInterval is, on PostgreSQL, how often a working process checks
	// its liveness lock and looks for jobs held by dead processes, which it
	// requeues after 4 intervals; default 5s (see liveness.go).
	LivenessInterval time.Duration

	// test settings, set only by this package's tests
	testOnly    bool
	retryPolicy river.ClientRetryPolicy
}

// Engine runs DocuVault's background jobs. It is safe for concurrent use.
type Engine struct {
	store   *store.Store
	log     *slog.Logger
	workers *river.Workers
	metrics *metrics

	// inserter enqueues in the store's *sql.Tx and serves the admin helpers.
	inserter *river.Client[*sql.Tx]
	// start, stop and periodic are the working client's; nil when insert-only.
	start    func(context.Context) error
	stop     func(context.Context) error
	cancel   func(context.Context) error
	periodic *river.PeriodicJobBundle
	// beforeStart, when set, runs at Start before any job is fetched.
	beforeStart func(context.Context) error
	// live holds this process's liveness lock and requeues the jobs of dead
	// processes; PostgreSQL working engines only.
	live *liveness

	// clientID is the working client's id; set with start.
	clientID func() string

	mu      sync.Mutex
	started bool
	specs   map[string]Spec // by kind, from Register
}

// New builds the engine on the store's database. It does not start working;
// add workers and periodic jobs, then call Start.
func New(s *store.Store, cfg Config) (*Engine, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	e := &Engine{
		store:   s,
		log:     cfg.Logger.With("component", "jobs"),
		workers: river.NewWorkers(),
		specs:   map[string]Spec{},
		metrics: newMetrics(s),
	}
	rc := e.riverConfig(cfg)
	d, err := driverFor(s)
	if err != nil {
		return nil, err
	}
	if err := d.clients(e, rc, cfg); err != nil {
		return nil, err
	}
	if err := registerFollow(e); err != nil {
		return nil, err
	}
	return e, nil
}

// driver is River on one database engine: sqliteDriver (driver_sqlite.go)
// or postgresDriver (driver_postgres.go), chosen once by driverFor.
type driver interface {
	// clients sets e's inserter and, when cfg.RunWorkers, its working
	// client's functions from rc, the working client's configuration.
	clients(e *Engine, rc *river.Config, cfg Config) error
	// migrate applies River's migrations; mdb, when not nil, is the
	// connection of the role that owns the schema.
	migrate(ctx context.Context, s *store.Store, mdb *sql.DB) error
}

// driverFor is the driver of the store's engine.
func driverFor(s *store.Store) (driver, error) {
	d, ok := map[store.Dialect]driver{store.SQLite: sqliteDriver{}, store.Postgres: postgresDriver{}}[s.Dialect()]
	if !ok {
		return nil, fmt.Errorf("jobs: unsupported database %q", s.Dialect())
	}
	return d, nil
}

// riverConfig is the configuration of the working client; insertOnly
// derives the inserter's from it.
func (e *Engine) riverConfig(cfg Config) *river.Config {
	rc := &river.Config{
		Logger:            slog.New(quieter{cfg.Logger.Handler()}).With("component", "river"),
		Workers:           e.workers,
		FetchPollInterval: cfg.PollInterval,
		JobTimeout:        cfg.JobTimeout,
		Middleware:        []rivertype.Middleware{e.metrics.middleware()},
		TestOnly:          cfg.testOnly,
		RetryPolicy:       cfg.retryPolicy,
		// River's reindexer issues REINDEX, which is DDL: serve and worker
		// run as a role without DDL rights (docuvault_app). Never run it.
		ReindexerSchedule:   river.NeverSchedule(),
		ReindexerIndexNames: []string{},
	}
	if cfg.RunWorkers {
		rc.Queues = map[string]river.QueueConfig{
			QueueDocuments: {MaxWorkers: cfg.Workers},
			QueueEmail:     {MaxWorkers: 2},
			QueueDefault:   {MaxWorkers: 2},
		}
	}
	// River fetches at most once per FetchCooldown (default 100 ms) and at
	// most MaxWorkers jobs per fetch, so with 2 workers the default capped
	// the documents queue at 20 jobs/s however cheap the jobs were (see
	// docs/performance.md). 5 ms lets a worker pick up the next job almost
	// as soon as it finishes one.
	rc.FetchCooldown = fetchCooldown
	if cfg.testOnly {
		rc.FetchCooldown = 20 * time.Millisecond
	}
	// River refuses a poll interval shorter than the cooldown.
	if rc.FetchPollInterval > 0 && rc.FetchPollInterval < rc.FetchCooldown {
		rc.FetchCooldown = rc.FetchPollInterval
	}
	return rc
}

// fetchCooldown is the least time between two fetches of a queue.
const fetchCooldown = 5 * time.Millisecond

// insertOnly is rc without queues: a client that never starts, used for
// inserts and admin queries. Workers stay so unknown kinds are rejected.
func insertOnly(rc *river.Config) *river.Config {
	c := *rc
	c.Queues = nil
	c.Middleware = nil
	return &c
}

// AddWorker registers the worker of one job kind. Call it before Start; it
// returns ErrStarted afterwards, and an error for a kind already registered.
func AddWorker[T river.JobArgs](e *Engine, w river.Worker[T]) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return ErrStarted
	}
	if err := river.AddWorkerSafely(e.workers, w); err != nil {
		return fmt.Errorf("jobs: add worker: %w", err)
	}
	return nil
}

// Start begins working jobs when Config.RunWorkers is set; otherwise it
// only freezes the registrations. Start returns once the client runs; the
// work goes on in the background until Stop. Ending ctx also begins a
// graceful stop, so pass the process's long-lived context and call Stop
// with a shutdown deadline to wait for running jobs.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return ErrStarted
	}
	e.started = true
	if e.start == nil {
		return nil
	}
	if e.beforeStart != nil {
		if err := e.beforeStart(ctx); err != nil {
			return err
		}
	}
	if e.live != nil {
		// Before River fetches any job: the lock must cover every attempt.
		if err := e.live.start(ctx); err != nil {
			return err
		}
	}
	if err := e.start(ctx); err != nil {
		if e.live != nil {
			e.live.stop()
		}
		return fmt.Errorf("jobs: start: %w", err)
	}
	// client_id is what the job rows this process works record in
	// attempted_by (operators and the crash tests find a process's jobs by it).
	e.log.Info("jobs started", "database", string(e.store.Dialect()), "client_id", e.clientID())
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish. When ctx
// ends first, it cancels the running jobs' contexts and waits up to
// hardStopWait more for them to return, then gives up with ctx's error.
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	running := e.started && e.stop != nil
	e.mu.Unlock()
	if !running {
		return nil
	}
	if e.live != nil {
		// After River: jobs still running when the lock goes are requeued.
		defer e.live.stop()
	}
	err := e.stop(ctx)
	if err == nil {
		e.log.Info("jobs stopped")
		return nil
	}
	e.log.Warn("jobs did not finish in time; cancelling them", "err", err)
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopWait)
	defer cancel()
	if herr := e.cancel(hctx); herr != nil {
		return fmt.Errorf("jobs: stop: %w", errors.Join(err, herr))
	}
	return fmt.Errorf("jobs: stop: running jobs cancelled: %w", err)
}

// hardStopWait bounds how long Stop waits for cancelled jobs to return.
const hardStopWait = 10 * time.Second

// Collector reports job counts by state and queue, and the jobs worked by
// kind and outcome, to Prometheus.
func (e *Engine) Collector() prometheus.Collector { return e.metrics }
