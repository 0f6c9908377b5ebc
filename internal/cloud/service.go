package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Jobs queues the service's background work in the caller's transaction.
// lifecycle.Lifecycle implements it on the job engine, and runs the jobs
// with Place, MigrateUser and Drain.
type Jobs interface {
	EnqueuePlace(ctx context.Context, tx *store.Store, documentID string) error
	EnqueueMigrate(ctx context.Context, tx *store.Store, userID string) error
	EnqueueDrain(ctx context.Context, tx *store.Store, accountID string) error
}

// Store is the part of *store.Store the Service uses outside its
// transactions (inside them it works on the transaction's *store.Store).
type Store interface {
	// Cloud accounts.
	CloudAccount(ctx context.Context, ownerID, id string) (*model.CloudAccount, error)
	CloudAccountForJob(ctx context.Context, id string) (*model.CloudAccount, error)
	ListCloudAccounts(ctx context.Context, ownerID string) ([]*model.CloudAccount, error)
	SetCloudCredentials(ctx context.Context, ownerID, id string, sealed []byte) error
	SetCloudStatus(ctx context.Context, ownerID, id, status, errText string) error
	DeleteCloudAccount(ctx context.Context, ownerID, id string) error

	// OAuth flows.
	CreateOAuthState(ctx context.Context, o *store.OAuthState) error
	TakeOAuthState(ctx context.Context, state string, t time.Time) (*store.OAuthState, error)

	// Users and spaces.
	UserByID(ctx context.Context, id string) (*model.User, error)
	SpaceByID(ctx context.Context, id string) (*model.Space, error)
	OwnedSpaces(ctx context.Context, userID string) ([]*model.Space, error)

	// Documents and where their originals are.
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
	DocumentIDsByStorage(ctx context.Context, ownerID string, f store.StorageFilter, afterID string, limit int) ([]string, error)
	CountDocumentsByStorage(ctx context.Context, ownerID string) ([]store.StorageCount, error)
	SetDocumentPlacement(ctx context.Context, id, backend, state, ref, errText string) error
	MarkDocumentPlaced(ctx context.Context, id, accountID, ref string) (bool, error)
	MarkDocumentReturned(ctx context.Context, id, accountID, ref string) (bool, error)

	// Transactions.
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// ServiceConfig configures the Service.
type ServiceConfig struct {
	// FrontendURL is where OAuth callbacks send the browser back
	// ({FrontendURL}/settings?cloud=...).
	FrontendURL string
	// OAuth holds the flow configuration of each configured OAuth
	// provider by kind (OAuthConfigs); a provider missing here is not
	// available on this server.
	OAuth map[string]*oauth2.Config
	// ProviderClient makes token and API calls to the OAuth providers
	// (fixed, trusted hosts; nil: http.DefaultClient).
	ProviderClient *http.Client
	// APIURLs and ChunkSizes replace a provider's API root and upload
	// chunk size, by kind (tests).
	APIURLs    map[string]string
	ChunkSizes map[string]int
	// StateTTL bounds an OAuth flow; default 10 minutes.
	StateTTL time.Duration
	// OpTimeout bounds one test or connect call to a drive; default 30s.
	OpTimeout time.Duration
}

// Service connects users' cloud drives and keeps their documents there:
// accounts, OAuth flows, the storage setting, placement, migration and
// disconnection. It implements document.Remote for downloads.
type Service struct {
	store  Store
	blobs  blob.Store
	sealer *seal.Sealer
	guard  *ssrf.Guard
	rt     http.RoundTripper // the guard's transport, shared by WebDAV drives
	jobs   Jobs
	log    *slog.Logger
	cfg    ServiceConfig
}

// NewService builds the service. guard checks every user-supplied server
// URL (CLOUD_ALLOWED_HOSTS); sealer seals credentials (CLOUD_CREDS_KEY).
func NewService(st Store, blobs blob.Store, sealer *seal.Sealer, guard *ssrf.Guard, jobs Jobs, log *slog.Logger, cfg ServiceConfig) (*Service, error) {
	if st == nil || blobs == nil || sealer == nil || guard == nil || jobs == nil {
		return nil, errors.New("cloud: NewService needs a store, a blob store, a sealer, a guard and a job queue")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.StateTTL <= 0 {
		cfg.StateTTL = 10 * time.Minute
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = 30 * time.Second
	}
	for kind := range cfg.OAuth {
		if k, ok := LookupKind(kind); !ok || k.OpenToken == nil {
			return nil, fmt.Errorf("cloud: %q is not an OAuth provider", kind)
		}
	}
	cfg.FrontendURL = strings.TrimSuffix(cfg.FrontendURL, "/")
	return &Service{store: st, blobs: blobs, sealer: sealer, guard: guard, rt: guard.Transport(), jobs: jobs, log: log, cfg: cfg}, nil
}

// Actor is who acts, for the audit log.
type Actor struct {
	UserID    string
	IP        string
	UserAgent string
}

func (s *Service) audit(ctx context.Context, tx *store.Store, a Actor, action, accountID string, details map[string]any) error {
	return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: action, TargetType: "cloud_account",
		TargetID: accountID, IP: a.IP, UserAgent: a.UserAgent, Details: details})
}

// Accounts lists the user's accounts. Credentials stay sealed in the
// returned rows; callers must not send them anywhere.
func (s *Service) Accounts(ctx context.Context, userID string) ([]*model.CloudAccount, error) {
	return s.store.ListCloudAccounts(ctx, userID)
}

// WebDAVInput is what a user enters to connect a WebDAV or Nextcloud folder.
type WebDAVInput struct {
	ServerURL   string
	Username    string
	Password    string
	DisplayName string
}

// ConnectWebDAV connects an account of a password kind (WebDAV,
// Nextcloud): the URL passes the SSRF guard before any request
// (422 invalid_input saying why otherwise), the credentials are tested
// against the server, then sealed and stored, and cloud.connect audited.
func (s *Service) ConnectWebDAV(ctx context.Context, a Actor, kind string, in WebDAVInput) (*model.CloudAccount, error) {
	creds, err := s.checkDAV(ctx, kind, &in)
	if err != nil {
		return nil, err
	}
	if in.DisplayName == "" {
		in.DisplayName = defaultDisplayName(kind, in.ServerURL, in.Username)
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	acc := &model.CloudAccount{ID: store.NewID(), OwnerID: a.UserID, Kind: kind, DisplayName: in.DisplayName}
	if acc.Credentials, err = s.sealer.Seal(a.UserID, seal.PurposeCloudCreds, acc.ID, plain); err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := createAccount(ctx, tx, acc); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "cloud.connect", acc.ID, map[string]any{"kind": kind})
	})
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// createAccount stores a new account. Its kind must be in Kinds: the
// database does not check it, so the list of kinds lives in Go only.
func createAccount(ctx context.Context, tx *store.Store, acc *model.CloudAccount) error {
	if _, ok := LookupKind(acc.Kind); !ok {
		return fmt.Errorf("cloud: unknown account kind %q", acc.Kind)
	}
	return tx.CreateCloudAccount(ctx, acc)
}

// checkDAV validates a WebDAV or Nextcloud input (trimmed in place), passes
// its URL through the SSRF guard and tests the credentials against the
// server; errors are client errors that say why.
func (s *Service) checkDAV(ctx context.Context, kind string, in *WebDAVInput) (WebDAVCredentials, error) {
	in.ServerURL = strings.TrimSpace(in.ServerURL)
	in.Username = strings.TrimSpace(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	fields := map[string]string{}
	for name, v := range map[string]string{"server_url": in.ServerURL, "username": in.Username, "password": in.Password} {
		switch {
		case v == "":
			fields[name] = "is required"
		case len(v) > 2048 || !utf8.ValidString(v):
			fields[name] = "is too long or not valid text"
		}
	}
	if len(in.DisplayName) > 100 || !utf8.ValidString(in.DisplayName) {
		fields["display_name"] = "must be at most 100 characters"
	}
	if len(fields) > 0 {
		return WebDAVCredentials{}, apperr.Fields("invalid cloud account", fields)
	}
	creds := WebDAVCredentials{ServerURL: in.ServerURL, Username: in.Username, Password: in.Password}
	d, err := s.newDAV(kind, creds)
	if err != nil {
		return WebDAVCredentials{}, err
	}
	tctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
	defer cancel()
	if err := d.Test(tctx); err != nil {
		return WebDAVCredentials{}, connectError(err)
	}
	return creds, nil
}

// ReconnectWebDAV replaces the credentials of the user's WebDAV or
// Nextcloud account (a changed password, an app password revoked, a moved
// server): the new server URL, user name and password are all required, so
// stored secrets are never sent to a new URL; they pass the SSRF guard and
// are tested against the server before they are sealed and stored, and the
// account's status is ok again. The drive must still hold the files placed
// there (it is the same drive, reached anew). cloud.connect is audited.
// Another user's account is ErrNotFound; an OAuth account is 422.
func (s *Service) ReconnectWebDAV(ctx context.Context, a Actor, id string, in WebDAVInput) (*model.CloudAccount, error) {
	acc, err := s.store.CloudAccount(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if k, ok := LookupKind(acc.Kind); !ok || k.OpenPassword == nil {
		return nil, apperr.Fields("this account is reconnected through its provider's sign-in",
			map[string]string{"kind": "is " + acc.Kind + ", not " + passwordKinds()})
	}
	if acc.Status == model.CloudDisconnecting {
		return nil, apperr.New(apperr.Conflict, "this cloud account is being disconnected")
	}
	creds, err := s.checkDAV(ctx, acc.Kind, &in)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealer.Seal(a.UserID, seal.PurposeCloudCreds, acc.ID, plain)
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.SetCloudCredentials(ctx, a.UserID, acc.ID, sealed); err != nil {
			return err
		}
		if in.DisplayName != "" && in.DisplayName != acc.DisplayName {
			if err := tx.RenameCloudAccount(ctx, a.UserID, acc.ID, in.DisplayName); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, "cloud.connect", acc.ID, map[string]any{"kind": acc.Kind, "reconnect": true})
	})
	if err != nil {
		return nil, err
	}
	return s.store.CloudAccount(ctx, a.UserID, acc.ID)
}

// newDAV builds the drive of a password kind after the SSRF check; a
// refused URL is 422 invalid_input with the guard's reason.
func (s *Service) newDAV(kind string, creds WebDAVCredentials) (Drive, error) {
	k, ok := LookupKind(kind)
	if !ok || k.OpenPassword == nil {
		return nil, apperr.New(apperr.NotFound, "unknown cloud drive kind %q", kind)
	}
	d, err := k.OpenPassword(DriveEnv{Guard: s.guard, RT: s.rt}, creds)
	if err != nil {
		return nil, connectError(err)
	}
	return d, nil
}

// connectError turns a failed connect into a client error that says why.
func connectError(err error) error {
	switch {
	case errors.Is(err, ssrf.ErrForbiddenAddress):
		return &apperr.Error{Kind: apperr.Invalid, Status: http.StatusUnprocessableEntity, Err: err,
			Message: "this server address is not allowed: " + ssrfReason(err),
			Fields:  map[string]string{"server_url": ssrfReason(err)}}
	case errors.Is(err, ErrBadName):
		return &apperr.Error{Kind: apperr.Invalid, Status: http.StatusUnprocessableEntity, Err: err,
			Message: "the server URL or user name is not usable", Fields: map[string]string{"server_url": "is not usable"}}
	case errors.Is(err, ErrUnauthorized):
		return &apperr.Error{Kind: apperr.Invalid, Status: http.StatusUnprocessableEntity, Err: err,
			Message: "the server refused this user name and password", Fields: map[string]string{"password": "was refused by the server"}}
	case errors.Is(err, context.Canceled):
		return err
	}
	return &apperr.Error{Kind: apperr.Invalid, Status: http.StatusUnprocessableEntity, Err: err,
		Message: "could not use the server: " + driveReason(err), Fields: map[string]string{"server_url": "did not answer as a WebDAV server"}}
}

// ssrfReason is the guard's own explanation, without package prefixes.
func ssrfReason(err error) string {
	var ae *ssrf.AddrError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "forbidden URL: "); i >= 0 {
		return msg[i+len("forbidden URL: "):]
	}
	return strings.TrimPrefix(msg, "cloud: server URL: ")
}

// driveReason is a short, secret-free explanation of a drive failure.
func driveReason(err error) string {
	switch {
	case errors.Is(err, ssrf.ErrForbiddenAddress):
		return "the server address is not allowed: " + ssrfReason(err)
	case errors.Is(err, ErrUnauthorized):
		return "the drive refused DocuVault's credentials; reconnect the account"
	case errors.Is(err, ErrNotFound):
		return "the file or folder was not found on the drive"
	case errors.Is(err, ErrUnavailable):
		return "the drive could not be reached or answered with an error; DocuVault will retry"
	case errors.Is(err, context.DeadlineExceeded):
		return "the drive took too long to answer"
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return msg
}

func defaultDisplayName(kind, serverURL, user string) string {
	host := serverURL
	if u, err := url.Parse(serverURL); err == nil && u.Host != "" {
		host = u.Host
	}
	name := user + "@" + host
	if k, ok := LookupKind(kind); ok {
		name = k.NamePrefix + name
	}
	if len(name) > 100 {
		name = name[:100]
	}
	return strings.ToValidUTF8(name, "")
}

// TestResult is the outcome of TestAccount.
type TestResult struct {
	OK    bool
	Error string
}

// TestAccount checks the user's account with ONLY its own stored
// credentials against its own stored URL, and records the outcome as the
// account's status. Another user's account is ErrNotFound.
func (s *Service) TestAccount(ctx context.Context, userID, id string) (TestResult, error) {
	acc, err := s.store.CloudAccount(ctx, userID, id)
	if err != nil {
		return TestResult{}, err
	}
	d, err := s.openDrive(acc)
	if err == nil {
		tctx, cancel := context.WithTimeout(ctx, s.cfg.OpTimeout)
		err = d.Test(tctx)
		cancel()
	}
	if err != nil {
		s.noteDriveError(ctx, acc, err)
		return TestResult{OK: false, Error: driveReason(err)}, nil
	}
	if err := s.store.SetCloudStatus(ctx, userID, id, model.CloudOK, ""); err != nil {
		return TestResult{}, err
	}
	return TestResult{OK: true}, nil
}

// noteDriveError records a drive failure on the account's status.
func (s *Service) noteDriveError(ctx context.Context, acc *model.CloudAccount, err error) {
	status := model.CloudError
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, seal.ErrOpen) {
		status = model.CloudReconnect
	}
	if serr := s.store.SetCloudStatus(context.WithoutCancel(ctx), acc.OwnerID, acc.ID, status, driveReason(err)); serr != nil {
		s.log.Warn("record cloud account status", "account", acc.ID, "error", serr)
	}
}

// Disconnect removes the user's account without losing a document: the
// account stops taking documents at once (status "disconnecting"), a
// storage setting pointing at it falls back to system storage, and when
// documents live there a background job brings each back into system
// storage (verifying its SHA-256) before the account row goes. With none,
// the account goes at once. cloud.disconnect is audited.
func (s *Service) Disconnect(ctx context.Context, a Actor, id string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		acc, err := tx.CloudAccount(ctx, a.UserID, id)
		if err != nil {
			return err
		}
		if err := tx.MarkCloudDisconnecting(ctx, a.UserID, id); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, a.UserID)
		if err != nil {
			return err
		}
		if u.StorageBackend == id {
			sys := model.BackendSystem
			if _, err := tx.UpdateUser(ctx, a.UserID, store.UserUpdate{StorageBackend: &sys}); err != nil {
				return err
			}
		}
		if err := tx.ResetSpaceStorage(ctx, a.UserID, id); err != nil {
			return err
		}
		ids, err := tx.DocumentIDsByStorage(ctx, a.UserID, store.StorageFilter{Backend: id, Trash: true}, "", 1)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, "cloud.disconnect", id, map[string]any{"kind": acc.Kind, "documents_returning": len(ids) > 0}); err != nil {
			return err
		}
		if len(ids) == 0 {
			return tx.DeleteCloudAccount(ctx, a.UserID, id)
		}
		return s.jobs.EnqueueDrain(ctx, tx, id)
	})
}

// StorageStatus is where a user's documents live.
type StorageStatus struct {
	Backend string               // "system" or an account id: where new documents go
	Counts  []store.StorageCount // documents by backend and state
}

// Storage returns the user's storage setting and document counts, the
// progress of a migration.
func (s *Service) Storage(ctx context.Context, userID string) (*StorageStatus, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.CountDocumentsByStorage(ctx, userID)
	if err != nil {
		return nil, err
	}
	return &StorageStatus{Backend: u.StorageBackend, Counts: counts}, nil
}

// SetBackend chooses where the user's new documents live: "system" or one
// of the user's own accounts (another user's is ErrNotFound; a
// disconnecting one is 409).
func (s *Service) SetBackend(ctx context.Context, userID, backend string) error {
	backend = strings.TrimSpace(backend)
	if backend == "" {
		return apperr.Fields("invalid storage backend", map[string]string{"backend": `must be "system" or a cloud account id`})
	}
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if backend != model.BackendSystem {
			acc, err := tx.CloudAccount(ctx, userID, backend)
			if err != nil {
				return err
			}
			if acc.Status == model.CloudDisconnecting {
				return apperr.New(apperr.Conflict, "this cloud account is being disconnected")
			}
		}
		_, err := tx.UpdateUser(ctx, userID, store.UserUpdate{StorageBackend: &backend})
		return err
	})
}

// Migrate queues moving the user's existing documents to the chosen
// backend in the background; Storage shows the progress. When the target is
// a drive, the processed documents in system storage are marked "pending"
// in the same transaction, so the move shows from the moment it is asked
// for, not only once the background job has started.
func (s *Service) Migrate(ctx context.Context, userID string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		spaces, err := tx.OwnedSpaces(ctx, userID)
		if err != nil {
			return err
		}
		for _, sp := range spaces {
			if err := markPending(ctx, tx, sp); err != nil {
				return err
			}
		}
		return s.jobs.EnqueueMigrate(ctx, tx, userID)
	})
}

// markPending marks the space's documents in system storage as pending
// when the space keeps documents in a drive.
func markPending(ctx context.Context, tx *store.Store, sp *model.Space) error {
	acc, err := spaceTarget(ctx, tx, sp)
	if err != nil || acc == nil {
		return err
	}
	return lifecycle.MarkSpacePending(ctx, tx, sp.ID)
}

// SetSpaceBackend chooses where a space's documents live and moves the
// ones already there in the background (marked "pending" at once, as
// Migrate does; no job when none is elsewhere). The space's owner decides (the caller checks the role):
// "system" or one of the owner's own accounts; any other id is a 422 on
// backend, a disconnecting account 409. For a personal space this is the
// owner's own setting (SetBackend). space.storage is audited.
func (s *Service) SetSpaceBackend(ctx context.Context, a Actor, sp *model.Space, backend string) error {
	backend = strings.TrimSpace(backend)
	bad := apperr.Fields("invalid storage backend", map[string]string{
		"backend": `must be "system" or a cloud drive connected by the space's owner`})
	if backend == "" {
		return bad
	}
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if backend != model.BackendSystem {
			acc, err := tx.CloudAccount(ctx, sp.OwnerID, backend)
			if errors.Is(err, store.ErrNotFound) {
				return bad
			}
			if err != nil {
				return err
			}
			if acc.Status == model.CloudDisconnecting {
				return apperr.New(apperr.Conflict, "this cloud account is being disconnected")
			}
		}
		var err error
		if sp.Kind == model.SpacePersonal {
			_, err = tx.UpdateUser(ctx, sp.OwnerID, store.UserUpdate{StorageBackend: &backend})
		} else {
			err = tx.SetSpaceStorage(ctx, sp.ID, backend)
		}
		if err != nil {
			return err
		}
		sp.StorageBackend = backend
		if err := markPending(ctx, tx, sp); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: "space.storage", TargetType: "space",
			TargetID: sp.ID, IP: a.IP, UserAgent: a.UserAgent, Details: map[string]any{"backend": backend}}); err != nil {
			return err
		}
		if move, err := needsMove(ctx, tx, sp); err != nil || !move {
			return err
		}
		return s.jobs.EnqueueMigrate(ctx, tx, sp.OwnerID)
	})
}
