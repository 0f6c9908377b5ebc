package cloud

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/model"
)

// openDrive unseals the account's own credentials and builds its drive.
// OAuth drives persist refreshed tokens on the account.
func (s *Service) openDrive(acc *model.CloudAccount) (Drive, error) {
	plain, err := s.sealer.Open(acc.OwnerID, seal.PurposeCloudCreds, acc.ID, acc.Credentials)
	if err != nil {
		return nil, fmt.Errorf("cloud: account %s credentials: %w", acc.ID, err)
	}
	k, ok := LookupKind(acc.Kind)
	if !ok {
		return nil, fmt.Errorf("cloud: account %s has unknown kind %q", acc.ID, acc.Kind)
	}
	if k.OpenPassword != nil {
		var creds WebDAVCredentials
		if err := json.Unmarshal(plain, &creds); err != nil {
			return nil, fmt.Errorf("cloud: account %s credentials: %w", acc.ID, err)
		}
		return k.OpenPassword(DriveEnv{Guard: s.guard, RT: s.rt}, creds)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(plain, &tok); err != nil {
		return nil, fmt.Errorf("cloud: account %s token: %w", acc.ID, err)
	}
	cfg := s.cfg.OAuth[acc.Kind]
	if cfg == nil {
		return nil, fmt.Errorf("%w: %s is not configured on this server", ErrUnavailable, k.DisplayName)
	}
	return k.OpenToken(DriveEnv{OAuth: cfg, Client: s.cfg.ProviderClient, OnRefresh: s.tokenSaver(acc),
		APIURL: s.cfg.APIURLs[acc.Kind], ChunkSize: s.cfg.ChunkSizes[acc.Kind]}, &tok)
}

// tokenSaver seals and stores every refreshed token of acc, since
// providers may rotate refresh tokens.
func (s *Service) tokenSaver(acc *model.CloudAccount) TokenFunc {
	return func(t *oauth2.Token) {
		sealed, err := s.sealToken(acc.OwnerID, acc.ID, t)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = s.store.SetCloudCredentials(ctx, acc.OwnerID, acc.ID, sealed)
			cancel()
		}
		if err != nil {
			s.log.Warn("store refreshed cloud token", "account", acc.ID, "error", err)
		}
	}
}

func (s *Service) sealToken(userID, accountID string, t *oauth2.Token) ([]byte, error) {
	plain, err := json.Marshal(&oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType,
		RefreshToken: t.RefreshToken, Expiry: t.Expiry})
	if err != nil {
		return nil, err
	}
	return s.sealer.Seal(userID, seal.PurposeCloudCreds, accountID, plain)
}
