package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/model"
)

// registerAuth adds the accounts, sessions, 2FA, API token, profile and
// admin user routes, and makes the accounts service the Authenticator
// unless Deps.Auth was given.
func (s *Server) registerAuth() {
	if s.deps.Auth == nil && s.deps.Accounts != nil {
		s.deps.Auth = accountsAuthenticator{svc: s.deps.Accounts}
	}
	s.handleFunc("POST /api/auth/register", s.handleRegister)
	s.handleFunc("POST /api/auth/login", s.handleLogin)
	s.handleFunc("POST /api/auth/refresh", s.handleRefresh)
	s.handleFunc("POST /api/auth/logout", s.authed(s.handleLogout))
	s.handleFunc("POST /api/auth/password", s.authed(s.handleChangePassword))
	s.handleFunc("POST /api/auth/password-reset/request", s.handleResetRequest)
	s.handleFunc("POST /api/auth/password-reset/confirm", s.handleResetConfirm)
	s.handleFunc("POST /api/auth/invite/accept", s.handleInviteAccept)
	s.registerSessions()
	s.registerTOTP()
	s.registerTokens()
	s.registerMe()
	s.registerAdminUsers()
	s.registerSetup()
}

// accounts returns the service, or an error when the server has none.
func (s *Server) accounts() (*auth.Service, error) {
	if s.deps.Accounts == nil {
		return nil, apperr.New(apperr.Unavailable, "accounts are not configured on this server")
	}
	return s.deps.Accounts, nil
}

func clientOf(r *http.Request) auth.Client {
	return auth.Client{IP: clientIP(r), UserAgent: r.UserAgent(), AcceptLanguage: r.Header.Get("Accept-Language")}
}

// Cookie names: with an https FRONTEND_URL they carry the __Host- prefix,
// which requires Secure and Path=/; otherwise the refresh cookie is
// confined to /api/auth.
const (
	refreshCookie = "dv_refresh"
	accessCookie  = "dv_access"
)

func cookieName(secure bool, name string) string {
	if secure {
		return "__Host-" + name
	}
	return name
}

func (s *Server) setSessionCookies(w http.ResponseWriter, t *auth.Tokens) {
	secure := s.deps.Accounts.SecureCookies()
	refreshPath := "/api/auth"
	if secure {
		refreshPath = "/"
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(secure, refreshCookie), Value: t.RefreshToken, Path: refreshPath,
		Expires: t.RefreshExpires, MaxAge: int(time.Until(t.RefreshExpires).Seconds()),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: cookieName(secure, accessCookie), Value: t.AccessToken, Path: "/",
		MaxAge: t.ExpiresIn, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearSessionCookies(w http.ResponseWriter) {
	secure := s.deps.Accounts.SecureCookies()
	refreshPath := "/api/auth"
	if secure {
		refreshPath = "/"
	}
	for _, c := range []*http.Cookie{
		{Name: cookieName(secure, refreshCookie), Path: refreshPath},
		{Name: cookieName(secure, accessCookie), Path: "/"},
	} {
		c.Value, c.MaxAge, c.HttpOnly, c.Secure, c.SameSite = "", -1, true, secure, http.SameSiteStrictMode
		http.SetCookie(w, c)
	}
}

type tokenResponse struct {
	AccessToken string   `json:"access_token"`
	TokenType   string   `json:"token_type"`
	ExpiresIn   int      `json:"expires_in"`
	User        userJSON `json:"user"`
}

func (s *Server) writeTokens(w http.ResponseWriter, t *auth.Tokens) {
	s.setSessionCookies(w, t)
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: t.AccessToken, TokenType: "Bearer", ExpiresIn: t.ExpiresIn, User: toUserJSON(t.User)})
}

// userJSON is API.md's user object (plus disabled and storage_backend).
type userJSON struct {
	ID             string    `json:"id"`
	Email          string    `json:"email"`
	DisplayName    string    `json:"display_name"`
	Role           string    `json:"role"`
	TOTPEnabled    bool      `json:"totp_enabled"`
	QuotaBytes     int64     `json:"quota_bytes"`
	QuotaDocuments int64     `json:"quota_documents"`
	UsedBytes      int64     `json:"used_bytes"`
	DocumentCount  int64     `json:"document_count"`
	CreatedAt      time.Time `json:"created_at"`
	Disabled       bool      `json:"disabled"`
	StorageBackend string    `json:"storage_backend"`
	// Invited: created by an admin without a password, invitation not yet accepted.
	Invited bool `json:"invited,omitempty"`
}

func toUserJSON(u *model.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role, TOTPEnabled: u.TOTPEnabled,
		QuotaBytes: u.QuotaBytes, QuotaDocuments: u.QuotaDocuments, UsedBytes: u.UsedBytes, DocumentCount: u.DocumentCount,
		CreatedAt: u.CreatedAt.UTC(), Disabled: u.Disabled, StorageBackend: u.StorageBackend,
		Invited: u.PasswordHash == ""}
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email       string `json:"email"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := svc.Register(r.Context(), clientOf(r), in.Email, in.Password, in.DisplayName)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": toUserJSON(u)})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email      string `json:"email"`
		Password   string `json:"password"`
		TOTPCode   string `json:"totp_code"`
		BackupCode string `json:"backup_code"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := svc.Login(r.Context(), clientOf(r), auth.LoginInput{Email: in.Email, Password: in.Password,
		TOTPCode: strings.TrimSpace(in.TOTPCode), BackupCode: strings.TrimSpace(in.BackupCode)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeTokens(w, t)
}

// handleRefresh is authenticated by the refresh cookie alone, so it gets
// the same CSRF check as every cookie-authenticated route.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !sameOrigin(r) {
		s.writeError(w, r, apperr.New(apperr.Forbidden, "cross-site request refused"))
		return
	}
	c, err := r.Cookie(cookieName(svc.SecureCookies(), refreshCookie))
	if err != nil {
		s.writeError(w, r, apperr.New(apperr.Unauthorized, "no refresh token; sign in"))
		return
	}
	t, err := svc.Refresh(r.Context(), clientOf(r), c.Value)
	if err != nil {
		if apperr.Is(err, apperr.Unauthorized) {
			s.clearSessionCookies(w)
		}
		s.writeError(w, r, err)
		return
	}
	s.writeTokens(w, t)
}

// identity re-reads the caller's full identity (session id, expiry), which
// Principal does not carry.
func (s *Server) identity(ctx context.Context, r *http.Request) (*auth.Identity, error) {
	return accountsAuthenticator{svc: s.deps.Accounts}.identity(ctx, r)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request, p *Principal) {
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := s.identity(r.Context(), r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.Logout(r.Context(), clientOf(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.clearSessionCookies(w)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := s.identity(r.Context(), r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.ChangePassword(r.Context(), clientOf(r), id, in.CurrentPassword, in.NewPassword); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleResetRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.RequestPasswordReset(r.Context(), clientOf(r), in.Email); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "If the address belongs to an account, a link is on its way."})
}

func (s *Server) handleResetConfirm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token       string `json:"token"`
		NewPassword string `json:"new_password"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.ConfirmPasswordReset(r.Context(), clientOf(r), in.Token, in.NewPassword); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// accountsAuthenticator is the Authenticator over the accounts service:
// "Authorization: Bearer <JWT or dv_ token>", else the access-token cookie
// (Via "cookie", CSRF-checked by authed).
type accountsAuthenticator struct{ svc *auth.Service }

func (a accountsAuthenticator) Authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	id, err := a.identity(ctx, r)
	if err != nil {
		return nil, err
	}
	return &Principal{UserID: id.UserID, Role: id.Role, TokenID: id.TokenID, Via: id.Via}, nil
}

func (a accountsAuthenticator) identity(ctx context.Context, r *http.Request) (*auth.Identity, error) {
	if a.svc == nil {
		return nil, errUnauthorized
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, apperr.New(apperr.Unauthorized, "use Authorization: Bearer <token>")
		}
		return a.svc.Authenticate(ctx, clientOf(r), strings.TrimSpace(tok), "bearer")
	}
	if c, err := r.Cookie(cookieName(a.svc.SecureCookies(), accessCookie)); err == nil && c.Value != "" {
		return a.svc.Authenticate(ctx, clientOf(r), c.Value, "cookie")
	}
	return nil, errUnauthorized
}

func (s *Server) handleInviteAccept(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token       string  `json:"token"`
		Password    string  `json:"password"`
		DisplayName *string `json:"display_name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	svc, err := s.accounts()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := svc.AcceptInvitation(r.Context(), clientOf(r), in.Token, in.Password, in.DisplayName); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
