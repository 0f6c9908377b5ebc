package document

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Update is a client's change to a document.
type Update struct {
	Title    *string
	TopicIDs *[]string
	Meta     MetaUpdate
}

// Update changes the title and/or the user-assigned topics.
func (s *Service) Update(ctx context.Context, a Actor, id string, up Update) (*model.Document, error) {
	if up.Title != nil {
		t := strings.TrimSpace(*up.Title)
		if t == "" {
			return nil, apperr.Fields("The title cannot be used.", map[string]string{"title": "The title must not be empty."})
		}
		if err := validTitle(t); err != nil {
			return nil, err
		}
		up.Title = &t
	}
	err := s.store.WithTx(ctx, func(tx *store.Store) error {
		d, err := tx.Document(ctx, a.space(), id)
		if err != nil {
			return err
		}
		if !up.Meta.empty() {
			space := documentSpace(d)
			if err := s.access(ctx, a.UserID, space, model.RoleEditor); err != nil {
				return err
			}
			if err := s.applyMeta(ctx, tx, a, space, []string{id}, up.Meta); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, a, "document.metadata", id, up.Meta.changed()); err != nil {
				return err
			}
		}
		if up.Title != nil {
			if err := tx.UpdateDocumentTitle(ctx, a.space(), id, *up.Title); err != nil {
				return err
			}
		}
		if up.TopicIDs != nil {
			if err := tx.SetUserTopics(ctx, a.space(), id, *up.TopicIDs); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return apperr.Fields("unknown topic", map[string]string{"topic_ids": "one of the topics does not exist"})
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Document(ctx, a.space(), id)
}

// Reprocess runs extraction and classification again.
func (s *Service) Reprocess(ctx context.Context, a Actor, id string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		d, err := tx.Document(ctx, a.space(), id)
		if err != nil {
			return err
		}
		if placed(d) {
			return apperr.New(apperr.Conflict, "this document lives in your cloud drive; choose system storage and migrate to reprocess it")
		}
		if err := lifecycle.SetStatus(ctx, tx, d, model.StatusProcessing, ""); err != nil {
			return err
		}
		return s.jobs.EnqueueProcess(ctx, tx, id, true)
	})
}

// Classify runs classification alone again.
func (s *Service) Classify(ctx context.Context, a Actor, id string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		d, err := tx.Document(ctx, a.space(), id)
		if err != nil {
			return err
		}
		if d.Status != model.StatusReady {
			return apperr.New(apperr.Conflict, "the document is %s; it can be classified once it is ready", d.Status)
		}
		return s.jobs.EnqueueClassify(ctx, tx, id)
	})
}

// Thumbnail opens the document's thumbnail PNG, or ErrNotFound while none exists.
func (s *Service) Thumbnail(ctx context.Context, ownerID, id string) (io.ReadCloser, int64, error) {
	d, err := s.store.Document(ctx, ownerID, id)
	if err != nil {
		return nil, 0, err
	}
	if d.ThumbnailKey == "" {
		return nil, 0, apperr.New(apperr.NotFound, "this document has no thumbnail yet")
	}
	rc, info, err := s.blobs.Get(ctx, d.ThumbnailKey, nil)
	if err != nil {
		return nil, 0, err
	}
	return rc, info.Size, nil
}

// Trash moves a document to the trash and revokes its share links, so that
// a restore does not bring them back.
func (s *Service) Trash(ctx context.Context, a Actor, id string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.TrashDocument(ctx, a.space(), id); err != nil {
			return err
		}
		if _, err := tx.RevokeDocumentLinks(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "document.delete", id, nil)
	})
}

// Restore takes a document out of the trash.
func (s *Service) Restore(ctx context.Context, a Actor, id string) (*model.Document, error) {
	err := s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.RestoreDocument(ctx, a.space(), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "document.restore", id, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Document(ctx, a.space(), id)
}

// Purge deletes a trashed document for good: the row (and its usage) in one
// transaction, then its blobs. A blob left behind by a crash is an orphan
// that SweepOrphans removes.
func (s *Service) Purge(ctx context.Context, a Actor, id string) error {
	d, err := s.store.TrashedDocument(ctx, a.space(), id)
	if err != nil {
		return err
	}
	return s.purge(ctx, a, d)
}

func (s *Service) purge(ctx context.Context, a Actor, d *model.Document) error {
	err := s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteDocumentRow(ctx, d); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "document.purge", d.ID, map[string]any{"size_bytes": d.SizeBytes})
	})
	if err != nil {
		return err
	}
	s.removeBlobs(ctx, d)
	return nil
}

func (s *Service) removeBlobs(ctx context.Context, d *model.Document) {
	ctx = context.WithoutCancel(ctx)
	if placed(d) && s.remote != nil {
		if err := s.remote.RemoveRemote(ctx, d); err != nil {
			s.log.Warn("remove the cloud copy of a purged document", "document", d.ID, "error", err)
		}
	}
	s.removeCachedPages(d.SHA256)
	for _, k := range []string{d.BlobKey, d.ThumbnailKey} {
		if k == "" {
			continue
		}
		if err := s.blobs.Delete(ctx, k); err != nil {
			s.log.Warn("remove blob; the orphan sweep will retry", "key", k, "error", err)
		}
	}
}

// Open returns a reader of the document's original bytes (rng nil = all).
func (s *Service) Open(ctx context.Context, spaceID, id string, rng *blob.Range) (io.ReadCloser, *model.Document, error) {
	d, err := s.store.Document(ctx, spaceID, id)
	if err != nil {
		return nil, nil, err
	}
	if placed(d) {
		rc, err := s.openPlaced(ctx, d, rng)
		if err != nil {
			return nil, nil, err
		}
		return rc, d, nil
	}
	rc, _, err := s.blobs.Get(ctx, d.BlobKey, rng)
	if err != nil {
		return nil, nil, fmt.Errorf("open document %s: %w", d.ID, err)
	}
	return rc, d, nil
}

// PresignDownload returns a short-lived direct URL when the blob store can
// presign, or "" when it cannot.
func (s *Service) PresignDownload(ctx context.Context, d *model.Document, ttl time.Duration) (string, error) {
	p, ok := s.blobs.(blob.Presigner)
	if !ok || placed(d) {
		return "", nil
	}
	return p.PresignGet(ctx, d.BlobKey, min(ttl, time.Minute), d.OriginalFilename)
}

// RemoveUserData deletes every blob of a user about to be deleted; the
// database rows go with the user row by cascade.
func (s *Service) RemoveUserData(ctx context.Context, userID string) error {
	return s.store.OwnerDocuments(ctx, userID, func(d *model.Document) error {
		s.removeBlobs(ctx, d)
		return nil
	})
}

// CleanupAbandonedUploads removes direct uploads that were never completed
// and have expired: their rows (releasing their quota reservations) and
// objects. It returns how many it removed.
func (s *Service) CleanupAbandonedUploads(ctx context.Context) (int, error) {
	n := 0
	for {
		ups, err := s.store.ExpiredUploads(ctx, time.Now(), 100)
		if err != nil {
			return n, err
		}
		if len(ups) == 0 {
			return n, nil
		}
		for _, up := range ups {
			removed, err := s.removeUpload(ctx, up)
			if err != nil {
				return n, err
			}
			if removed {
				n++
			}
		}
	}
}

// reapExpiredUploads removes the owner's expired uploads, so their
// reservations stop counting before the cleanup job comes by. It reports
// whether it removed any.
func (s *Service) reapExpiredUploads(ctx context.Context, ownerID string) (bool, error) {
	ups, err := s.store.ExpiredUploadsOf(ctx, ownerID, time.Now(), 100)
	if err != nil {
		return false, err
	}
	reaped := false
	for _, up := range ups {
		removed, err := s.removeUpload(ctx, up)
		if err != nil {
			return reaped, err
		}
		reaped = reaped || removed
	}
	return reaped, nil
}

// removeUpload deletes an upload's row, releasing its reservation, and then
// its object. The row goes first: if a completion took the row meanwhile,
// the object is the new document's and stays. An object left behind by a
// failed delete is the orphan sweep's.
func (s *Service) removeUpload(ctx context.Context, up *model.Upload) (bool, error) {
	if err := s.store.DeleteUpload(ctx, up.ID); errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if err := s.blobs.Delete(context.WithoutCancel(ctx), up.BlobKey); err != nil {
		s.log.Warn("remove abandoned upload object", "key", up.BlobKey, "error", err)
	}
	return true, nil
}

// SweepOrphans removes blobs under user prefixes that belong to no document
// and no pending upload and are older than the grace period (a crash between
// writing a blob and committing its row leaves such a blob). It returns the
// keys it removed.
func (s *Service) SweepOrphans(ctx context.Context) ([]string, error) {
	cutoff := time.Now().Add(-s.cfg.OrphanGrace)
	var orphans []string
	err := s.blobs.List(ctx, "", func(info blob.Info) error {
		if strings.HasPrefix(info.Key, "audit/") || info.ModTime.After(cutoff) {
			return nil
		}
		known, err := s.store.BlobKeyKnown(ctx, info.Key)
		if err != nil || known {
			return err
		}
		pending, err := s.store.IsPendingUploadKey(ctx, info.Key)
		if err != nil || pending {
			return err
		}
		orphans = append(orphans, info.Key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range orphans {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return nil, err
		}
		s.log.Info("removed orphan blob", "key", k)
	}
	return orphans, nil
}

// PurgeExpiredTrash purges documents that stayed in the trash longer than
// the retention.
func (s *Service) PurgeExpiredTrash(ctx context.Context) (int, error) {
	n := 0
	for {
		docs, err := s.store.ExpiredTrash(ctx, time.Now().Add(-s.cfg.TrashRetention), 100)
		if err != nil || len(docs) == 0 {
			return n, err
		}
		for _, d := range docs {
			if err := s.purge(ctx, Actor{UserID: d.OwnerID, UserAgent: "trash retention"}, d); err != nil && !errors.Is(err, store.ErrNotFound) {
				return n, err
			}
			n++
		}
	}
}
