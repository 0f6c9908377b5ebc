// Package share is DocuVault's share links: a secret URL that lets anyone
// holding it download one document's current file, optionally behind a
// password, until it expires, runs out of downloads, is revoked or its
// document goes to the trash. Only the SHA-256 of the token is stored; the
// password is hashed like an account's (Argon2id) and its guesses are rate
// limited per link and client address.
package share

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Passwords hashes and checks link passwords; the accounts service
// implements it with its Argon2id hasher and rate limits.
type Passwords interface {
	HashLinkPassword(ctx context.Context, password string) (string, error)
	CheckLinkPassword(ctx context.Context, linkID, ip, password, encoded string) error
}

// Opener reads a document's current bytes; the documents service
// implements it.
type Opener interface {
	Open(ctx context.Context, spaceID, id string, rng *blob.Range) (io.ReadCloser, *model.Document, error)
}

// Store is the part of *store.Store the Service uses outside its
// transactions (inside them it works on the transaction's *store.Store).
type Store interface {
	// Documents and access.
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
	SpaceRoleOf(ctx context.Context, spaceID, userID string) (model.SpaceRole, error)

	// Share links.
	ShareLink(ctx context.Context, id string) (*model.ShareLink, error)
	ShareLinks(ctx context.Context, documentID string, p store.Page) ([]*model.ShareLink, string, error)
	ShareLinkByToken(ctx context.Context, tokenHash string, at time.Time) (*model.ShareLink, error)
	ReserveShareDownload(ctx context.Context, id string, at time.Time) error
	ReleaseShareDownload(ctx context.Context, id string) error

	// Audit and transactions.
	AppendAudit(ctx context.Context, e *model.AuditEntry) error
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// Config configures the Service.
type Config struct {
	FrontendURL string // the links are {FrontendURL}/s/{token}
}

// Service creates, lists, revokes and serves share links.
type Service struct {
	st        Store
	docs      Opener
	passwords Passwords
	log       *slog.Logger
	base      string
	now       func() time.Time
}

// New builds the Service.
func New(st Store, docs Opener, passwords Passwords, log *slog.Logger, cfg Config) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := strings.TrimRight(cfg.FrontendURL, "/")
	if base == "" {
		base = "http://localhost:8080"
	}
	return &Service{st: st, docs: docs, passwords: passwords, log: log, base: base, now: time.Now}
}

// ErrGone is the one answer for a link that is unknown, revoked, expired,
// used up or whose document is in the trash: callers cannot tell which.
var ErrGone = apperr.New(apperr.NotFound, "This link does not exist or no longer works.")

// tokenBytes is the token's entropy: 256 bits, 43 URL-safe characters.
const tokenBytes = 32

func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("share: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is the stored form of a link token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// wellFormed reports whether token could be one of ours, to skip the
// database for anything else.
func wellFormed(token string) bool {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

// URL is the secret address of a token.
func (s *Service) URL(token string) string { return s.base + "/s/" + token }

// linkAccess is the one check behind creating, listing and revoking a
// document's links: editor or above in the document's space. A document in
// a space the caller is not a member of (or in the trash) answers like a
// missing one (404); a viewer gets 403.
func (s *Service) linkAccess(ctx context.Context, a document.Actor, documentID string) (*model.Document, error) {
	d, err := s.st.DocumentForJob(ctx, documentID)
	if err != nil {
		return nil, err
	}
	if d.DeletedAt != nil {
		return nil, fmt.Errorf("document: %w", store.ErrNotFound)
	}
	if _, err := document.Authorize(ctx, s.st, a.UserID, d.SpaceID, model.RoleEditor); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("document: %w", store.ErrNotFound)
		}
		return nil, err
	}
	return d, nil
}

// CreateInput is a new link's settings.
type CreateInput struct {
	ExpiresAt    *time.Time
	Password     *string // nil or "": no password
	MaxDownloads *int
}

// Create makes a link to the document and returns it with its secret URL,
// which is never available again.
func (s *Service) Create(ctx context.Context, a document.Actor, documentID string, in CreateInput) (*model.ShareLink, string, error) {
	fields := map[string]string{}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		fields["expires_at"] = "The expiry must be in the future."
	}
	if in.MaxDownloads != nil && *in.MaxDownloads < 1 {
		fields["max_downloads"] = "The download limit must be at least 1."
	}
	if in.MaxDownloads != nil && *in.MaxDownloads > 1_000_000 {
		fields["max_downloads"] = "The download limit must be at most 1000000."
	}
	if len(fields) > 0 {
		return nil, "", apperr.Fields("The link cannot be created.", fields)
	}
	d, err := s.linkAccess(ctx, a, documentID)
	if err != nil {
		return nil, "", err
	}
	var hash string
	if in.Password != nil && *in.Password != "" {
		var err error
		if hash, err = s.passwords.HashLinkPassword(ctx, *in.Password); err != nil {
			return nil, "", err
		}
	}
	token, err := newToken()
	if err != nil {
		return nil, "", err
	}
	l := &model.ShareLink{DocumentID: documentID, TokenHash: HashToken(token), PasswordHash: hash,
		ExpiresAt: in.ExpiresAt, MaxDownloads: in.MaxDownloads, CreatedBy: a.UserID}
	err = s.st.WithTx(ctx, func(tx *store.Store) error {
		// Checked again inside: the document may have gone to the trash meanwhile.
		if _, err := tx.Document(ctx, d.SpaceID, documentID); err != nil {
			return err
		}
		if err := tx.CreateShareLink(ctx, l); err != nil {
			return err
		}
		details := map[string]any{"document_id": documentID, "has_password": hash != ""}
		if l.ExpiresAt != nil {
			details["expires_at"] = l.ExpiresAt.UTC().Format(time.RFC3339)
		}
		if l.MaxDownloads != nil {
			details["max_downloads"] = *l.MaxDownloads
		}
		return s.audit(ctx, tx, a.UserID, a.IP, a.UserAgent, "link.create", l.ID, details)
	})
	if err != nil {
		return nil, "", err
	}
	got, err := s.st.ShareLink(ctx, l.ID)
	if err != nil {
		return nil, "", err
	}
	return got, s.URL(token), nil
}

// List pages through the document's links (not revoked ones), without
// their secrets.
func (s *Service) List(ctx context.Context, a document.Actor, documentID string, p store.Page) ([]*model.ShareLink, string, error) {
	if _, err := s.linkAccess(ctx, a, documentID); err != nil {
		return nil, "", err
	}
	return s.st.ShareLinks(ctx, documentID, p)
}

// Revoke ends a link at once. A link of a document the caller may not
// manage answers like an unknown one (404).
func (s *Service) Revoke(ctx context.Context, a document.Actor, linkID string) error {
	l, err := s.st.ShareLink(ctx, linkID)
	if err != nil {
		return err
	}
	if _, err := s.linkAccess(ctx, a, l.DocumentID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("share: revoke: %w", store.ErrNotFound)
		}
		return err
	}
	return s.st.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.RevokeShareLink(ctx, linkID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a.UserID, a.IP, a.UserAgent, "link.revoke", linkID, map[string]any{"document_id": l.DocumentID})
	})
}

// Resolve returns the working link of a token with its file's name and
// size, or ErrGone.
func (s *Service) Resolve(ctx context.Context, token string) (*model.ShareLink, error) {
	if !wellFormed(token) {
		return nil, ErrGone
	}
	l, err := s.st.ShareLinkByToken(ctx, HashToken(token), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrGone
	}
	return l, err
}

// Client is the anonymous downloader.
type Client struct {
	IP        string
	UserAgent string
}

// Authorize resolves the token and checks the password when the link has
// one (unauthorized when wrong or missing, rate_limited after too many
// failures from this link and address).
func (s *Service) Authorize(ctx context.Context, token, password string, c Client) (*model.ShareLink, error) {
	l, err := s.Resolve(ctx, token)
	if err != nil {
		return nil, err
	}
	if l.PasswordHash != "" {
		if err := s.passwords.CheckLinkPassword(ctx, l.ID, c.IP, password, l.PasswordHash); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Transfer is one download under way: its reader and the file's facts.
// The download is counted from Start; Finish gives it back unless the
// whole file was sent.
type Transfer struct {
	Body     io.ReadCloser
	Filename string
	MIMEType string
	Size     int64
	SHA256   string

	s    *Service
	link *model.ShareLink
	c    Client
	done bool
}

// Start counts one download of an authorized link (atomically: a link with
// one download left gives it to one request only) and opens the document's
// current bytes. ErrGone when the link stopped working meanwhile.
func (s *Service) Start(ctx context.Context, l *model.ShareLink, c Client) (*Transfer, error) {
	if err := s.st.ReserveShareDownload(ctx, l.ID, s.now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrGone
		}
		return nil, err
	}
	rc, d, err := s.docs.Open(ctx, l.DocumentSpace, l.DocumentID, nil)
	if err != nil {
		s.release(ctx, l.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrGone
		}
		return nil, err
	}
	return &Transfer{Body: rc, Filename: d.OriginalFilename, MIMEType: d.MIMEType, Size: d.SizeBytes, SHA256: d.SHA256,
		s: s, link: l, c: c}, nil
}

// Finish closes the reader; a complete transfer is audited as
// link.download, an incomplete one gives its download back.
func (t *Transfer) Finish(ctx context.Context, sent int64, err error) {
	if t.done {
		return
	}
	t.done = true
	_ = t.Body.Close()
	ctx = context.WithoutCancel(ctx)
	if err != nil || sent != t.Size {
		t.s.release(ctx, t.link.ID)
		return
	}
	if err := t.s.audit(ctx, t.s.st, "", t.c.IP, t.c.UserAgent, "link.download", t.link.ID,
		map[string]any{"document_id": t.link.DocumentID, "size_bytes": t.Size}); err != nil {
		t.s.log.ErrorContext(ctx, "audit write failed", slog.String("action", "link.download"), slog.Any("error", err))
	}
}

func (s *Service) release(ctx context.Context, linkID string) {
	if err := s.st.ReleaseShareDownload(context.WithoutCancel(ctx), linkID); err != nil {
		s.log.WarnContext(ctx, "share download not given back", slog.String("link", linkID), slog.Any("error", err))
	}
}

func (s *Service) audit(ctx context.Context, st Store, actor, ip, ua, action, linkID string, details map[string]any) error {
	return st.AppendAudit(ctx, &model.AuditEntry{ActorID: actor, Action: action, TargetType: "link", TargetID: linkID,
		IP: ip, UserAgent: ua, Details: details})
}
