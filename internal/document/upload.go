package document

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Staged is a file whose bytes are durably in the blob store but which is
// not yet a document. Commit makes it one; Discard removes the bytes.
type Staged struct {
	OwnerID    string
	DocumentID string
	Filename   string
	MIMEType   string
	BlobKey    string
	Size       int64
	SHA256     string
}

// objectKey is {user_id}/{document_id}/{random uuid}{ext}: the human
// filename never appears in storage.
func objectKey(ownerID, docID, ext string) string {
	return ownerID + "/" + docID + "/" + uuid.NewString() + ext
}

// errTooLarge is the client-facing 413.
func (s *Service) errTooLarge() error {
	return apperr.New(apperr.TooLarge, "the file is larger than the limit of %d bytes", s.cfg.MaxUploadBytes)
}

// checkQuotaFor refuses early, before bytes are accepted, when adding size
// bytes and one document would exceed the owner's quota, counting what
// pending direct uploads reserve. Commit checks again, atomically.
func (s *Service) checkQuotaFor(ctx context.Context, a Actor, size int64) error {
	u, err := s.store.UserByID(ctx, a.owner())
	if err != nil {
		return err
	}
	if !fits(u, size) && u.PendingUploads > 0 {
		// Expired direct uploads reserve nothing: drop them and look again.
		if reaped, err := s.reapExpiredUploads(ctx, a.owner()); err != nil {
			return err
		} else if reaped {
			if u, err = s.store.UserByID(ctx, a.owner()); err != nil {
				return err
			}
		}
	}
	if !fits(u, size) {
		return s.quotaExceeded(ctx, a, u, size)
	}
	return nil
}

// fits reports whether size more bytes and one more document stay within
// u's quotas, counting what pending direct uploads reserve.
func fits(u *model.User, size int64) bool {
	return (u.QuotaBytes == 0 || u.UsedBytes+u.ReservedBytes+size <= u.QuotaBytes) &&
		(u.QuotaDocuments == 0 || u.DocumentCount+u.PendingUploads+1 <= u.QuotaDocuments)
}

func (s *Service) quotaExceeded(ctx context.Context, a Actor, u *model.User, size int64) error {
	if u == nil {
		var err error
		if u, err = s.store.UserByID(ctx, a.owner()); err != nil {
			return err
		}
	}
	if err := s.store.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: "quota.exceeded", TargetType: "user",
		TargetID: a.owner(), IP: a.IP, UserAgent: a.UserAgent, Details: map[string]any{
			"size_bytes": size, "used_bytes": u.UsedBytes, "quota_bytes": u.QuotaBytes,
			"document_count": u.DocumentCount, "quota_documents": u.QuotaDocuments,
			"reserved_bytes": u.ReservedBytes, "pending_uploads": u.PendingUploads}}); err != nil {
		s.log.Warn("audit quota.exceeded", "error", err)
	}
	return &apperr.Error{Kind: apperr.QuotaExceeded, Message: fmt.Sprintf(
		"this upload would exceed your quota (using %d of %d bytes, %d of %d documents, and %d bytes reserved by %d uploads not yet completed; 0 means unlimited)",
		u.UsedBytes, u.QuotaBytes, u.DocumentCount, u.QuotaDocuments, u.ReservedBytes, u.PendingUploads)}
}

// Stage streams one file into the blob store: the type is sniffed from the
// first bytes (415 before anything is stored), the size limit is enforced
// as bytes arrive (413), and the SHA-256 is computed on the way. sizeHint is
// the client's announced size, or -1.
func (s *Service) Stage(ctx context.Context, a Actor, filename string, r io.Reader, sizeHint int64) (*Staged, error) {
	filename = CleanFilename(filename)
	if sizeHint > s.cfg.MaxUploadBytes {
		return nil, s.errTooLarge()
	}
	if err := s.checkQuotaFor(ctx, a, max(sizeHint, 0)); err != nil {
		return nil, err
	}
	release, err := s.acquireUpload(a.UserID)
	if err != nil {
		return nil, err
	}
	defer release()
	mt, ext, all, err := sniff(r, filename)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "could not read the upload")
	}
	if mt == "" {
		return nil, apperr.New(apperr.Unsupported, "%q is not a supported document type (PDF, images, office documents, RTF, HTML, text, Markdown, CSV or email)", filename)
	}
	st := &Staged{OwnerID: a.owner(), DocumentID: store.NewID(), Filename: filename, MIMEType: mt}
	st.BlobKey = objectKey(a.owner(), st.DocumentID, ext)
	h := sha256.New()
	lr := &limitReader{r: all, left: s.cfg.MaxUploadBytes}
	info, err := s.blobs.Put(ctx, st.BlobKey, io.TeeReader(lr, h), -1, mt)
	if err != nil {
		_ = s.blobs.Delete(context.WithoutCancel(ctx), st.BlobKey)
		if errors.Is(err, errLimit) {
			return nil, s.errTooLarge()
		}
		return nil, fmt.Errorf("store upload: %w", err)
	}
	st.Size = info.Size
	st.SHA256 = hex.EncodeToString(h.Sum(nil))
	if st.Size == 0 {
		s.Discard(ctx, st)
		return nil, apperr.New(apperr.Invalid, "The file is empty.")
	}
	return st, nil
}

// Discard removes a staged file's bytes.
func (s *Service) Discard(ctx context.Context, st *Staged) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), st.BlobKey); err != nil {
		s.log.Warn("discard staged upload", "key", st.BlobKey, "error", err)
	}
}

// CommitOptions are the client's choices for a new document.
type CommitOptions struct {
	Title          string
	TopicIDs       []string
	AllowDuplicate bool
	// SourceKind and SourceDetail say where the document came from
	// (model.Document); "" is an upload.
	SourceKind   string
	SourceDetail string
	// Record, when set, runs in the document's transaction after the row
	// is inserted: the caller's record of the import commits with it or
	// not at all (mail intake records the message part it consumed).
	Record func(tx *store.Store, documentID string) error
}

// Commit turns a staged file into a document: one transaction charges the
// quota, inserts the row and its topics, writes the audit entry and queues
// processing. On any failure the staged bytes are removed.
func (s *Service) Commit(ctx context.Context, a Actor, st *Staged, o CommitOptions) (*model.Document, error) {
	d, err := s.commit(ctx, a, st, o, nil)
	if err != nil {
		s.Discard(ctx, st)
		return nil, err
	}
	return d, nil
}

func (s *Service) commit(ctx context.Context, a Actor, st *Staged, o CommitOptions, inTx func(tx *store.Store) error) (*model.Document, error) {
	title := strings.TrimSpace(o.Title)
	auto := title == ""
	if auto {
		title = TitleFromFilename(st.Filename)
	}
	if err := validTitle(title); err != nil {
		return nil, err
	}
	if !o.AllowDuplicate {
		existing, err := s.store.DocumentByHash(ctx, a.space(), st.SHA256)
		if err == nil {
			where := ""
			if existing.DeletedAt != nil {
				where = " (in the trash)"
			}
			return nil, &apperr.Error{Kind: apperr.Conflict,
				Message: fmt.Sprintf("you already have this file as %q%s; add ?allow_duplicate=true to keep a second copy", existing.Title, where),
				Extra:   map[string]any{"existing_id": existing.ID}}
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	d := &model.Document{ID: st.DocumentID, OwnerID: a.owner(), SpaceID: a.space(), CreatedBy: a.UserID, Title: title, TitleAuto: auto, OriginalFilename: st.Filename,
		MIMEType: st.MIMEType, SizeBytes: st.Size, SHA256: st.SHA256, BlobKey: st.BlobKey,
		SourceKind: o.SourceKind, SourceDetail: o.SourceDetail}
	insert := func(tx *store.Store) error {
		// inTx runs first: a direct upload's reservation it releases makes
		// room for the charge of the real size.
		if inTx != nil {
			if err := inTx(tx); err != nil {
				return err
			}
		}
		if err := tx.ChargeUsage(ctx, a.owner(), st.Size, 1); err != nil {
			return err
		}
		if err := tx.CreateDocument(ctx, d); err != nil {
			return err
		}
		if o.Record != nil {
			if err := o.Record(tx, d.ID); err != nil {
				return err
			}
		}
		if len(o.TopicIDs) > 0 {
			if err := tx.SetUserTopics(ctx, a.space(), d.ID, o.TopicIDs); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return apperr.Fields("unknown topic", map[string]string{"topic_ids": "one of the topics does not exist"})
				}
				return err
			}
		}
		if err := s.audit(ctx, tx, a, "document.create", d.ID, map[string]any{"size_bytes": d.SizeBytes, "mime_type": d.MIMEType}); err != nil {
			return err
		}
		return s.jobs.EnqueueProcess(ctx, tx, d.ID, false)
	}
	err := s.store.WithTx(ctx, insert)
	if errors.Is(err, store.ErrQuota) {
		// Expired direct uploads reserve nothing: drop them and try again.
		if reaped, rerr := s.reapExpiredUploads(ctx, a.owner()); rerr != nil {
			return nil, rerr
		} else if reaped {
			err = s.store.WithTx(ctx, insert)
		}
	}
	if errors.Is(err, store.ErrQuota) {
		return nil, s.quotaExceeded(ctx, a, nil, st.Size)
	}
	if err != nil {
		return nil, err
	}
	return s.store.Document(ctx, a.space(), d.ID)
}

func validTitle(title string) error {
	if len(title) > 500 {
		return apperr.Fields("The title is too long.", map[string]string{"title": "The title must be at most 500 bytes."})
	}
	if strings.ContainsFunc(title, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return apperr.Fields("The title cannot be used.", map[string]string{"title": "The title must not contain control characters."})
	}
	return nil
}

var errLimit = errors.New("document: size limit reached")

// limitReader fails with errLimit once more than left bytes were read.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errLimit
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, errLimit
	}
	return n, err
}
