package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// A document has two states: its status (is its text extracted?) and its
// storage state (where does its original live?). The values are the
// database's (store.Status*, store.Storage*); the moves between them are
// written down here, once, and every statement that changes either goes
// through the functions of this file, which refuse a move the table does
// not list (TestOnlyLifecycleChangesStates keeps it so).
//
//	status:   (upload) -> processing -> ready | failed
//	          ready | failed | processing -> processing   (reprocess)
//
//	storage:  stored -> pending -> placed -> stored        (place, bring back)
//	          pending | failed -> pending | failed | stored (retry, give up, target is system storage)
//	          stored -> placed | pending | failed           (a job that brought it back from another drive places it in the new one)
//
// "failed" storage is a placement that stopped retrying: the original is
// safe in system storage, like "pending", and a migration queues it again.

// Statuses lists every document status, first the one a new document gets.
var Statuses = []string{model.StatusProcessing, model.StatusReady, model.StatusFailed}

// StorageStates lists every storage state, first the one a new document gets.
var StorageStates = []string{model.StorageStored, model.StoragePending, model.StoragePlaced, model.StorageFailed}

// statusMoves is the table of allowed status changes.
var statusMoves = map[string][]string{
	// Extraction saved, or failed (a broken file, the timeout, the last
	// attempt); processing again: a reprocess asked for meanwhile.
	model.StatusProcessing: {model.StatusReady, model.StatusFailed, model.StatusProcessing},
	// Reprocess.
	model.StatusReady:  {model.StatusProcessing},
	model.StatusFailed: {model.StatusProcessing},
}

// storageMoves is the table of allowed storage state changes. Only
// "placed" is in a drive; the other states are in system storage.
var storageMoves = map[string][]string{
	model.StorageStored:  {model.StoragePending, model.StoragePlaced, model.StorageFailed},
	model.StoragePending: {model.StorageStored, model.StoragePending, model.StoragePlaced, model.StorageFailed},
	model.StorageFailed:  {model.StorageStored, model.StoragePending, model.StoragePlaced, model.StorageFailed},
	model.StoragePlaced:  {model.StorageStored},
}

// ErrMove is wrapped by the error of a state change the tables do not allow.
var ErrMove = errors.New("lifecycle: state change not allowed")

// CheckStatus returns nil when a document may go from status from to to,
// or an error wrapping ErrMove.
func CheckStatus(from, to string) error {
	if !slices.Contains(statusMoves[from], to) {
		return fmt.Errorf("%w: status %q -> %q", ErrMove, from, to)
	}
	return nil
}

// CheckStorage returns nil when a document's original may go from storage
// state from to to, or an error wrapping ErrMove.
func CheckStorage(from, to string) error {
	if !slices.Contains(storageMoves[from], to) {
		return fmt.Errorf("%w: storage %q -> %q", ErrMove, from, to)
	}
	return nil
}

// StatusWriter sets a document's status; *store.Store (or a transaction)
// implements it.
type StatusWriter interface {
	SetDocumentStatus(ctx context.Context, id, status, errText string) error
}

// StatusStore reads a document and sets its status; *store.Store implements
// it.
type StatusStore interface {
	StatusWriter
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
}

// SetStatus moves document d (as read by the caller) to status to with the
// error text errText ("" clears it). st may be a transaction.
func SetStatus(ctx context.Context, st StatusWriter, d *model.Document, to, errText string) error {
	if err := CheckStatus(d.Status, to); err != nil {
		return fmt.Errorf("document %s: %w", d.ID, err)
	}
	return st.SetDocumentStatus(ctx, d.ID, to, errText)
}

// FailByID marks the document failed with errText after its last attempt;
// a document that is gone is left alone (store.ErrNotFound).
func FailByID(ctx context.Context, st StatusStore, id, errText string) error {
	d, err := st.DocumentForJob(ctx, id)
	if err != nil {
		return err
	}
	return SetStatus(ctx, st, d, model.StatusFailed, errText)
}

// SaveExtraction stores what processing found and marks the processing
// document d ready, in tx.
func SaveExtraction(ctx context.Context, tx *store.Store, d *model.Document, x model.Extraction) error {
	if err := CheckStatus(d.Status, model.StatusReady); err != nil {
		return fmt.Errorf("document %s: %w", d.ID, err)
	}
	return tx.SaveExtraction(ctx, d.ID, x)
}

// Reprocess marks the documents (not in the trash) processing again, from
// whatever status they have.
func Reprocess(ctx context.Context, tx *store.Store, ids []string) error {
	for _, from := range Statuses {
		if err := CheckStatus(from, model.StatusProcessing); err != nil {
			return err
		}
	}
	return tx.SetDocumentsProcessing(ctx, ids)
}

// StorageWriter records where a document's original is; *store.Store (or
// a transaction) implements it.
type StorageWriter interface {
	SetDocumentPlacement(ctx context.Context, id, backend, state, ref, errText string) error
}

// PlacedWriter records a document's original as placed on a drive;
// *store.Store (or a transaction) implements it.
type PlacedWriter interface {
	MarkDocumentPlaced(ctx context.Context, id, accountID, ref string) (bool, error)
}

// ReturnedWriter records a placed document's original as back in system
// storage; *store.Store (or a transaction) implements it.
type ReturnedWriter interface {
	MarkDocumentReturned(ctx context.Context, id, accountID, ref string) (bool, error)
}

// SetStorage records that document d's original, in system storage after
// the change, is in state to, with the reason errText of a failed placement.
func SetStorage(ctx context.Context, st StorageWriter, d *model.Document, to, errText string) error {
	if err := CheckStorage(d.StorageState, to); err != nil {
		return fmt.Errorf("document %s: %w", d.ID, err)
	}
	if to == model.StoragePlaced {
		return fmt.Errorf("document %s: %w: placed needs its drive (MarkPlaced)", d.ID, ErrMove)
	}
	return st.SetDocumentPlacement(ctx, d.ID, model.BackendSystem, to, "", errText)
}

// MarkSpacePending marks the space's processed documents in system storage
// (stored or failed, not in the trash) as waiting to move to a drive.
func MarkSpacePending(ctx context.Context, tx *store.Store, spaceID string) error {
	for _, from := range []string{model.StorageStored, model.StorageFailed} {
		if err := CheckStorage(from, model.StoragePending); err != nil {
			return err
		}
	}
	return tx.MarkSystemDocumentsPending(ctx, spaceID)
}

// MarkPlaced records that document d's original now lives at ref on the
// cloud account, while the document is still in system storage and the
// account is not being disconnected; it returns false (and changes
// nothing) otherwise.
func MarkPlaced(ctx context.Context, st PlacedWriter, d *model.Document, accountID, ref string) (bool, error) {
	if err := CheckStorage(d.StorageState, model.StoragePlaced); err != nil {
		return false, fmt.Errorf("document %s: %w", d.ID, err)
	}
	return st.MarkDocumentPlaced(ctx, d.ID, accountID, ref)
}

// MarkReturned records that placed document d's original is back in system
// storage, while it is still recorded where d says; it returns false (and
// changes nothing) otherwise.
func MarkReturned(ctx context.Context, st ReturnedWriter, d *model.Document) (bool, error) {
	if err := CheckStorage(d.StorageState, model.StorageStored); err != nil {
		return false, fmt.Errorf("document %s: %w", d.ID, err)
	}
	return st.MarkDocumentReturned(ctx, d.ID, d.StorageBackend, d.StorageRef)
}
