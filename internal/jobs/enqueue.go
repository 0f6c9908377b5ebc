package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river/rivertype"

	"github.com/docuvault/docuvault/internal/store"
)

// EnqueueTx inserts a job in tx's transaction (tx is the Store given by
// Store.WithTx): the job exists only if the transaction commits. It is
// queued as its kind's Spec says, adjusted by o (may be nil); a unique kind
// with an equal job pending reports Inserted.Duplicate. It returns ErrNoTx
// outside a transaction.
func (e *Engine) EnqueueTx(ctx context.Context, tx *store.Store, args Args, o *Opts) (Inserted, error) {
	if tx == nil || tx.Tx() == nil {
		return Inserted{}, ErrNoTx
	}
	res, err := e.inserter.InsertTx(ctx, tx.Tx(), args, e.insertOpts(args, o))
	return inserted(args, res, err)
}

// Enqueue inserts a job in its own transaction. On SQLite never call it
// while holding a transaction of the same Store (inside WithTx use
// EnqueueTx): the single writer connection would wait for itself.
func (e *Engine) Enqueue(ctx context.Context, args Args, o *Opts) (Inserted, error) {
	res, err := e.inserter.Insert(ctx, args, e.insertOpts(args, o))
	return inserted(args, res, err)
}

func inserted(args Args, res *rivertype.JobInsertResult, err error) (Inserted, error) {
	if err != nil {
		return Inserted{}, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return Inserted{ID: res.Job.ID, Duplicate: res.UniqueSkippedAsDuplicate}, nil
}
