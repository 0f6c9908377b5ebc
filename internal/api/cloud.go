package api

import (
	"net/http"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/model"
)

// oauthStateCookie binds an OAuth flow to the browser that started it. It
// is SameSite=Lax because the provider's redirect back is a cross-site
// navigation, where the Strict session cookies are not sent.
const oauthStateCookie = "dv_cloud_state"

func (s *Server) registerCloud() {
	s.handleFunc("GET /api/cloud", s.authed(s.listCloud))
	for _, k := range cloud.Kinds {
		switch path := cloudConnectPath(k.Auth(), k.Slug); k.Auth() {
		case cloud.AuthForm:
			s.handleFunc("POST "+path, s.authed(s.connectDAV(k.Name)))
		case cloud.AuthOAuth:
			s.handleFunc("GET "+path, s.authed(s.authorizeCloud(k.Name)))
			s.handleFunc("GET /api/cloud/"+k.Slug+"/callback", s.cloudCallback(k.Name)) // authorised by state + cookie
		}
	}
	s.handleFunc("POST /api/cloud/{id}/test", s.authed(s.testCloud))
	s.handleFunc("PUT /api/cloud/{id}", s.authed(s.reconnectDAV))
	s.handleFunc("DELETE /api/cloud/{id}", s.authed(s.deleteCloud))
	s.handleFunc("GET /api/settings/storage", s.authed(s.getStorage))
	s.handleFunc("PUT /api/settings/storage", s.authed(s.putStorage))
	s.handleFunc("POST /api/settings/storage/migrate", s.authed(s.migrateStorage))
}

var errNoCloud = apperr.New(apperr.Unavailable, "cloud drives are not available on this server")

func cloudActor(r *http.Request, p *Principal) cloud.Actor {
	return cloud.Actor{UserID: p.UserID, IP: clientIP(r), UserAgent: r.UserAgent()}
}

type cloudAccountJSON struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	DisplayName string    `json:"display_name"`
	Status      string    `json:"status"`
	StatusError string    `json:"status_error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// cloudProviderJSON is one kind of drive a user can connect: configured
// is false for an OAuth provider whose client the operator has not set;
// auth is "oauth" (GET connect_path, the provider's consent page) or
// "form" (POST connect_path with a server URL, user name and password).
type cloudProviderJSON struct {
	Kind        string `json:"kind"`
	DisplayName string `json:"display_name"`
	Configured  bool   `json:"configured"`
	Auth        string `json:"auth"`
	ConnectPath string `json:"connect_path"`
}

// cloudConnectPath is where a provider's accounts are connected.
func cloudConnectPath(auth, slug string) string {
	if auth == cloud.AuthOAuth {
		return "/api/cloud/" + slug + "/authorize"
	}
	return "/api/cloud/" + slug
}

// toCloudJSON never includes the sealed credentials.
func toCloudJSON(a *model.CloudAccount) cloudAccountJSON {
	return cloudAccountJSON{ID: a.ID, Kind: a.Kind, DisplayName: a.DisplayName, Status: a.Status,
		StatusError: a.StatusError, CreatedAt: a.CreatedAt}
}

func (s *Server) listCloud(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	accs, err := s.deps.Cloud.Accounts(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]cloudAccountJSON, len(accs))
	for i, a := range accs {
		items[i] = toCloudJSON(a)
	}
	provs := s.deps.Cloud.Providers()
	providers := make([]cloudProviderJSON, len(provs))
	for i, p := range provs {
		providers[i] = cloudProviderJSON{Kind: p.Kind, DisplayName: p.DisplayName, Configured: p.Configured, Auth: p.Auth,
			ConnectPath: cloudConnectPath(p.Auth, p.Slug)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "providers": providers})
}

func (s *Server) connectDAV(kind string) func(w http.ResponseWriter, r *http.Request, p *Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *Principal) {
		var in struct {
			ServerURL   string `json:"server_url"`
			Username    string `json:"username"`
			Password    string `json:"password"`
			DisplayName string `json:"display_name"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		if s.deps.Cloud == nil {
			s.writeError(w, r, errNoCloud)
			return
		}
		acc, err := s.deps.Cloud.ConnectWebDAV(r.Context(), cloudActor(r, p), kind, cloud.WebDAVInput{
			ServerURL: in.ServerURL, Username: in.Username, Password: in.Password, DisplayName: in.DisplayName})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, toCloudJSON(acc))
	}
}

// reconnectDAV replaces a WebDAV or Nextcloud account's credentials; all
// of server_url, username and password are required.
func (s *Server) reconnectDAV(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		ServerURL   string `json:"server_url"`
		Username    string `json:"username"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	acc, err := s.deps.Cloud.ReconnectWebDAV(r.Context(), cloudActor(r, p), r.PathValue("id"), cloud.WebDAVInput{
		ServerURL: in.ServerURL, Username: in.Username, Password: in.Password, DisplayName: in.DisplayName})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCloudJSON(acc))
}

func (s *Server) authorizeCloud(kind string) func(w http.ResponseWriter, r *http.Request, p *Principal) {
	return func(w http.ResponseWriter, r *http.Request, p *Principal) {
		if s.deps.Cloud == nil {
			s.writeError(w, r, errNoCloud)
			return
		}
		start, err := s.deps.Cloud.StartAuthorize(r.Context(), p.UserID, kind, r.URL.Query().Get("account_id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: oauthStateCookie, Value: start.State, Path: "/api/cloud/",
			MaxAge: 600, HttpOnly: true, Secure: requestIsHTTPS(r), SameSite: http.SameSiteLaxMode})
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, start.URL, http.StatusFound)
	}
}

func (s *Server) cloudCallback(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.deps.Cloud == nil {
			s.writeError(w, r, errNoCloud)
			return
		}
		q := r.URL.Query()
		cb := cloud.Callback{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"),
			IP: clientIP(r), UserAgent: r.UserAgent()}
		if c, err := r.Cookie(oauthStateCookie); err == nil {
			cb.CookieState = c.Value
		}
		to := s.deps.Cloud.FinishAuthorize(r.Context(), kind, cb)
		http.SetCookie(w, &http.Cookie{Name: oauthStateCookie, Path: "/api/cloud/", MaxAge: -1, HttpOnly: true,
			Secure: requestIsHTTPS(r), SameSite: http.SameSiteLaxMode})
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer") // the code must not leak to the UI's referrer
		http.Redirect(w, r, to, http.StatusFound)
	}
}

func requestIsHTTPS(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

func (s *Server) testCloud(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	res, err := s.deps.Cloud.TestAccount(r.Context(), p.UserID, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := map[string]any{"ok": res.OK}
	if !res.OK {
		out["error"] = res.Error
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteCloud(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	if err := s.deps.Cloud.Disconnect(r.Context(), cloudActor(r, p), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type storageCountJSON struct {
	Backend string `json:"backend"`
	State   string `json:"state"`
	Count   int64  `json:"count"`
}

func (s *Server) writeStorage(w http.ResponseWriter, r *http.Request, p *Principal, status int) {
	st, err := s.deps.Cloud.Storage(r.Context(), p.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	docs := make([]storageCountJSON, len(st.Counts))
	for i, c := range st.Counts {
		docs[i] = storageCountJSON{Backend: c.Backend, State: c.State, Count: c.Count}
	}
	writeJSON(w, status, map[string]any{"backend": st.Backend, "documents": docs})
}

func (s *Server) getStorage(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	s.writeStorage(w, r, p, http.StatusOK)
}

func (s *Server) putStorage(w http.ResponseWriter, r *http.Request, p *Principal) {
	var in struct {
		Backend string `json:"backend"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	if err := s.deps.Cloud.SetBackend(r.Context(), p.UserID, in.Backend); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeStorage(w, r, p, http.StatusOK)
}

func (s *Server) migrateStorage(w http.ResponseWriter, r *http.Request, p *Principal) {
	if s.deps.Cloud == nil {
		s.writeError(w, r, errNoCloud)
		return
	}
	if err := s.deps.Cloud.Migrate(r.Context(), p.UserID); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeStorage(w, r, p, http.StatusAccepted)
}
