package app

import (
	"context"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
)

// buildCloud makes the sealer and SSRF guard shared by every service, and
// the cloud drive service, from CLOUD_CREDS_KEY,
// CLOUD_ALLOWED_HOSTS, GOOGLE_CLIENT_*, ONEDRIVE_CLIENT_*,
// ONEDRIVE_TENANT_ID, FRONTEND_URL and BACKEND_URL. Its jobs (placement,
// migration, drain) are the lifecycle's.
func (a *App) buildCloud() error {
	cfg := a.Config
	var err error
	if a.Sealer, err = seal.New([]byte(cfg.CloudCredsKey)); err != nil {
		return fmt.Errorf("CLOUD_CREDS_KEY: %w", err)
	}
	if a.Guard, err = ssrf.New(cfg.CloudAllowedHosts); err != nil {
		return fmt.Errorf("CLOUD_ALLOWED_HOSTS: %w", err)
	}
	// The operator's OAuth clients by kind: the one place that maps the
	// OAuth providers of cloud.Kinds to their settings.
	clients := map[string]cloud.OAuthClient{
		cloud.KindGoogleDrive: {ID: cfg.GoogleClientID, Secret: cfg.GoogleClientSecret},
		cloud.KindOneDrive:    {ID: cfg.OneDriveClientID, Secret: cfg.OneDriveClientSecret, Tenant: cfg.OneDriveTenantID},
	}
	sc := cloud.ServiceConfig{FrontendURL: cfg.FrontendURL, OAuth: cloud.OAuthConfigs(clients, cfg.BackendURL)}
	a.Cloud, err = cloud.NewService(a.Store, a.Blobs, a.Sealer, a.Guard, a.Lifecycle, a.Log, sc)
	if err != nil {
		return err
	}
	a.purges = append(a.purges, func(ctx context.Context) error {
		_, err := a.Store.DeleteExpiredOAuthStates(ctx, time.Now())
		return err
	})
	return nil
}
