package mailin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// sealPurpose keys the sealed IMAP passwords.
const sealPurpose = "mail-password"

// Config holds the intake settings.
type Config struct {
	// ExtraCAs are PEM certificates trusted besides the system roots
	// (MAIL_CA_FILE).
	ExtraCAs []byte
	Limits   Limits
	// Timeout bounds one connection's whole poll (default 10 minutes).
	Timeout time.Duration
}

// Jobs queues polls; the job engine implements it.
type Jobs interface {
	EnqueuePoll(ctx context.Context, accountID string) error
}

// Store is the part of *store.Store the Service uses outside its
// transactions (inside them, and in document.CommitOptions' Record
// callback, it works on the transaction's *store.Store).
type Store interface {
	// Mail accounts.
	MailAccount(ctx context.Context, ownerID, id string) (*model.MailAccount, error)
	MailAccountForJob(ctx context.Context, id string) (*model.MailAccount, error)
	UpdateMailAccount(ctx context.Context, a *model.MailAccount) error
	SetMailPollResult(ctx context.Context, id string, at time.Time, result, lastError string) error

	// Mail rules.
	MailRule(ctx context.Context, ownerID, id string) (*model.MailRule, error)
	MailRules(ctx context.Context, ownerID, accountID string) ([]*model.MailRule, error)
	CreateMailRule(ctx context.Context, r *model.MailRule) error
	UpdateMailRule(ctx context.Context, r *model.MailRule) error

	// The parts of messages already taken in.
	MailParts(ctx context.Context, ruleID, folder string, uidValidity uint32) (map[uint32]map[string]bool, error)
	RecordMailPart(ctx context.Context, k store.MailKey, part, documentID, errText string) error

	// Spaces and topics.
	SpaceRoleOf(ctx context.Context, spaceID, userID string) (model.SpaceRole, error)
	Topic(ctx context.Context, spaceID, id string) (*model.Topic, error)
	TopicsByIDs(ctx context.Context, spaceID string, ids []string) ([]*model.Topic, error)

	// Transactions.
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// Service manages mail accounts and rules and polls mailboxes.
type Service struct {
	store  Store
	docs   *document.Service
	sealer *seal.Sealer
	guard  *ssrf.Guard
	jobs   Jobs
	log    *slog.Logger
	roots  *x509.CertPool
	lim    Limits
	tmo    time.Duration
}

// New builds the service. It fails when ExtraCAs holds no certificate.
func New(st Store, docs *document.Service, sealer *seal.Sealer, guard *ssrf.Guard, jobs Jobs, log *slog.Logger, cfg Config) (*Service, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if len(cfg.ExtraCAs) > 0 && !roots.AppendCertsFromPEM(cfg.ExtraCAs) {
		return nil, errors.New("no PEM certificate found")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lim := cfg.Limits
	if lim.MaxAttachmentBytes <= 0 && docs != nil {
		lim.MaxAttachmentBytes = docs.MaxUploadBytes()
	}
	tmo := cfg.Timeout
	if tmo <= 0 {
		tmo = 10 * time.Minute
	}
	return &Service{store: st, docs: docs, sealer: sealer, guard: guard, jobs: jobs, log: log,
		roots: roots, lim: lim.withDefaults(), tmo: tmo}, nil
}

// Actor is who changes accounts and rules, for the audit log.
type Actor = document.Actor

// AccountInput is a new account or a change; a nil field keeps the old
// value (Password "" keeps it too).
type AccountInput struct {
	DisplayName *string
	Host        *string
	Port        *int
	Security    *string
	Username    *string
	Password    *string
	// SpaceID is where the account's documents go ("" or nil: the
	// owner's personal space); the owner needs the admin role there.
	SpaceID *string
}

func (in AccountInput) apply(a *model.MailAccount) error {
	if in.DisplayName != nil {
		a.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.Host != nil {
		a.Host = strings.TrimSpace(*in.Host)
	}
	if in.Security != nil {
		a.Security = *in.Security
	}
	if in.Port != nil {
		a.Port = *in.Port
	}
	if in.Username != nil {
		a.Username = *in.Username
	}
	fields := map[string]string{}
	if a.Security != "tls" && a.Security != "starttls" {
		fields["security"] = `must be "tls" or "starttls"`
	}
	if a.Port == 0 {
		a.Port = 993
		if a.Security == "starttls" {
			a.Port = 143
		}
	}
	if a.Port < 1 || a.Port > 65535 {
		fields["port"] = "must be between 1 and 65535"
	}
	if a.Host == "" || len(a.Host) > 253 || strings.ContainsAny(a.Host, "/:@ ?#[]") {
		fields["host"] = "must be a host name or IPv4 address, without scheme or port"
	}
	if a.Username == "" || len(a.Username) > 320 {
		fields["username"] = "is required"
	}
	if len(a.DisplayName) > 200 {
		fields["display_name"] = "at most 200 bytes"
	}
	if len(fields) > 0 {
		return apperr.Fields("invalid mail account", fields)
	}
	if a.DisplayName == "" {
		a.DisplayName = a.Username + "@" + a.Host
	}
	return nil
}

// CreateAccount connects with the settings first (422 when the server
// cannot be used: address not allowed, certificate not trusted, login
// refused), then stores the account with its password sealed.
func (s *Service) CreateAccount(ctx context.Context, a Actor, in AccountInput) (*model.MailAccount, error) {
	acc := &model.MailAccount{ID: store.NewID(), OwnerID: a.UserID, SpaceID: a.UserID}
	if err := in.apply(acc); err != nil {
		return nil, err
	}
	if err := s.chooseSpace(ctx, acc, in.SpaceID); err != nil {
		return nil, err
	}
	if in.Password == nil || *in.Password == "" {
		return nil, apperr.Fields("invalid mail account", map[string]string{"password": "is required"})
	}
	if _, err := s.check(ctx, acc, *in.Password); err != nil {
		return nil, unusable(err)
	}
	var err error
	if acc.Password, err = s.sealer.Seal(a.UserID, sealPurpose, acc.ID, []byte(*in.Password)); err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateMailAccount(ctx, acc); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: "mail.account_add", TargetType: "mail_account",
			TargetID: acc.ID, IP: a.IP, UserAgent: a.UserAgent, Details: map[string]any{"host": acc.Host, "security": acc.Security}})
	})
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// chooseSpace sets where the account's documents go: a space in which its
// owner is an admin (rules are an admin's), 404 for a space they are not a
// member of, 403 for a lower role.
func (s *Service) chooseSpace(ctx context.Context, acc *model.MailAccount, spaceID *string) error {
	if spaceID == nil {
		return nil
	}
	id := strings.TrimSpace(*spaceID)
	if id == "" {
		id = acc.OwnerID
	}
	role, err := s.store.SpaceRoleOf(ctx, id, acc.OwnerID)
	if err != nil {
		return err
	}
	if role == model.RoleNone {
		return fmt.Errorf("space: %w", store.ErrNotFound)
	}
	if role < model.RoleAdmin {
		return apperr.New(apperr.Forbidden, "mail intake into a space needs the admin role there; you are %s", role)
	}
	acc.SpaceID = id
	return nil
}

// UpdateAccount changes an account; a changed server or password is
// checked like at creation. Errors: ErrNotFound for another user's.
func (s *Service) UpdateAccount(ctx context.Context, a Actor, id string, in AccountInput) (*model.MailAccount, error) {
	acc, err := s.store.MailAccount(ctx, a.UserID, id)
	if err != nil {
		return nil, err
	}
	if err := in.apply(acc); err != nil {
		return nil, err
	}
	was := acc.SpaceID
	if err := s.chooseSpace(ctx, acc, in.SpaceID); err != nil {
		return nil, err
	}
	if acc.SpaceID != was {
		// The rules' topics of the old space mean nothing in the new one.
		if err := s.keepSpaceTopics(ctx, acc); err != nil {
			return nil, err
		}
	}
	password := ""
	if in.Password != nil && *in.Password != "" {
		password = *in.Password
	} else if password, err = s.password(acc); err != nil {
		return nil, err
	}
	if in.Host != nil || in.Port != nil || in.Security != nil || in.Username != nil || in.Password != nil {
		if _, err := s.check(ctx, acc, password); err != nil {
			return nil, unusable(err)
		}
	}
	if acc.Password, err = s.sealer.Seal(a.UserID, sealPurpose, acc.ID, []byte(password)); err != nil {
		return nil, err
	}
	if err := s.store.UpdateMailAccount(ctx, acc); err != nil {
		return nil, err
	}
	return acc, nil
}

// keepSpaceTopics drops from the account's rules the topics that are not
// of the account's space.
func (s *Service) keepSpaceTopics(ctx context.Context, acc *model.MailAccount) error {
	rules, err := s.store.MailRules(ctx, acc.OwnerID, acc.ID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if len(r.TopicIDs) == 0 {
			continue
		}
		ts, err := s.store.TopicsByIDs(ctx, acc.SpaceID, r.TopicIDs)
		if err != nil {
			return err
		}
		r.TopicIDs = r.TopicIDs[:0]
		for _, t := range ts {
			r.TopicIDs = append(r.TopicIDs, t.ID)
		}
		if err := s.store.UpdateMailRule(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// DeleteAccount removes an account with its rules and records.
func (s *Service) DeleteAccount(ctx context.Context, a Actor, id string) error {
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteMailAccount(ctx, a.UserID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: "mail.account_remove", TargetType: "mail_account",
			TargetID: id, IP: a.IP, UserAgent: a.UserAgent})
	})
}

// TestResult is the answer of a connection test.
type TestResult struct {
	OK      bool     `json:"ok"`
	Folders []string `json:"folders,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// TestAccount connects, logs in and lists the folders. A failure to use
// the server is a result, not an error. Errors: ErrNotFound.
func (s *Service) TestAccount(ctx context.Context, ownerID, id string) (*TestResult, error) {
	acc, err := s.store.MailAccount(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	pw, err := s.password(acc)
	if err != nil {
		return &TestResult{Error: "the stored password cannot be opened; enter it again"}, nil
	}
	folders, err := s.check(ctx, acc, pw)
	if err != nil {
		return &TestResult{Error: reason(err)}, nil
	}
	return &TestResult{OK: true, Folders: folders}, nil
}

// PollNow queues a poll of the owner's account. Errors: ErrNotFound.
func (s *Service) PollNow(ctx context.Context, ownerID, id string) error {
	if _, err := s.store.MailAccount(ctx, ownerID, id); err != nil {
		return err
	}
	return s.jobs.EnqueuePoll(ctx, id)
}

func (s *Service) password(acc *model.MailAccount) (string, error) {
	pw, err := s.sealer.Open(acc.OwnerID, sealPurpose, acc.ID, acc.Password)
	if err != nil {
		return "", err
	}
	return string(pw), nil
}

// check connects and lists the folders.
func (s *Service) check(ctx context.Context, acc *model.MailAccount, password string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := s.dial(ctx, acc, password)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		return nil, err
	}
	folders := make([]string, 0, len(boxes))
	for _, b := range boxes {
		folders = append(folders, b.Mailbox)
	}
	_ = c.Logout().Wait()
	return folders, nil
}

// errLogin is a refused login.
var errLogin = errors.New("the server refused the user name or password")

// dial connects through the SSRF guard, with TLS verified against the
// system roots and MAIL_CA_FILE, and logs in. The connection is closed when
// ctx ends.
func (s *Service) dial(ctx context.Context, acc *model.MailAccount, password string) (*imapclient.Client, error) {
	addr := net.JoinHostPort(acc.Host, strconv.Itoa(acc.Port))
	conn, err := s.guard.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { conn.Close() })
	tcfg := &tls.Config{ServerName: acc.Host, RootCAs: s.roots, MinVersion: tls.VersionTLS12}
	var c *imapclient.Client
	if acc.Security == "tls" {
		tc := tls.Client(conn, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		c = imapclient.New(tc, nil)
		if err := c.WaitGreeting(); err != nil {
			c.Close()
			return nil, err
		}
	} else if c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: tcfg}); err != nil {
		conn.Close()
		return nil, err
	}
	if err := c.Login(acc.Username, password).Wait(); err != nil {
		c.Close()
		var ie *imap.Error
		if errors.As(err, &ie) {
			return nil, errLogin
		}
		return nil, err
	}
	return c, nil
}

// reason is a short, secret-free explanation of a connection failure.
func reason(err error) string {
	var ae *ssrf.AddrError
	var unk x509.UnknownAuthorityError
	var inv x509.CertificateInvalidError
	var hn x509.HostnameError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ae):
		return "this server address is not allowed: " + ae.Error()
	case errors.Is(err, ssrf.ErrForbiddenAddress), errors.Is(err, ssrf.ErrForbiddenURL):
		return "this server address is not allowed"
	case errors.As(err, &unk), errors.As(err, &inv), errors.As(err, &hn), errors.As(err, &cv):
		return "the server's certificate is not trusted (" + err.Error() + "); for a private CA, add it to MAIL_CA_FILE"
	case errors.Is(err, errLogin):
		return errLogin.Error()
	case errors.Is(err, errSpaceLost):
		return errSpaceLost.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "the server did not answer in time"
	}
	var tlsErr tls.RecordHeaderError
	if errors.As(err, &tlsErr) {
		return "the server did not answer with TLS; check the port and security setting"
	}
	return "could not use the server: " + err.Error()
}

// unusable is the 422 of a create or change that cannot connect.
func unusable(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	field := "host"
	if errors.Is(err, errLogin) {
		field = "password"
	}
	return &apperr.Error{Kind: apperr.Invalid, Status: http.StatusUnprocessableEntity, Err: err,
		Message: reason(err), Fields: map[string]string{field: reason(err)}}
}
