// Package auth is DocuVault's accounts and sessions: Argon2id passwords with
// a breached-password check, ES256 access tokens bound to a client
// fingerprint, rotating refresh-token families with reuse detection, TOTP
// with a replay window and single-use backup codes, personal API tokens,
// per-account and per-IP rate limits, and the first admin from the
// configuration. Every action writes its audit event, in the same
// transaction where there is one.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Mailer sends the account emails. The application implements it by
// enqueueing jobs on the "email" queue; LogMailer is the stand-in.
type Mailer interface {
	PasswordReset(ctx context.Context, to, link string) error
	SecurityAlert(ctx context.Context, to string, info AlertInfo) error
	// Invitation mails a new account's link to choose a password.
	Invitation(ctx context.Context, to, link string, expires time.Time) error
}

// AlertInfo describes a security event for the alert email.
type AlertInfo struct {
	Event     string // "refresh_reuse" or "admin_reset_2fa"
	At        time.Time
	IP        string
	UserAgent string
}

// UserDataRemover deletes what a user owns outside this package's tables
// (documents and their blobs) before the user row goes. The documents
// service implements it; Config.UserData hands it in.
type UserDataRemover interface {
	RemoveUserData(ctx context.Context, userID string) error
}

// Config configures the Service.
type Config struct {
	SecretKey                                string   // SECRET_KEY: PEM P-256 key or any string
	RetiredKeys                              []string // former SECRET_KEYs whose tokens still verify until they expire
	FrontendURL                              string   // for the reset link and the refresh cookie's Secure/__Host- choice
	Issuer                                   string   // "iss"; default "docuvault"
	Audience                                 string   // "aud"; default "docuvault-api"
	RegistrationOpen                         bool
	HIBPURL                                  string // range API ending in "/"; "off" or "" disables
	HIBPTimeout                              time.Duration
	DefaultQuotaBytes, DefaultQuotaDocuments int64
	RefreshTTL                               time.Duration // absolute family lifetime; default 30 days
	ResetTTL                                 time.Duration // default 1 hour
	SetupTokenFile                           string        // DATA_DIR/setup-token, removed once setup is done
	Limits                                   Limits        // zero fields take DefaultLimits
	Argon2                                   Argon2Params  // zero means DefaultArgon2
	// InsecureArgon2ForTests allows Argon2 parameters below DefaultArgon2.
	// Only tests set it; New refuses weaker parameters otherwise.
	InsecureArgon2ForTests bool
	HashConcurrency        int // concurrent hashes; default NumCPU
	// UserData deletes a user's documents and blobs when an admin deletes
	// the user (the documents service); nil deletes the rows only.
	UserData UserDataRemover
}

// Store is the part of *store.Store the Service uses outside its
// transactions (inside them it works on the transaction's *store.Store).
type Store interface {
	// Users.
	UserByID(ctx context.Context, id string) (*model.User, error)
	UserByEmail(ctx context.Context, email string) (*model.User, error)
	ListUsers(ctx context.Context, p store.Page) ([]*model.User, string, error)
	UpdateUser(ctx context.Context, id string, up store.UserUpdate) (*model.User, error)
	CountAdmins(ctx context.Context) (int64, error)

	// Sessions and password resets.
	AccessCheckOf(ctx context.Context, userID, sessionID, markKey string) (*store.AccessCheck, error)
	ListSessions(ctx context.Context, userID string) ([]*model.Session, error)
	RotateRefresh(ctx context.Context, oldHash, newHash, ip, userAgent string) (*model.Session, error)
	RevokeSession(ctx context.Context, userID, id string) error
	CreatePasswordReset(ctx context.Context, userID, tokenHash string, expiresAt time.Time) error
	PurgeAuth(ctx context.Context, t time.Time) (int64, error)

	// API tokens.
	APITokenAccess(ctx context.Context, hash string) (*model.APIToken, *store.AuthUser, error)
	ListAPITokens(ctx context.Context, userID string, p store.Page) ([]*model.APIToken, string, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error

	// Two-factor backup codes.
	UnusedBackupCodes(ctx context.Context, userID, lookup string) ([]model.BackupCode, error)
	UseBackupCode(ctx context.Context, userID, id string) error

	// Setup tokens.
	AddSetupToken(ctx context.Context, tokenHash string) error
	HasSetupToken(ctx context.Context, tokenHash string) (bool, error)
	DeleteSetupTokens(ctx context.Context) error

	// Audit and transactions.
	AppendAudit(ctx context.Context, e *model.AuditEntry) error
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// Service is the accounts and sessions domain.
type Service struct {
	st      Store
	state   State
	mail    Mailer
	log     *slog.Logger
	cfg     Config
	hash    *hasher
	breach  *breachChecker
	tokens  *tokenSigner
	seal    *sealer
	dummy   string // a hash verified for unknown emails, to even out timing
	remover UserDataRemover
	limits  Limits
	now     func() time.Time
}

// Errors the service returns besides apperr kinds.
var (
	errBadCredentials = apperr.New(apperr.Unauthorized, "the email or password is wrong")
	errBadCode        = apperr.New(apperr.Unauthorized, "the code is not valid")
)

// New builds the Service. state is DBState or RedisState; mail may not be nil.
func New(st Store, state State, mail Mailer, log *slog.Logger, cfg Config) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if st == nil || state == nil || mail == nil {
		return nil, errors.New("auth: store, state and mailer are required")
	}
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.Argon2.weakerThan(DefaultArgon2) && !cfg.InsecureArgon2ForTests {
		return nil, fmt.Errorf("auth: Argon2 parameters below the minimum (%d KiB, %d iterations, %d lane)",
			DefaultArgon2.MemoryKiB, DefaultArgon2.Time, DefaultArgon2.Threads)
	}
	if cfg.HashConcurrency <= 0 {
		cfg.HashConcurrency = runtime.NumCPU()
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "docuvault"
	}
	if cfg.Audience == "" {
		cfg.Audience = "docuvault-api"
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.ResetTTL <= 0 {
		cfg.ResetTTL = time.Hour
	}
	if cfg.HIBPTimeout <= 0 {
		cfg.HIBPTimeout = 3 * time.Second
	}
	if cfg.FrontendURL == "" {
		cfg.FrontendURL = "http://localhost:8080"
	}
	cfg.FrontendURL = strings.TrimRight(cfg.FrontendURL, "/")
	key, err := deriveKey(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	var retired []*signingKey
	for _, s := range cfg.RetiredKeys {
		k, err := deriveKey(s)
		if err != nil {
			return nil, fmt.Errorf("auth: retired key: %w", err)
		}
		retired = append(retired, k)
	}
	sl, err := newSealer(cfg.SecretKey, "totp")
	if err != nil {
		return nil, err
	}
	s := &Service{st: st, state: state, mail: mail, log: log, cfg: cfg,
		hash:   newHasher(cfg.Argon2, cfg.HashConcurrency),
		breach: newBreachChecker(cfg.HIBPURL, cfg.HIBPTimeout, log),
		tokens: newTokenSigner(key, retired, cfg.Issuer, cfg.Audience),
		seal:   sl, limits: cfg.Limits.withDefaults(), now: time.Now, remover: cfg.UserData,
	}
	if s.dummy, err = s.hash.Hash(context.Background(), "dummy password for timing "+newJTI()); err != nil {
		return nil, err
	}
	return s, nil
}

// SecureCookies reports whether cookies get Secure and the __Host- prefix
// (FRONTEND_URL is https).
func (s *Service) SecureCookies() bool {
	u, err := url.Parse(s.cfg.FrontendURL)
	return err == nil && u.Scheme == "https"
}

// Client is what the service knows about the caller's connection.
type Client struct {
	IP             string
	UserAgent      string
	AcceptLanguage string
}

func (c Client) fingerprint() string { return Fingerprint(c.UserAgent, c.AcceptLanguage) }

// audit writes one event on st (a transaction where there is one).
func (s *Service) audit(ctx context.Context, st Store, c Client, actor, action, targetID string, details map[string]any) error {
	e := &model.AuditEntry{ActorID: actor, Action: action, IP: c.IP, UserAgent: c.UserAgent, Details: details}
	if targetID != "" {
		e.TargetType, e.TargetID = "user", targetID
	}
	if err := st.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("auth: audit %s: %w", action, err)
	}
	return nil
}

// auditAlone writes an event that has no transaction of its own; a failure
// is logged, not returned, since the action already happened.
func (s *Service) auditAlone(ctx context.Context, c Client, actor, action, targetID string, details map[string]any) {
	if err := s.audit(ctx, s.st, c, actor, action, targetID, details); err != nil {
		s.log.ErrorContext(ctx, "audit write failed", slog.String("action", action), slog.Any("error", err))
	}
}

// User returns the account, or ErrNotFound.
func (s *Service) User(ctx context.Context, id string) (*model.User, error) {
	return s.st.UserByID(ctx, id)
}

// checkNewPassword applies the policy and the breach check.
func (s *Service) checkNewPassword(ctx context.Context, field, password string) error {
	if why := checkPasswordShape(password); why != "" {
		return apperr.Fields("Choose another password.", map[string]string{field: why})
	}
	if s.breach.Breached(ctx, password) {
		return apperr.Fields("Choose another password.",
			map[string]string{field: "This password appears in known data breaches. Choose another one."})
	}
	return nil
}
