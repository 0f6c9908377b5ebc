package document

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Ticket tells a client where to PUT the bytes of a direct upload.
type Ticket struct {
	UploadID   string
	DocumentID string
	Method     string
	URL        string
	Headers    map[string]string
	ExpiresAt  time.Time
}

// StartRequest is a client's announcement of a direct upload.
type StartRequest struct {
	Filename    string
	Title       string
	Size        int64
	ContentType string
	SHA256      string
	// BaseURL is where the client reached this server (scheme://host); the
	// signed upload URL uses it unless Config.BackendURL is set.
	BaseURL string
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// StartUpload checks the size, reserves it against the quota together with
// the upload's row (403 quota_exceeded; 429 rate_limited when the user
// already has Config.MaxPendingUploads pending) and returns where to PUT the
// bytes: a presigned object-store URL when the blob store can presign (the
// announced Content-Length is signed), else this server's own short-lived
// signed URL.
func (s *Service) StartUpload(ctx context.Context, a Actor, req StartRequest) (*Ticket, error) {
	fields := map[string]string{}
	name := CleanFilename(req.Filename)
	if strings.TrimSpace(req.Filename) == "" {
		fields["filename"] = "required"
	}
	if req.Size <= 0 {
		fields["size"] = "must be a positive number of bytes"
	}
	req.SHA256 = strings.ToLower(req.SHA256)
	if req.SHA256 != "" && !sha256Hex.MatchString(req.SHA256) {
		fields["sha256"] = "must be 64 hex digits"
	}
	if len(fields) > 0 {
		return nil, apperr.Fields("invalid upload", fields)
	}
	if err := validTitle(req.Title); err != nil {
		return nil, err
	}
	if req.Size > s.cfg.MaxUploadBytes {
		return nil, s.errTooLarge()
	}
	docID := store.NewID()
	// The real type is sniffed at completion; the key's extension comes from
	// the name only as a hint for people browsing the bucket.
	ext := strings.ToLower(path.Ext(name))
	if len(ext) > 8 || blob.ValidateKey("x"+ext) != nil {
		ext = ""
	}
	up := &model.Upload{OwnerID: a.owner(), SpaceID: a.space(), CreatedBy: a.UserID, DocumentID: docID, Filename: name, Title: strings.TrimSpace(req.Title),
		SizeBytes: req.Size, ContentType: req.ContentType, SHA256: req.SHA256,
		BlobKey: objectKey(a.owner(), docID, ext), ExpiresAt: time.Now().Add(s.cfg.UploadTTL)}
	err := s.store.CreateUpload(ctx, up, s.cfg.MaxPendingUploads)
	if errors.Is(err, store.ErrQuota) || errors.Is(err, store.ErrTooManyPending) {
		// Expired uploads reserve nothing: drop them and try once more.
		if reaped, rerr := s.reapExpiredUploads(ctx, a.owner()); rerr != nil {
			return nil, rerr
		} else if reaped {
			err = s.store.CreateUpload(ctx, up, s.cfg.MaxPendingUploads)
		}
	}
	switch {
	case errors.Is(err, store.ErrQuota):
		return nil, s.quotaExceeded(ctx, a, nil, req.Size)
	case errors.Is(err, store.ErrTooManyPending):
		return nil, s.tooManyPending(ctx, a)
	case err != nil:
		return nil, err
	}
	t := &Ticket{UploadID: up.ID, DocumentID: docID, Method: http.MethodPut, ExpiresAt: up.ExpiresAt,
		Headers: map[string]string{}}
	urlTTL := time.Until(up.ExpiresAt)
	if p, ok := s.blobs.(blob.Presigner); ok {
		u, hdr, err := p.PresignPut(ctx, up.BlobKey, up.SizeBytes, urlTTL)
		if err != nil {
			return nil, fmt.Errorf("presign upload: %w", err)
		}
		t.URL = u
		for k := range hdr {
			t.Headers[k] = hdr.Get(k)
		}
		return t, nil
	}
	exp := strconv.FormatInt(up.ExpiresAt.Unix(), 10)
	base := s.cfg.BackendURL
	if base == "" {
		base = strings.TrimRight(req.BaseURL, "/")
	}
	t.URL = base + "/api/uploads/" + url.PathEscape(up.ID) + "/content?expires=" + exp + "&sig=" + s.sign(up.ID, exp)
	return t, nil
}

// tooManyPending is the 429 for a user with Config.MaxPendingUploads
// uploads started and not completed; Retry-After is when the first expires.
func (s *Service) tooManyPending(ctx context.Context, a Actor) error {
	wait := s.cfg.UploadTTL
	if t, err := s.store.OldestPendingExpiry(ctx, a.owner()); err == nil {
		wait = time.Until(t)
	}
	return &apperr.Error{Kind: apperr.RateLimited, RetryAfter: max(wait, time.Second), Message: fmt.Sprintf(
		"you already have %d uploads started and not completed; complete them or wait for them to expire", s.cfg.MaxPendingUploads)}
}

func (s *Service) sign(uploadID, expires string) string {
	m := hmac.New(sha256.New, s.signKey)
	m.Write([]byte("PUT\n" + uploadID + "\n" + expires))
	return hex.EncodeToString(m.Sum(nil))
}

// PutContent receives the bytes of a direct upload on this server's own
// signed URL (local storage). The signature, expiry and declared size are
// checked before anything is stored: a body announced or found larger than
// the upload's size is 413 (reading stops one byte past it) and leaves
// nothing stored.
func (s *Service) PutContent(ctx context.Context, uploadID, expires, sig string, body io.Reader, contentLength int64) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(s.sign(uploadID, expires))) {
		return apperr.New(apperr.Forbidden, "the upload URL is not valid")
	}
	if time.Now().Unix() > exp {
		return apperr.New(apperr.Forbidden, "the upload URL has expired; start the upload again")
	}
	up, err := s.store.UploadByID(ctx, uploadID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.New(apperr.NotFound, "no such upload (it may have been completed or expired)")
	}
	if err != nil {
		return err
	}
	release, err := s.acquireUpload(up.OwnerID)
	if err != nil {
		return err
	}
	defer release()
	if contentLength > up.SizeBytes {
		return apperr.New(apperr.TooLarge, "the body has %d bytes but the upload announced %d", contentLength, up.SizeBytes)
	}
	if contentLength >= 0 && contentLength != up.SizeBytes {
		return apperr.New(apperr.Invalid, "the body has %d bytes but the upload announced %d", contentLength, up.SizeBytes)
	}
	if _, err := s.blobs.Put(ctx, up.BlobKey, &limitReader{r: body, left: up.SizeBytes}, up.SizeBytes, up.ContentType); err != nil {
		if errors.Is(err, errLimit) {
			return apperr.New(apperr.TooLarge, "the body is larger than the %d bytes announced", up.SizeBytes)
		}
		return apperr.Wrap(err, apperr.Invalid, "the upload did not arrive whole (%d bytes expected); PUT it again", up.SizeBytes)
	}
	return nil
}

// CompleteUpload checks the stored object against the announcement (size,
// and SHA-256 when given), sniffs its type, and commits it as a document.
func (s *Service) CompleteUpload(ctx context.Context, a Actor, uploadID string, allowDuplicate bool) (*model.Document, error) {
	up, err := s.store.Upload(ctx, a.UserID, uploadID)
	if err != nil {
		return nil, err
	}
	// The document goes to the space the upload was started for.
	a.SpaceID, a.SpaceOwner = up.SpaceID, up.OwnerID
	if time.Now().After(up.ExpiresAt) {
		// Its reservation is released on expiry, so it can no longer count.
		if _, err := s.removeUpload(ctx, up); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.NotFound, "the upload has expired; start it again")
	}
	info, err := s.blobs.Stat(ctx, up.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, apperr.New(apperr.Conflict, "no bytes were uploaded yet; PUT the file to the upload URL first")
	}
	if err != nil {
		return nil, err
	}
	if info.Size != up.SizeBytes {
		// A presigned PUT may have stored more than was reserved: remove it
		// now rather than at expiry. The upload stays, to be PUT again.
		if err := s.blobs.Delete(context.WithoutCancel(ctx), up.BlobKey); err != nil {
			s.log.Warn("remove mismatched upload object", "key", up.BlobKey, "error", err)
		}
		return nil, apperr.New(apperr.Conflict, "the stored object has %d bytes but %d were announced; PUT it again", info.Size, up.SizeBytes)
	}
	rc, _, err := s.blobs.Get(ctx, up.BlobKey, nil)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	mt, _, all, err := sniff(rc, up.Filename)
	if err == nil {
		_, err = io.Copy(h, all)
	}
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("read uploaded object: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if up.SHA256 != "" && sum != up.SHA256 {
		return nil, apperr.New(apperr.Conflict, "the stored object's SHA-256 is %s, not the %s announced; PUT it again", sum, up.SHA256)
	}
	if mt == "" {
		s.abandon(ctx, up)
		return nil, apperr.New(apperr.Unsupported, "%q is not a supported document type", up.Filename)
	}
	st := &Staged{OwnerID: up.OwnerID, DocumentID: up.DocumentID, Filename: up.Filename, MIMEType: mt, BlobKey: up.BlobKey,
		Size: info.Size, SHA256: sum}
	d, err := s.commit(ctx, a, st, CommitOptions{Title: up.Title, AllowDuplicate: allowDuplicate}, func(tx *store.Store) error {
		return tx.DeleteUpload(ctx, up.ID)
	})
	if err != nil {
		// A duplicate or a full quota can still be completed later (with
		// allow_duplicate, or after freeing space) until the upload expires.
		return nil, err
	}
	return d, nil
}

// abandon removes an upload that can never complete.
func (s *Service) abandon(ctx context.Context, up *model.Upload) {
	if _, err := s.removeUpload(context.WithoutCancel(ctx), up); err != nil {
		s.log.Warn("remove upload", "upload", up.ID, "error", err)
	}
}
