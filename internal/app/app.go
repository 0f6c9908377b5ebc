// Package app builds a whole DocuVault process from a Config: database,
// blob store, job engine and HTTP server. cmd/docuvault and the end-to-end
// tests both start DocuVault through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/docuvault/docuvault/internal/api"
	"github.com/docuvault/docuvault/internal/audit"
	"github.com/docuvault/docuvault/internal/auth"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/integrity"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/mailin"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/share"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/web"
)

// Version is set at build time with -ldflags "-X .../internal/app.Version=v1.2.3".
var Version = ""

// VersionString is the version, or the module's build info when unset.
func VersionString() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

// App is one DocuVault process.
type App struct {
	Config      *config.Config
	Log         *slog.Logger
	Store       *store.Store
	Blobs       blob.Store
	Registry    *prometheus.Registry
	Jobs        *jobs.Engine
	Lifecycle   *lifecycle.Lifecycle // a document's jobs and states after upload
	Documents   *document.Service
	Audit       *audit.Exporter
	Extractor   *extract.Extractor // nil unless this process works jobs
	Pipeline    *pipeline.Pipeline // nil unless this process works jobs
	Cloud       *cloud.Service     // users' cloud drives and document placement
	Mail        *mailin.Service    // mail intake from users' IMAP mailboxes
	Accounts    *auth.Service
	ClassifySvc *classify.Service
	Sealer      *seal.Sealer // seals per-user secrets under CLOUD_CREDS_KEY
	Guard       *ssrf.Guard  // checks outbound requests to user-supplied URLs
	Health      map[string]api.HealthCheck

	purges     []func(context.Context) error
	closers    []func() error
	setupToken string // logged by Serve while no admin exists
}

// Options say what kind of process Open builds.
type Options struct {
	// Migrate applies pending migrations first (serve, migrate, import).
	Migrate bool
	// RunWorkers works jobs in this process (serve, worker); otherwise jobs
	// are only enqueued.
	RunWorkers bool
	// Auth, when set, adjusts the accounts service's settings before it is
	// built: tests (internal/apptest) lower the password hashing cost and
	// raise the rate limits. Nil in every command.
	Auth func(*auth.Config)
}

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open connects to everything the configuration names and builds the
// services. Nothing runs until Serve or RunWorker.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, o Options) (*App, error) {
	if err := cfg.EnsureSecrets(); err != nil {
		return nil, err
	}
	warnOpenDataDir(cfg.DataDir, log)
	a := &App{Config: cfg, Log: log, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	st, err := store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, SQLitePath: cfg.SQLitePath()})
	if err != nil {
		return nil, err
	}
	a.Store = st
	a.closers = append(a.closers, st.Close)
	if o.Migrate {
		if err := a.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	if a.Blobs, err = openBlobs(ctx, cfg); err != nil {
		return nil, err
	}
	if err := a.build(ctx, o); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// build makes the services on top of the store and blob store. Each gets
// what it uses as an argument when it is made; the lifecycle gets the
// services that do a document's work when its jobs are registered.
func (a *App) build(ctx context.Context, o Options) error {
	cfg := a.Config
	var err error
	a.Jobs, err = jobs.New(a.Store, jobs.Config{Workers: cfg.Workers, Logger: a.Log, RunWorkers: o.RunWorkers})
	if err != nil {
		return err
	}
	a.Registry.MustRegister(a.Jobs.Collector())
	a.Lifecycle = lifecycle.New(a.Jobs)
	if err := a.buildCloud(); err != nil {
		return err
	}
	backend := ""
	if cfg.BackendURLSet {
		backend = cfg.BackendURL
	}
	a.Documents, err = document.New(a.Store, a.Blobs, a.Lifecycle, a.Log, document.Config{
		MaxUploadBytes: cfg.MaxUploadBytes, MaxPendingUploads: cfg.MaxPendingUploads, BackendURL: backend, SecretKey: cfg.SecretKey,
		TrashRetention: time.Duration(cfg.TrashRetentionDays) * 24 * time.Hour,
		PageCacheDir:   filepath.Join(cfg.CacheDir(), "pages"),
		Remote:         a.Cloud,
	})
	if err != nil {
		return err
	}
	if err := a.buildMail(); err != nil {
		return err
	}
	a.Audit = audit.New(a.Store, a.Blobs, a.Log, time.Duration(cfg.AuditRetentionDays)*24*time.Hour)
	a.Health = map[string]api.HealthCheck{"database": a.Store.Ping, "storage": a.Blobs.Check}
	if err := a.buildAccounts(ctx, o.Auth); err != nil {
		return err
	}
	a.ClassifySvc = classify.NewService(a.Store, a.Sealer, classify.Defaults{Provider: cfg.DefaultAIProvider,
		Model: cfg.DefaultAIModel, AnthropicKey: cfg.AnthropicAPIKey, OpenAIKey: cfg.OpenAIAPIKey,
		AnthropicURL: cfg.AnthropicBaseURL, OpenAIURL: cfg.OpenAIBaseURL, OllamaURL: cfg.OllamaBaseURL, LMStudioURL: cfg.LMStudioBaseURL},
		a.Guard.Client(2*time.Minute), a.Log)
	a.ClassifySvc.SetEnqueuer(classifyQueue{a.Lifecycle, a.Jobs})
	if o.RunWorkers {
		a.Extractor, err = extract.New(extract.Config{CacheDir: filepath.Join(cfg.CacheDir(), "wazero"), Workers: cfg.Workers,
			OCRLanguages: cfg.OCRLanguages, Limits: extract.Limits{OCRMaxPages: cfg.OCRMaxPages,
				Timeout: cfg.ProcessTimeout, MaxTextBytes: cfg.MaxTextBytes, MaxDecompressedBytes: cfg.MaxExtractBytes},
			PDFIdleRelease: cfg.PDFIdleRelease})
		if err != nil {
			return err
		}
		a.closers = append(a.closers, a.Extractor.Close)
		a.Documents.SetPageRenderer(a.Extractor)
		ocr := a.Extractor.OCR()
		a.Health["ocr"] = func(context.Context) error {
			if !ocr.Available() {
				return api.Unavailable{Reason: ocr.Reason()}
			}
			return nil
		}
		a.Pipeline = pipeline.New(a.Store, a.Blobs, a.Extractor, a.Lifecycle, a.Log, filepath.Join(cfg.DataDir, "tmp"),
			pipeline.Limits{Timeout: cfg.ProcessTimeout, MaxTextBytes: cfg.MaxTextBytes})
		// The document's own date, found in its text (unless the user set one).
		a.Pipeline.FindDates(pipeline.Dates{Sink: a.Store, Order: cfg.DateOrder})
	}
	// Every mode: an insert-only engine (CLI commands, serve without
	// workers) refuses job kinds it does not know; its workers never run.
	return a.registerJobs(a.Jobs)
}

// Migrate applies the database migrations: DocuVault's and the job engine's.
func (a *App) Migrate(ctx context.Context) error {
	if err := a.Store.Migrate(ctx, a.Config.DatabaseMigrateURL); err != nil {
		return err
	}
	if u := a.Config.DatabaseMigrateURL; u != "" && u != a.Config.DatabaseURL {
		mdb, err := a.Store.MigrationDB(u)
		if err != nil {
			return fmt.Errorf("DATABASE_MIGRATE_URL: %w", err)
		}
		if mdb != nil {
			defer mdb.Close()
			return jobs.Migrate(ctx, a.Store, mdb)
		}
	}
	return jobs.Migrate(ctx, a.Store)
}

func openBlobs(ctx context.Context, cfg *config.Config) (blob.Store, error) {
	if cfg.UsesS3() {
		return blob.NewS3(ctx, blob.S3Config{Endpoint: cfg.MinioEndpoint, PublicEndpoint: cfg.MinioPublicEndpoint,
			AccessKey: cfg.MinioAccessKey, SecretKey: cfg.MinioSecretKey, Bucket: cfg.MinioBucket,
			Region: cfg.MinioRegion, UseSSL: cfg.MinioUseSSL})
	}
	return blob.NewLocal(cfg.BlobDir())
}

// Close releases everything Open acquired, in reverse order.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// API builds the HTTP handler.
func (a *App) API() *api.Server {
	ui, err := web.New(web.Config{Version: VersionString()}, a.Log)
	if err != nil {
		// The templates are embedded and tested; failing here is a build defect.
		panic(err)
	}
	return api.New(api.Deps{
		Logger:         a.Log,
		Store:          a.Store,
		Blobs:          a.Blobs,
		Registerer:     a.Registry,
		Gatherer:       a.Registry,
		Version:        VersionString(),
		Health:         a.Health,
		Documents:      a.Documents,
		Accounts:       a.Accounts,
		Classify:       a.ClassifySvc,
		Jobs:           a.Jobs,
		Audit:          a.Audit,
		Cloud:          a.Cloud,
		Mail:           a.Mail,
		Share:          share.New(a.Store, a.Documents, a.Accounts, a.Log, share.Config{FrontendURL: a.Config.FrontendURL}),
		SharePages:     ui,
		MetricsToken:   a.Config.MetricsToken,
		TrustedProxies: a.Config.TrustedProxies,
		Extra:          ui.Register,
	})
}

// Serve runs the HTTP server until ctx ends, then shuts down gracefully:
// stop accepting, finish in-flight requests within ShutdownTimeout.
// ready, when non-nil, receives the listening address.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := Listen(a.Config.ListenAddr)
	if err != nil {
		return err
	}
	return a.ServeListener(ctx, ln, ready)
}

// Listen binds LISTEN_ADDR. A port already in use is one plain sentence, so
// serve can bind before the slow start (migrations, workers) and say so at
// once.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("cannot listen on %s: the address is already in use by another program (stop it, or set LISTEN_ADDR to another port)", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (LISTEN_ADDR): %w", addr, err)
	}
	return ln, nil
}

// ServeListener is Serve on a listener bound beforehand (see Listen); it
// closes ln.
func (a *App) ServeListener(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	srv := &http.Server{
		Handler:           a.API().Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       0, // uploads may be long; bodies are limited by size and idle time
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if err := a.Jobs.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	cctx, stopConsume := context.WithCancel(ctx)
	waitConsume := a.startConsume(cctx)
	defer func() { stopConsume(); waitConsume() }()
	addr := "http://" + ln.Addr().String()
	a.Log.Info("listening", "addr", addr, "version", VersionString(), "database", string(a.Store.Dialect()), "storage", a.Blobs.Name())
	a.logSetupLink(addr)
	if ready != nil {
		ready(addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down", "timeout", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	herr := srv.Shutdown(sctx)
	if herr != nil {
		srv.Close()
	}
	jerr := a.Jobs.Stop(sctx)
	if err := errors.Join(herr, jerr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// RunWorker works jobs until ctx ends, then finishes running jobs within
// ShutdownTimeout.
func (a *App) RunWorker(ctx context.Context) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	a.Log.Info("worker started", "version", VersionString(), "database", string(a.Store.Dialect()), "storage", a.Blobs.Name())
	<-ctx.Done()
	a.Log.Info("worker stopping", "timeout", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	return a.Jobs.Stop(sctx)
}

// CheckOptions are the integrity check's options for this instance.
func (a *App) CheckOptions(repair, quick bool) integrity.Options {
	o := integrity.Options{Repair: repair, Quick: quick}
	if a.Cloud != nil {
		o.Remote = a.Cloud
	}
	return o
}

// warnOpenDataDir warns when other local accounts can enter or read
// DATA_DIR: it holds the database (every user's text, e-mail address and
// password hash), the document files and the secrets. New folders are
// created 0700; an existing one keeps the mode its operator gave it.
func warnOpenDataDir(dir string, log *slog.Logger) {
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("DATA_DIR is open to other local accounts; it holds every user's documents and the secrets",
		slog.String("path", dir), slog.String("mode", fmt.Sprintf("%04o", st.Mode().Perm())),
		slog.String("fix", "chmod 700 "+dir))
}
