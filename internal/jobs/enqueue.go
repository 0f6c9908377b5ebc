package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/store"
)

// EnqueueTx inserts a job in tx's transaction (tx is the Store given by
// Store.WithTx): the job exists only if the transaction commits. opts may be
// nil; set opts.UniqueOpts (for example river.UniqueOpts{ByArgs: true}) to
// skip a duplicate, reported by the result's UniqueSkippedAsDuplicate. It
// returns ErrNoTx outside a transaction.
func (e *Engine) EnqueueTx(ctx context.Context, tx *store.Store, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	if tx == nil || tx.Tx() == nil {
		return nil, ErrNoTx
	}
	res, err := e.inserter.InsertTx(ctx, tx.Tx(), args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}

// Enqueue inserts a job in its own transaction. On SQLite never call it
// while holding a transaction of the same Store (inside WithTx use
// EnqueueTx): the single writer connection would wait for itself.
func (e *Engine) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := e.inserter.Insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}
