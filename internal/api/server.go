// Package api is DocuVault's JSON HTTP API on the standard library's
// ServeMux: one file per resource, each handler in the order parse ->
// authorize -> call the domain -> respond, and every error mapped to RFC 9457
// problem JSON in one place (problem.go).
package api

import (
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/mailin"
	"github.com/docuvault/docuvault/internal/share"
	"github.com/docuvault/docuvault/internal/store"
)

// Deps is what the API needs; the app fills it.
type Deps struct {
	Logger       *slog.Logger
	Store        *store.Store
	Blobs        blob.Store
	Health       map[string]HealthCheck
	Registerer   prometheus.Registerer
	Gatherer     prometheus.Gatherer
	Version      string
	MetricsToken string
	// Auth authenticates requests; nil refuses every authenticated route.
	Auth Authenticator
	// Documents runs the document lifecycle.
	Documents *document.Service
	// Audit reads the daily audit exports.
	Audit *audit.Exporter
	// Classify runs classification settings, suggestions and checks.
	Classify *classify.Service
	// Jobs lists and retries background jobs for admins.
	Jobs JobAdmin
	// IdleTimeout drops a connection whose body or response stalls this
	// long; default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Accounts runs accounts, sessions, 2FA, API tokens and admin user
	// management; when Auth is nil it also authenticates requests.
	Accounts *auth.Service
	// Cloud connects users' cloud drives and chooses where documents
	// live; nil answers 503 on those routes.
	Cloud *cloud.Service
	// Mail is mail intake from IMAP mailboxes; nil answers 503.
	Mail *mailin.Service
	// TrustedProxies are the reverse proxies (TRUSTED_PROXIES) whose
	// X-Forwarded-For and Forwarded headers name the client; empty ignores
	// those headers.
	TrustedProxies []netip.Prefix
	// Share serves share links; nil answers 503 on those routes.
	Share *share.Service
	// SharePages renders the public pages of share links (the web UI).
	SharePages SharePages
	// Extra mounts more handlers (the web UI) on the same mux.
	Extra func(mux *http.ServeMux)
}

// Server is the HTTP API.
type Server struct {
	deps    Deps
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	routes  []string // registered patterns, for the OpenAPI and access-control tests
	idle    time.Duration
}

var errUnauthorized = apperr.New(apperr.Unauthorized, "authentication required")

// New builds the API and registers every route.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Registerer == nil {
		reg := prometheus.NewRegistry()
		d.Registerer, d.Gatherer = reg, reg
	}
	if d.IdleTimeout <= 0 {
		d.IdleTimeout = DefaultIdleTimeout
	}
	s := &Server{deps: d, log: d.Logger, mux: http.NewServeMux(), metrics: newMetrics(d.Registerer), idle: d.IdleTimeout}
	s.register()
	if d.Extra != nil {
		d.Extra(s.mux)
	}
	return s
}

// Handler is the whole HTTP handler, middleware included.
func (s *Server) Handler() http.Handler { return s.observe(s.mux) }

// Routes lists the registered API patterns ("GET /health", ...).
func (s *Server) Routes() []string { return slices.Clone(s.routes) }

func (s *Server) handle(pattern string, h http.Handler) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, h)
}

func (s *Server) handleFunc(pattern string, h http.HandlerFunc) { s.handle(pattern, h) }

// register adds every route. Each resource file adds its own group.
func (s *Server) register() {
	s.handleFunc("GET /health", s.handleHealth)
	s.handle("GET /metrics", s.handleMetrics())
	s.handleFunc("GET /api/openapi.json", s.handleOpenAPI)
	s.registerAuth()
	s.registerDocuments()
	s.registerNotes()
	s.registerAudit()
	s.registerClassify()
	s.registerJobs()
	s.registerCloud()
	s.registerMail()
	s.registerSpaces()
	s.registerMetadata()
	s.registerLinks()
	// Unknown API paths answer problem JSON rather than the mux's plain text.
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, apperr.New(apperr.NotFound, "no such API endpoint: %s %s", r.Method, r.URL.Path))
	})
}
