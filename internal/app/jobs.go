package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/classify/local"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/lifecycle"
)

// The job kinds of the application outside a document's lifecycle (whose
// kinds are internal/lifecycle's). Their args are small and carry ids only.

// trainArgs trains one space's local classifier now (POST /api/classifier/train). UserID is what
// jobs queued before classifiers were per space carry: that user's personal space, whose id is theirs.
type trainArgs struct {
	SpaceID string `json:"space_id,omitempty"`
	UserID  string `json:"user_id,omitempty"`
}

// space returns the space to train.
func (a trainArgs) space() string {
	if a.SpaceID != "" {
		return a.SpaceID
	}
	return a.UserID
}

func (trainArgs) Kind() string { return "classifier.train" }

// trainDueArgs trains every space whose labels changed and then settled (classify.TrainDelay).
type trainDueArgs struct{}

func (trainDueArgs) Kind() string { return jobs.PeriodicTrainDue }

type statisticsArgs struct{}

func (statisticsArgs) Kind() string { return jobs.PeriodicStatistics }

type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return jobs.PeriodicCleanupUploads }

type purgeArgs struct{}

func (purgeArgs) Kind() string { return jobs.PeriodicPurge }

type auditExportArgs struct{}

func (auditExportArgs) Kind() string { return jobs.PeriodicAuditExport }

// classifyQueue is the classify service's queue: classification is the
// lifecycle's job, training the application's.
type classifyQueue struct {
	*lifecycle.Lifecycle
	e *jobs.Engine
}

// EnqueueTrain queues a training of the space's local classifier.
func (q classifyQueue) EnqueueTrain(ctx context.Context, spaceID string) error {
	_, err := q.e.Enqueue(ctx, trainArgs{SpaceID: spaceID}, nil)
	return err
}

// Trainer trains spaces' local classifiers (the classify package provides it).
type Trainer interface {
	Train(ctx context.Context, spaceID string) (*local.Model, error)
	TrainDue(ctx context.Context, now time.Time) (int, error)
}

func train(t Trainer) func(context.Context, *jobs.Job[trainArgs]) error {
	return func(ctx context.Context, job *jobs.Job[trainArgs]) error {
		_, err := t.Train(ctx, job.Args.space())
		return err
	}
}

func trainDue(t Trainer) func(context.Context, *jobs.Job[trainDueArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[trainDueArgs]) error {
		_, err := t.TrainDue(ctx, time.Now())
		return err
	}
}

// trainDueTick queues a training run only when some space's labels settled
// since its last training, so the 5-second schedule leaves no job rows
// behind when nothing changed.
func (a *App) trainDueTick() jobs.Args {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if due, err := a.ClassifySvc.TrainingDue(ctx, time.Now()); err == nil && !due {
		return nil
	}
	return trainDueArgs{}
}

// statisticsTick queues an ANALYZE of the tables whose planner statistics
// fell behind (PostgreSQL; never on SQLite), so searches and lists keep
// good plans after a bulk of uploads even where autovacuum is off or slow
// to come round. Nothing stale leaves no job row behind; a failed check is
// logged and tried again at the next tick (not a failed job every 5 s).
func (a *App) statisticsTick() jobs.Args {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stale, err := a.Store.StaleStatistics(ctx)
	if err != nil {
		a.Log.Warn("database statistics: check failed", "error", err)
		return nil
	}
	if len(stale) == 0 {
		return nil
	}
	return statisticsArgs{}
}

// statisticsRefresher is the store's ANALYZE of stale tables.
type statisticsRefresher interface {
	RefreshStatistics(ctx context.Context) ([]string, error)
}

// refreshStatistics analyzes the stale tables.
func refreshStatistics(st statisticsRefresher, log *slog.Logger) func(context.Context, *jobs.Job[statisticsArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[statisticsArgs]) error {
		tables, err := st.RefreshStatistics(ctx)
		if err == nil && len(tables) > 0 {
			log.Debug("database statistics refreshed", "tables", tables)
		}
		return err
	}
}

// tempSweeper is the optional capability of blob stores that keep temp
// files of puts in progress (blob.Local).
type tempSweeper interface {
	SweepTemp(ctx context.Context, olderThan time.Duration) (int, error)
}

// cleanup removes abandoned uploads and orphan blobs, and sweeps stale temp
// files when the blob store keeps them (local files).
func cleanup(docs *document.Service, blobs any) func(context.Context, *jobs.Job[cleanupArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[cleanupArgs]) error {
		if _, err := docs.CleanupAbandonedUploads(ctx); err != nil {
			return err
		}
		if _, err := docs.SweepOrphans(ctx); err != nil {
			return err
		}
		if ts, ok := blobs.(tempSweeper); ok {
			if _, err := ts.SweepTemp(ctx, blob.StaleTempAge); err != nil {
				return err
			}
		}
		return nil
	}
}

// purge empties expired trash and exported audit days, then runs the extra
// purges (expired tokens).
func purge(docs *document.Service, exp *audit.Exporter, extra []func(context.Context) error) func(context.Context, *jobs.Job[purgeArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[purgeArgs]) error {
		if _, err := docs.PurgeExpiredTrash(ctx); err != nil {
			return fmt.Errorf("purge trash: %w", err)
		}
		if _, err := exp.PurgeExported(ctx, time.Now()); err != nil {
			return fmt.Errorf("purge audit: %w", err)
		}
		for _, f := range extra {
			if err := f(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// auditExport exports every finished day not exported yet: yesterday at
// midnight, and any day missed while the server was down.
func auditExport(exp *audit.Exporter) func(context.Context, *jobs.Job[auditExportArgs]) error {
	return func(ctx context.Context, _ *jobs.Job[auditExportArgs]) error {
		_, err := exp.CatchUp(ctx, time.Now())
		return err
	}
}

// registerJobs adds every job kind and periodic job to the engine: the
// document jobs through the lifecycle, with the services that do their work
// (no extractor in a process that works no jobs).
func (a *App) registerJobs(e *jobs.Engine) error {
	w := lifecycle.Workers{Classifier: a.ClassifySvc, Drives: a.Cloud, ProcessTimeout: a.Config.ProcessTimeout}
	if a.Pipeline != nil {
		w.Extractor = a.Pipeline
	}
	add := []error{
		a.Lifecycle.Register(w),
		jobs.Register(e, jobs.Spec{MaxAttempts: 3, Timeout: 10 * time.Minute, UniqueWhilePending: true}, train(a.ClassifySvc)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 1, Timeout: 30 * time.Minute, UniqueWhilePending: true}, trainDue(a.ClassifySvc)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 3}, cleanup(a.Documents, a.Blobs)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 3}, purge(a.Documents, a.Audit, a.purges)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 10}, auditExport(a.Audit)),
		jobs.Register(e, jobs.Spec{MaxAttempts: 1, Timeout: 10 * time.Minute, UniqueWhilePending: true}, refreshStatistics(a.Store, a.Log)),
		jobs.AddWorker(e, &jobs.NoopWorker{Log: a.Log}),
		jobs.Register(e, mailSpec, sendMail(a.sender())),
		e.AddPeriodic(jobs.PeriodicCleanupUploads, jobs.Every(30*time.Minute), func() jobs.Args { return cleanupArgs{} }, false),
		e.AddPeriodic(jobs.PeriodicPurge, jobs.Every(time.Hour), func() jobs.Args { return purgeArgs{} }, true),
		e.AddPeriodic(jobs.PeriodicTrainDue, jobs.Every(5*time.Second), a.trainDueTick, true),
		e.AddPeriodic(jobs.PeriodicStatistics, jobs.Every(5*time.Second), a.statisticsTick, true),
		e.AddPeriodic(jobs.PeriodicAuditExport, jobs.DailyUTC(), func() jobs.Args { return auditExportArgs{} }, true),
	}
	add = append(add, a.registerMailJobs(e)...)
	return errors.Join(add...)
}
