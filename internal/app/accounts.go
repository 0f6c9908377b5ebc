package app

import (
	"context"

	"github.com/docuvault/docuvault/internal/auth"
)

// buildAccounts makes the accounts service: revocations, rate limits and the
// TOTP replay window in Redis when REDIS_URL is set (shared by every node),
// in the database otherwise.
func (a *App) buildAccounts(ctx context.Context) error {
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
	svc, err := auth.New(a.Store, state, a.mailer(), a.Log, auth.Config{
		SecretKey:             cfg.SecretKey,
		FrontendURL:           cfg.FrontendURL,
		RegistrationOpen:      cfg.RegistrationOpen,
		HIBPURL:               cfg.HIBPURL,
		DefaultQuotaBytes:     cfg.DefaultQuotaBytes,
		DefaultQuotaDocuments: cfg.DefaultQuotaDocuments,
	})
	if err != nil {
		return err
	}
	svc.SetUserDataRemover(a.Documents)
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
func (a *App) EnsureAdmin(ctx context.Context) error {
	if a.Config.AdminEmail == "" {
		return nil
	}
	return a.Accounts.EnsureAdmin(ctx, a.Config.AdminEmail, a.Config.AdminPassword)
}
