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

	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/docuvault/docuvault/internal/api"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/config"
	"github.com/docuvault/docuvault/internal/integrity"
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
	Config   *config.Config
	Log      *slog.Logger
	Store    *store.Store
	Blobs    blob.Store
	Registry *prometheus.Registry

	closers []func() error
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

// Open connects to everything the configuration names. With migrate set it
// applies pending migrations first (serve does; worker expects them applied).
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool) (*App, error) {
	if err := cfg.EnsureSecrets(); err != nil {
		return nil, err
	}
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
	if migrate {
		if err := a.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	if a.Blobs, err = openBlobs(ctx, cfg); err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// Migrate applies the database migrations.
func (a *App) Migrate(ctx context.Context) error {
	return a.Store.Migrate(ctx, a.Config.DatabaseMigrateURL)
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
	return api.New(api.Deps{
		Logger:     a.Log,
		Store:      a.Store,
		Blobs:      a.Blobs,
		Registerer: a.Registry,
		Gatherer:   a.Registry,
		Version:    VersionString(),
		Health: map[string]api.HealthCheck{
			"database": a.Store.Ping,
			"storage":  a.Blobs.Check,
		},
		MetricsToken: a.Config.MetricsToken,
		Extra:        a.mountUI,
	})
}

// mountUI adds the web UI to the API's mux.
func (a *App) mountUI(mux *http.ServeMux) {
	ui, err := web.New(web.Config{Version: VersionString()}, a.Log)
	if err != nil {
		// The templates are embedded and tested; failing here is a build defect.
		panic(err)
	}
	ui.Register(mux)
}

// Serve runs the HTTP server until ctx ends, then shuts down gracefully:
// stop accepting, finish in-flight requests within ShutdownTimeout.
// ready, when non-nil, receives the listening address.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.ListenAddr, err)
	}
	srv := &http.Server{
		Handler:           a.API().Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       0, // uploads may be long; bodies are limited by size and idle time
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	addr := "http://" + ln.Addr().String()
	a.Log.Info("listening", "addr", addr, "version", VersionString(), "database", string(a.Store.Dialect()), "storage", a.Blobs.Name())
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
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// RunWorker runs the job workers until ctx ends.
func (a *App) RunWorker(ctx context.Context) error {
	a.Log.Info("worker started", "version", VersionString(), "database", string(a.Store.Dialect()))
	<-ctx.Done()
	a.Log.Info("worker stopping")
	return nil
}

// CheckOptions are the integrity check's options for this instance.
func (a *App) CheckOptions(repair, quick bool) integrity.Options {
	return integrity.Options{Repair: repair, Quick: quick}
}
