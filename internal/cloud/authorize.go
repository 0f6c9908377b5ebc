package cloud

import (
	"context"
	"errors"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// StartAuthorize begins connecting an account of an OAuth kind (or,
// with reconnectID, renewing the credentials of the user's existing one):
// it stores the state and the sealed PKCE verifier for StateTTL and returns
// the consent URL. 503 unavailable when the provider's client id is not
// configured.
func (s *Service) StartAuthorize(ctx context.Context, userID, kind, reconnectID string) (AuthStart, error) {
	k, ok := LookupKind(kind)
	if !ok || k.OpenToken == nil {
		return AuthStart{}, apperr.New(apperr.NotFound, "unknown cloud drive kind %q", kind)
	}
	cfg := s.cfg.OAuth[kind]
	if cfg == nil || cfg.ClientID == "" {
		return AuthStart{}, apperr.New(apperr.Unavailable, "%s is not available on this server: the administrator has not set %s", k.DisplayName, k.Settings)
	}
	if reconnectID != "" {
		acc, err := s.store.CloudAccount(ctx, userID, reconnectID)
		if err != nil {
			return AuthStart{}, err
		}
		if acc.Kind != kind {
			return AuthStart{}, apperr.New(apperr.Invalid, "account %s is not a %s account", reconnectID, k.DisplayName)
		}
	}
	start, err := StartAuth(cfg, k.AuthOptions...)
	if err != nil {
		return AuthStart{}, err
	}
	sealed, err := s.sealer.Seal(userID, seal.PurposeCloudCreds, "oauth:"+start.State, []byte(start.Verifier))
	if err != nil {
		return AuthStart{}, err
	}
	err = s.store.CreateOAuthState(ctx, &store.OAuthState{State: start.State, OwnerID: userID, Kind: kind,
		AccountID: reconnectID, Verifier: sealed, ExpiresAt: time.Now().Add(s.cfg.StateTTL)})
	if err != nil {
		return AuthStart{}, err
	}
	return start, nil
}

// Callback is what the provider sent the browser back with, plus the
// state the browser kept in its cookie since StartAuthorize.
type Callback struct {
	Code, State, Error string
	CookieState        string
	IP, UserAgent      string
}

// Callback reasons in the redirect (?cloud=error&reason=...): fixed words,
// never the provider's text.
const (
	ReasonState    = "invalid_state"   // unknown, used, expired or not this browser's state
	ReasonDenied   = "access_denied"   // the user declined consent
	ReasonExchange = "exchange_failed" // the provider refused the code
	ReasonInternal = "internal_error"
)

// FinishAuthorize completes a flow: the state must be this browser's
// (cookie), known, unused and unexpired and of this kind; the code is
// exchanged with the PKCE verifier; the token is sealed and stored (a new
// account, audited cloud.connect, or the reconnected one). It returns where
// to send the browser: {FrontendURL}/settings?cloud=connected, or
// ?cloud=error&reason=<word>.
func (s *Service) FinishAuthorize(ctx context.Context, kind string, cb Callback) string {
	fail := func(reason string, err error) string {
		if err != nil {
			s.log.Info("cloud authorization failed", "kind", kind, "reason", reason, "error", err)
		}
		return s.cfg.FrontendURL + "/settings?" + url.Values{"cloud": {"error"}, "reason": {reason}}.Encode()
	}
	if cb.State == "" || !StateMatches(cb.CookieState, cb.State) {
		return fail(ReasonState, errors.New("state does not match the browser's cookie"))
	}
	o, err := s.store.TakeOAuthState(ctx, cb.State, time.Now())
	if err != nil {
		return fail(ReasonState, err)
	}
	if o.Kind != kind {
		return fail(ReasonState, errors.New("state belongs to another provider"))
	}
	if cb.Error != "" {
		return fail(ReasonDenied, nil)
	}
	verifier, err := s.sealer.Open(o.OwnerID, seal.PurposeCloudCreds, "oauth:"+o.State, o.Verifier)
	if err != nil {
		return fail(ReasonInternal, err)
	}
	cfg := s.cfg.OAuth[kind]
	if cfg == nil {
		return fail(ReasonInternal, errors.New("provider not configured"))
	}
	tok, err := Exchange(ctx, cfg, s.cfg.ProviderClient, cb.Code, string(verifier))
	if err != nil {
		return fail(ReasonExchange, err)
	}
	if err := s.storeToken(ctx, o, tok, Actor{UserID: o.OwnerID, IP: cb.IP, UserAgent: cb.UserAgent}); err != nil {
		return fail(ReasonInternal, err)
	}
	return s.cfg.FrontendURL + "/settings?cloud=connected"
}

func (s *Service) storeToken(ctx context.Context, o *store.OAuthState, tok *oauth2.Token, a Actor) error {
	if o.AccountID != "" {
		sealed, err := s.sealToken(o.OwnerID, o.AccountID, tok)
		if err != nil {
			return err
		}
		return s.store.SetCloudCredentials(ctx, o.OwnerID, o.AccountID, sealed)
	}
	acc := &model.CloudAccount{ID: store.NewID(), OwnerID: o.OwnerID, Kind: o.Kind, DisplayName: kindLabel(o.Kind)}
	var err error
	if acc.Credentials, err = s.sealToken(o.OwnerID, acc.ID, tok); err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := createAccount(ctx, tx, acc); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, "cloud.connect", acc.ID, map[string]any{"kind": o.Kind})
	})
}
