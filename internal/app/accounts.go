package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/docuvault/docuvault/internal/auth"
)

// buildAccounts makes the accounts service: revocations, rate limits and the
// TOTP replay window in Redis when REDIS_URL is set (shared by every node),
// in the database otherwise. tune, when set, adjusts the settings (tests).
func (a *App) buildAccounts(ctx context.Context, tune func(*auth.Config)) error {
	cfg := a.Config
	var state auth.State = auth.NewDBState(a.Store)
	if cfg.RedisURL != "" {
		rs, err := auth.NewRedisState(ctx, cfg.RedisURL, "docuvault:")
		if err != nil {
			return err
		}
		a.closers = append(a.closers, rs.Close)
		a.Health["redis"] = rs.Ping
		state = rs
	}
	ac := auth.Config{
		SecretKey:             cfg.SecretKey,
		FrontendURL:           cfg.FrontendURL,
		RegistrationOpen:      cfg.RegistrationOpen,
		HIBPURL:               cfg.HIBPURL,
		DefaultQuotaBytes:     cfg.DefaultQuotaBytes,
		DefaultQuotaDocuments: cfg.DefaultQuotaDocuments,
		SetupTokenFile:        a.setupTokenFile(),
		UserData:              a.Documents,
	}
	if tune != nil {
		tune(&ac)
	}
	svc, err := auth.New(a.Store, state, a.mailer(), a.Log, ac)
	if err != nil {
		return err
	}
	a.Accounts = svc
	a.purges = append(a.purges, func(ctx context.Context) error {
		_, err := svc.Purge(ctx)
		return err
	})
	return nil
}

// mailer renders account mail and queues it on the "email" queue; the email
// worker sends it by SMTP, or writes it to the log without SMTP_HOST.
func (a *App) mailer() auth.Mailer {
	return jobMailer{jobs: a.Jobs, frontendURL: a.Config.FrontendURL}
}

// EnsureAdmin creates or updates the ADMIN_EMAIL account when configured.
// Otherwise, while no admin exists, it prepares the one-time setup token:
// stored by hash in the database (any node accepts it), written alone to
// DATA_DIR/setup-token (0600), and logged as a link by Serve. Once an admin
// exists the token file is removed.
func (a *App) EnsureAdmin(ctx context.Context) error {
	if a.Config.AdminEmail != "" {
		if err := a.Accounts.EnsureAdmin(ctx, a.Config.AdminEmail, a.Config.AdminPassword); err != nil {
			return err
		}
		return a.Accounts.FinishSetupIfAdmin(ctx)
	}
	path := a.setupTokenFile()
	previous := ""
	if b, err := os.ReadFile(path); err == nil {
		previous = strings.TrimSpace(string(b))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("setup token: %w", err)
	}
	token, err := a.Accounts.PrepareSetup(ctx, previous)
	if err != nil {
		return err
	}
	if token == "" {
		return a.Accounts.FinishSetupIfAdmin(ctx)
	}
	if token != previous {
		if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
			return fmt.Errorf("setup token: %w", err)
		}
	}
	a.setupToken = token
	return nil
}

func (a *App) setupTokenFile() string { return filepath.Join(a.Config.DataDir, "setup-token") }

// logSetupLink says how to create the first admin, with the link on this
// server's real address when FRONTEND_URL was left to its default.
func (a *App) logSetupLink(addr string) {
	if a.setupToken == "" {
		return
	}
	base := a.Config.FrontendURL
	if base == "http://"+a.Config.ListenAddr {
		base = addr
	}
	a.Log.Warn("no admin yet: finish setup at "+base+"/setup?token="+a.setupToken,
		slog.String("token_file", a.setupTokenFile()), slog.String("hint", "or set ADMIN_EMAIL and ADMIN_PASSWORD"))
}
