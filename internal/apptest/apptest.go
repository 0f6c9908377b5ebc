// Package apptest boots the real DocuVault application for tests: the same
// internal/app code path as `docuvault serve` (configuration, migrations,
// services, job engine, router), on a fresh data directory and SQLite, or on
// a fresh PostgreSQL database when asked, behind an httptest server.
//
// Tests in package api cannot import it (internal/app imports internal/api);
// the API tests live in package api_test.
package apptest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/api"
	"github.com/docuvault/docuvault/internal/app"
	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// App is a running DocuVault: the application (its Store, Documents, Jobs,
// Accounts, ... for test setup), its router and an HTTP server on it.
type App struct {
	*app.App
	// API is the router the server serves (its Routes list every route).
	API *api.Server
	// Server serves API on a local port; URL is its address, also the
	// configured FRONTEND_URL.
	Server *httptest.Server
	URL    string

	t testing.TB
}

type options struct {
	dialect store.Dialect
	env     map[string]string
	config  []func(*config.Config)
	auth    []func(*auth.Config)
	workers bool
	log     *slog.Logger
}

// Option changes what New boots.
type Option func(*options)

// Postgres runs the application on a new PostgreSQL database of its own
// (storetest.PostgresURL: skipped without a server, a failure when CI=true
// or DOCUVAULT_REQUIRE_POSTGRES=1).
func Postgres() Option { return Dialect(store.Postgres) }

// Dialect runs the application on that engine (SQLite by default).
func Dialect(d store.Dialect) Option { return func(o *options) { o.dialect = d } }

// Env sets an environment variable of the configuration before it is
// loaded and validated, as an operator would (MAIL_CA_FILE, WORKERS, ...).
func Env(key, value string) Option { return func(o *options) { o.env[key] = value } }

// Config changes the loaded configuration before the application is built.
func Config(fn func(*config.Config)) Option {
	return func(o *options) { o.config = append(o.config, fn) }
}

// Auth changes the accounts service's settings after apptest's defaults
// (cheap password hashing, generous rate limits).
func Auth(fn func(*auth.Config)) Option { return func(o *options) { o.auth = append(o.auth, fn) } }

// Workers makes the process work jobs (document processing, classification,
// placement, mail) like serve does; by default it only enqueues them, so a
// test sees documents exactly as uploaded.
func Workers() Option { return func(o *options) { o.workers = true } }

// Logger sets the application's logger (discarded by default).
func Logger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Generous is the rate limit apptest gives sign-in, registration and resets:
// the tests sign many accounts in from one address.
var Generous = auth.Limit{N: 1000, Window: time.Hour}

// New boots the application for this test; everything is stopped and
// removed at cleanup. It fails the test when the application cannot start.
func New(t testing.TB, opts ...Option) *App {
	t.Helper()
	o := &options{dialect: store.SQLite, env: map[string]string{}, log: slog.New(slog.DiscardHandler)}
	for _, fn := range opts {
		fn(o)
	}
	// The server runs first: its address is the FRONTEND_URL the
	// application hands out in links and OAuth redirects.
	var handler http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)

	env := map[string]string{"DATA_DIR": t.TempDir(), "HIBP_URL": "off", "FRONTEND_URL": srv.URL, "LOG_LEVEL": "error"}
	if o.dialect == store.Postgres {
		env["DATABASE_URL"] = storetest.PostgresURL(t)
	}
	for k, v := range o.env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("apptest: configuration: %v", err)
	}
	for _, fn := range o.config {
		fn(cfg)
	}
	tune := func(c *auth.Config) {
		c.Argon2 = auth.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
		c.InsecureArgon2ForTests = true
		g := Generous
		c.Limits.LoginPerAccountIP, c.Limits.LoginPerAccount, c.Limits.LoginPerIP = g, g, g
		c.Limits.TOTPPerAccountIP, c.Limits.TOTPPerAccount = g, g
		c.Limits.ResetPerAccount, c.Limits.ResetPerIP = g, g
		c.Limits.RegisterPerAccount, c.Limits.RegisterPerIP = g, g
		for _, fn := range o.auth {
			fn(c)
		}
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, o.log, app.Options{Migrate: true, RunWorkers: o.workers, Auth: tune})
	if err != nil {
		t.Fatalf("apptest: open the application on %s: %v", o.dialect, err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("apptest: close: %v", err)
		}
	})
	if err := a.EnsureAdmin(ctx); err != nil {
		t.Fatalf("apptest: %v", err)
	}
	// As ServeListener: the engine runs (insert-only unless Workers), and
	// is stopped before the database closes (cleanups run last first).
	jctx, cancel := context.WithCancel(ctx)
	if err := a.Jobs.Start(jctx); err != nil {
		cancel()
		t.Fatalf("apptest: start the job engine: %v", err)
	}
	t.Cleanup(func() {
		defer cancel()
		sctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
		defer stop()
		if err := a.Jobs.Stop(sctx); err != nil {
			t.Errorf("apptest: stop the job engine: %v", err)
		}
	})
	s := a.API()
	handler = s.Handler()
	t.Cleanup(srv.Close) // first: no request is in flight when the engine and database stop
	return &App{App: a, API: s, Server: srv, URL: srv.URL, t: t}
}

// Each runs fn as a subtest on an application on SQLite and one on
// PostgreSQL, each with opts.
func Each(t *testing.T, fn func(t *testing.T, a *App), opts ...Option) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			fn(t, New(t, append(append([]Option(nil), opts...), Dialect(d))...))
		})
	}
}
