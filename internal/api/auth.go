package api

import (
	"context"
	"net/http"

	"github.com/docuvault/docuvault/internal/apperr"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID string
	Role   string // "admin" or "user"
	// TokenID is the access token's jti, or the API token's id.
	TokenID string
	// Via says how the caller authenticated: "bearer", "cookie" or "api_token".
	Via string
}

// IsAdmin reports whether the caller has the admin role.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == "admin" }

// Authenticator turns a request's credentials into a Principal, or returns an
// apperr Unauthorized error. The auth package implements it.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (*Principal, error)
}

const principalKey ctxKey = 100

// PrincipalFrom returns the caller stored by authed, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// authed wraps a handler that needs a signed-in caller.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, p *Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Auth == nil {
			s.writeError(w, r, errUnauthorized)
			return
		}
		p, err := s.deps.Auth.Authenticate(r.Context(), r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if p.Via == "cookie" && !sameOrigin(r) {
			s.writeError(w, r, apperr.New(apperr.Forbidden, "cross-site request refused"))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)), p)
	}
}

// adminOnly wraps a handler for the admin role: 403 for everyone else.
func (s *Server) adminOnly(h func(w http.ResponseWriter, r *http.Request, p *Principal)) http.HandlerFunc {
	return s.authed(func(w http.ResponseWriter, r *http.Request, p *Principal) {
		if !p.IsAdmin() {
			s.writeError(w, r, apperr.New(apperr.Forbidden, "this needs the admin role"))
			return
		}
		h(w, r, p)
	})
}

// sameOrigin is the CSRF check for cookie-authenticated requests: safe
// methods pass; state changes need Sec-Fetch-Site same-origin/none, or an
// Origin equal to the request's host.
func sameOrigin(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	return origin == "http://"+r.Host || origin == "https://"+r.Host
}
