package cloud

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// AuthStart is the first half of an authorization code flow with PKCE. The
// application keeps State and Verifier server-side (or in a sealed,
// short-lived cookie) and redirects the browser to URL.
type AuthStart struct {
	URL      string
	State    string
	Verifier string
}

// StartAuth makes a fresh state and PKCE verifier and the consent URL that
// asks for offline access (a refresh token). extra adds provider options.
func StartAuth(cfg *oauth2.Config, extra ...oauth2.AuthCodeOption) (AuthStart, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return AuthStart{}, fmt.Errorf("cloud: state: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(b)
	verifier := oauth2.GenerateVerifier()
	opts := append([]oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)}, extra...)
	return AuthStart{URL: cfg.AuthCodeURL(state, opts...), State: state, Verifier: verifier}, nil
}

// StateMatches compares the state kept at StartAuth with the one the
// callback received, in constant time.
func StateMatches(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// Exchange trades the callback's code for a token, sending the PKCE
// verifier. hc (nil: http.DefaultClient) makes the token request. Errors
// wrap ErrUnauthorized for a refused code and ErrUnavailable otherwise.
func Exchange(ctx context.Context, cfg *oauth2.Config, hc *http.Client, code, verifier string) (*oauth2.Token, error) {
	if code == "" {
		return nil, fmt.Errorf("%w: empty authorization code", ErrUnauthorized)
	}
	if hc != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
	}
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("cloud: code exchange: %w", tokenErr(err))
	}
	if tok.RefreshToken == "" {
		return nil, fmt.Errorf("cloud: code exchange: %w: provider returned no refresh token", ErrUnauthorized)
	}
	return tok, nil
}

// TokenFunc receives a token after the library refreshed it. The
// application seals and stores it, since providers may rotate refresh
// tokens. It runs inside the request that triggered the refresh and must
// not block for long.
type TokenFunc func(*oauth2.Token)

// notifyingSource refreshes through cfg and reports every new token.
type notifyingSource struct {
	mu        sync.Mutex
	base      oauth2.TokenSource
	last      string
	onRefresh TokenFunc
}

// newTokenSource returns a token source starting from tok that refreshes
// through cfg's token endpoint using hc and calls onRefresh (may be nil)
// with every token it has not seen before. Refresh failures wrap
// ErrUnauthorized (invalid_grant: revoked or expired refresh token) or
// ErrUnavailable.
func newTokenSource(cfg *oauth2.Config, hc *http.Client, tok *oauth2.Token, onRefresh TokenFunc) oauth2.TokenSource {
	// The refresher keeps this context for its whole life: it must not be
	// a request's.
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	return &notifyingSource{base: cfg.TokenSource(ctx, tok), last: tok.AccessToken, onRefresh: onRefresh}
}

func (s *notifyingSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.base.Token()
	if err != nil {
		return nil, fmt.Errorf("cloud: token refresh: %w", tokenErr(err))
	}
	if t.AccessToken != s.last {
		s.last = t.AccessToken
		if s.onRefresh != nil {
			s.onRefresh(t)
		}
	}
	return t, nil
}

// tokenErr classifies an oauth2 token endpoint failure.
func tokenErr(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch re.ErrorCode {
		case "invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope", "consent_required", "interaction_required":
			return fmt.Errorf("%w: %s", ErrUnauthorized, oauthMessage(re))
		}
		if re.Response != nil && (re.Response.StatusCode == http.StatusUnauthorized || re.Response.StatusCode == http.StatusBadRequest) {
			return fmt.Errorf("%w: %s", ErrUnauthorized, oauthMessage(re))
		}
		return fmt.Errorf("%w: %s", ErrUnavailable, oauthMessage(re))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// oauthMessage gives the provider's error code and description, never the
// raw body (which could echo secrets).
func oauthMessage(re *oauth2.RetrieveError) string {
	msg := re.ErrorCode
	if msg == "" && re.Response != nil {
		msg = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	if d := strings.TrimSpace(re.ErrorDescription); d != "" {
		if len(d) > 200 {
			d = d[:200]
		}
		msg += " (" + d + ")"
	}
	return msg
}
