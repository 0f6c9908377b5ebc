package cloud

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// spaceOf is the document's space (a row from before spaces names none:
// its owner's personal space, whose id is the owner's).
func spaceOf(d *model.Document) string {
	if d.SpaceID != "" {
		return d.SpaceID
	}
	return d.OwnerID
}

// target is where a space's documents should live: an account of the
// space's owner that takes documents, or nil for system storage. A personal
// space follows its user's setting, a shared space its own (set by its
// owner). st is the service's store or a transaction of it.
func target(ctx context.Context, st Store, spaceID string) (*model.CloudAccount, error) {
	sp, err := st.SpaceByID(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	return spaceTarget(ctx, st, sp)
}

// spaceTarget is target for a space already read.
func spaceTarget(ctx context.Context, st Store, sp *model.Space) (*model.CloudAccount, error) {
	if sp.StorageBackend == model.BackendSystem || sp.StorageBackend == "" {
		return nil, nil
	}
	acc, err := st.CloudAccount(ctx, sp.OwnerID, sp.StorageBackend)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if acc.Status == model.CloudDisconnecting {
		return nil, nil
	}
	return acc, nil
}

// Place moves one ready document to where its owner keeps documents: up to
// the chosen drive (folder DocuVault/, size verified with Stat, recorded as
// placed, and only then the system copy removed), or back into system
// storage. A document already there, not ready, trashed or gone is left
// alone. On failure the document stays safe in system storage with the
// reason in storage_error (state "pending" while retries remain, "failed"
// after the last, final attempt), the account's status says what went
// wrong, and the error is returned so the job is retried with backoff.
func (s *Service) Place(ctx context.Context, documentID string, final bool) error {
	d, err := s.store.DocumentForJob(ctx, documentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	acc, err := target(ctx, s.store, spaceOf(d))
	if err != nil {
		return err
	}
	want := model.BackendSystem
	if acc != nil {
		want = acc.ID
	}
	if d.StorageBackend == want {
		if want == model.BackendSystem && d.StorageState != model.StorageStored {
			return lifecycle.SetStorage(ctx, s.store, d, model.StorageStored, "")
		}
		return nil
	}
	if d.StorageBackend != model.BackendSystem {
		// On another drive (or the target is system storage): bring it back first.
		if err := s.bringBack(ctx, d); err != nil {
			return err
		}
		if d, err = s.store.DocumentForJob(ctx, documentID); err != nil {
			return err
		}
	}
	if acc == nil || d.Status != model.StatusReady || d.DeletedAt != nil {
		if d.StorageState != model.StorageStored && d.StorageBackend == model.BackendSystem {
			return lifecycle.SetStorage(ctx, s.store, d, model.StorageStored, "")
		}
		return nil
	}
	if err := s.upload(ctx, d, acc); err != nil {
		state := model.StoragePending
		if final {
			state = model.StorageFailed
		}
		s.noteDriveError(ctx, acc, err)
		if serr := lifecycle.SetStorage(context.WithoutCancel(ctx), s.store, d, state,
			"could not place in "+acc.DisplayName+": "+driveReason(err)); serr != nil && !errors.Is(serr, store.ErrNotFound) {
			return errors.Join(err, serr)
		}
		return fmt.Errorf("place document %s on account %s: %w", d.ID, acc.ID, err)
	}
	return nil
}

// upload copies the system original to acc, verifies it and records it.
func (s *Service) upload(ctx context.Context, d *model.Document, acc *model.CloudAccount) error {
	drv, err := s.openDrive(acc)
	if err != nil {
		return err
	}
	rc, _, err := s.blobs.Get(ctx, d.BlobKey, nil)
	if err != nil {
		return fmt.Errorf("read original: %w", err)
	}
	ref, err := drv.Put(ctx, DriveName(d), io.LimitReader(rc, d.SizeBytes), d.SizeBytes)
	rc.Close()
	if err != nil {
		return err
	}
	size, err := drv.Stat(ctx, ref)
	if err == nil && size != d.SizeBytes {
		err = fmt.Errorf("%w: the drive holds %d bytes of %d", ErrUnavailable, size, d.SizeBytes)
	}
	if err != nil {
		s.removeCopy(ctx, drv, ref)
		return err
	}
	ok, err := lifecycle.MarkPlaced(context.WithoutCancel(ctx), s.store, d, acc.ID, ref)
	if err != nil {
		s.removeCopy(ctx, drv, ref)
		return err
	}
	if !ok {
		// Purged, moved or the account is being disconnected meanwhile.
		s.removeCopy(ctx, drv, ref)
		return nil
	}
	if acc.Status != model.CloudOK {
		_ = s.store.SetCloudStatus(ctx, acc.OwnerID, acc.ID, model.CloudOK, "")
	}
	if err := s.blobs.Delete(context.WithoutCancel(ctx), d.BlobKey); err != nil {
		s.log.Warn("remove system copy of a placed document", "document", d.ID, "error", err)
	}
	return nil
}

func (s *Service) removeCopy(ctx context.Context, drv Drive, ref string) {
	if err := drv.Delete(context.WithoutCancel(ctx), ref); err != nil {
		s.log.Warn("remove cloud copy", "ref", ref, "error", err)
	}
}

// bringBack copies a placed document from its drive into system storage,
// verifies size and SHA-256, records it as stored, and only then removes
// the drive's copy.
func (s *Service) bringBack(ctx context.Context, d *model.Document) error {
	acc, err := s.store.CloudAccountForJob(ctx, d.StorageBackend)
	if err != nil {
		return fmt.Errorf("bring back document %s: account %s: %w", d.ID, d.StorageBackend, err)
	}
	drv, err := s.openDrive(acc)
	if err == nil {
		err = s.fetchOriginal(ctx, drv, d)
	}
	if err != nil {
		s.noteDriveError(ctx, acc, err)
		return fmt.Errorf("bring back document %s from account %s: %w", d.ID, acc.ID, err)
	}
	ok, err := lifecycle.MarkReturned(context.WithoutCancel(ctx), s.store, d)
	if err != nil {
		return err
	}
	if ok {
		s.removeCopy(ctx, drv, d.StorageRef)
	}
	return nil
}

func (s *Service) fetchOriginal(ctx context.Context, drv Drive, d *model.Document) error {
	rc, err := drv.Get(ctx, d.StorageRef)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	info, err := s.blobs.Put(ctx, d.BlobKey, io.TeeReader(io.LimitReader(rc, d.SizeBytes+1), h), -1, d.MIMEType)
	if err != nil {
		return fmt.Errorf("write system copy: %w", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); info.Size != d.SizeBytes || sum != d.SHA256 {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), d.BlobKey)
		return fmt.Errorf("the drive's copy differs from the original (%d bytes, sha256 %s)", info.Size, sum)
	}
	return nil
}

// MigrateUser queues placement of every processed document in the spaces
// the user owns that is not where its space keeps documents (in batches,
// each in one transaction); documents waiting in system storage show as
// "pending".
func (s *Service) MigrateUser(ctx context.Context, userID string) error {
	spaces, err := s.store.OwnedSpaces(ctx, userID)
	if err != nil {
		return err
	}
	for _, sp := range spaces {
		filters, err := moveFilters(ctx, s.store, sp)
		if err != nil {
			return err
		}
		for _, f := range filters {
			if err := s.queuePlacements(ctx, userID, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveFilters select the space's documents that are not where the space
// keeps documents.
func moveFilters(ctx context.Context, st Store, sp *model.Space) ([]store.StorageFilter, error) {
	acc, err := spaceTarget(ctx, st, sp)
	if err != nil {
		return nil, err
	}
	want := model.BackendSystem
	if acc != nil {
		want = acc.ID
	}
	filters := []store.StorageFilter{{SpaceID: sp.ID, NotBackend: want, ReadyOnly: true}}
	if want == model.BackendSystem {
		// Marked pending by Migrate for a drive chosen then and given up
		// since: their Place job records them as stored.
		filters = append(filters, store.StorageFilter{SpaceID: sp.ID, Backend: model.BackendSystem, States: []string{model.StoragePending}})
	}
	return filters, nil
}

// needsMove says whether a document of the space is not where the space
// keeps documents.
func needsMove(ctx context.Context, st Store, sp *model.Space) (bool, error) {
	filters, err := moveFilters(ctx, st, sp)
	if err != nil {
		return false, err
	}
	for _, f := range filters {
		ids, err := st.DocumentIDsByStorage(ctx, sp.OwnerID, f, "", 1)
		if err != nil || len(ids) > 0 {
			return len(ids) > 0, err
		}
	}
	return false, nil
}

// queuePlacements queues a Place job for each of the user's documents that
// f selects, in batches of 100, each in one transaction; documents in system
// storage show as "pending" meanwhile.
func (s *Service) queuePlacements(ctx context.Context, userID string, f store.StorageFilter) error {
	after := ""
	for {
		ids, err := s.store.DocumentIDsByStorage(ctx, userID, f, after, 100)
		if err != nil || len(ids) == 0 {
			return err
		}
		err = s.store.WithTx(ctx, func(tx *store.Store) error {
			for _, id := range ids {
				d, err := tx.DocumentForJob(ctx, id)
				if err != nil {
					return err
				}
				if d.StorageBackend == model.BackendSystem {
					if err := lifecycle.SetStorage(ctx, tx, d, model.StoragePending, ""); err != nil {
						return err
					}
				}
				if err := s.jobs.EnqueuePlace(ctx, tx, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// Drain brings every document of a disconnecting account back into system
// storage, then deletes the account. While a document cannot be brought
// back it stays where it is and Drain returns an error (retried).
func (s *Service) Drain(ctx context.Context, accountID string) error {
	acc, err := s.store.CloudAccountForJob(ctx, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if acc.Status != model.CloudDisconnecting {
		return nil
	}
	var errs []error
	after := ""
	for {
		ids, err := s.store.DocumentIDsByStorage(ctx, acc.OwnerID, store.StorageFilter{Backend: acc.ID, Trash: true}, after, 100)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			d, err := s.store.DocumentForJob(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err == nil && d.StorageBackend == acc.ID {
				err = s.bringBack(ctx, d)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		after = ids[len(ids)-1]
	}
	if len(errs) > 0 {
		return fmt.Errorf("cloud: %d documents are still on account %s: %w", len(errs), acc.ID, errors.Join(errs...))
	}
	// The account row goes only when no document is recorded there.
	if left, err := s.store.DocumentIDsByStorage(ctx, acc.OwnerID, store.StorageFilter{Backend: acc.ID, Trash: true}, "", 1); err != nil || len(left) > 0 {
		return errors.Join(err, fmt.Errorf("cloud: documents are still on account %s", acc.ID))
	}
	if err := s.store.DeleteCloudAccount(ctx, acc.OwnerID, acc.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// OpenRemote streams a placed document's original from its drive (it
// implements document.Remote). Failures are client-safe apperr errors; the
// account's status records them.
func (s *Service) OpenRemote(ctx context.Context, d *model.Document) (io.ReadCloser, error) {
	acc, err := s.store.CloudAccount(ctx, d.OwnerID, d.StorageBackend)
	if err != nil {
		return nil, fmt.Errorf("open placed document %s: %w", d.ID, err)
	}
	drv, err := s.openDrive(acc)
	var rc io.ReadCloser
	if err == nil {
		rc, err = drv.Get(ctx, d.StorageRef)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		s.noteDriveError(ctx, acc, err)
		if errors.Is(err, ErrNotFound) {
			return nil, apperr.Wrap(err, apperr.NotFound, "the file is no longer in your %s", acc.DisplayName)
		}
		return nil, apperr.Wrap(err, apperr.Unavailable, "could not read the document from %s: %s", acc.DisplayName, driveReason(err))
	}
	return rc, nil
}

// StatRemote returns the size of a placed document's file on its drive
// (integrity checks). Errors wrap ErrNotFound when the file or the account
// is gone, ErrUnauthorized or ErrUnavailable when the drive cannot be read;
// the account's status records drive failures.
func (s *Service) StatRemote(ctx context.Context, d *model.Document) (int64, error) {
	acc, err := s.store.CloudAccountForJob(ctx, d.StorageBackend)
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("stat placed document %s: account %s: %w", d.ID, d.StorageBackend, ErrNotFound)
	}
	if err != nil {
		return 0, err
	}
	drv, err := s.openDrive(acc)
	var size int64
	if err == nil {
		size, err = drv.Stat(ctx, d.StorageRef)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.noteDriveError(ctx, acc, err)
		}
		return 0, fmt.Errorf("stat placed document %s in %s: %w", d.ID, acc.DisplayName, err)
	}
	return size, nil
}

// RemoveRemote deletes a placed document's file from its drive (purge).
func (s *Service) RemoveRemote(ctx context.Context, d *model.Document) error {
	acc, err := s.store.CloudAccountForJob(ctx, d.StorageBackend)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	drv, err := s.openDrive(acc)
	if err != nil {
		return err
	}
	return drv.Delete(ctx, d.StorageRef)
}

// DriveName is the file name a document gets on a drive: its original name
// with a short id before the extension, so two documents of one name never
// replace each other ("invoice (0f3a9c1b2d4e).pdf").
func DriveName(d *model.Document) string {
	name := d.OriginalFilename
	if name == "" {
		name = "document"
	}
	ext := path.Ext(name)
	if len(ext) > 16 || strings.ContainsAny(ext, " /\\") {
		ext = ""
	}
	stem := strings.TrimSuffix(name, ext)
	short := strings.ReplaceAll(d.ID, "-", "")
	if len(short) > 12 {
		short = short[len(short)-12:]
	}
	if max := MaxNameBytes - len(ext) - len(short) - 3; len(stem) > max {
		stem = truncateUTF8(stem, max)
	}
	return stem + " (" + short + ")" + ext
}
