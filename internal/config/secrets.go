package config

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnsureSecrets creates DATA_DIR and fills SecretKey and CloudCredsKey when
// they are not configured: from files generated on the first start (mode
// 0600) and reused on every later start, so tokens and stored credentials
// survive restarts.
func (c *Config) EnsureSecrets() error {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("create DATA_DIR: %w", err)
	}
	var err error
	if c.SecretKey == "" {
		if c.SecretKey, err = loadOrCreateSecret(filepath.Join(c.DataDir, "secret_key")); err != nil {
			return err
		}
	}
	if c.CloudCredsKey == "" {
		if c.CloudCredsKey, err = loadOrCreateSecret(filepath.Join(c.DataDir, "cloud_creds_key")); err != nil {
			return err
		}
	}
	return nil
}

func loadOrCreateSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return "", fmt.Errorf("secret file %s is damaged (shorter than 32 characters); restore it from a backup", path)
		}
		return s, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	s := base64.RawURLEncoding.EncodeToString(raw)
	// O_EXCL: two processes starting at once cannot overwrite each other's secret.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateSecret(path)
	}
	if err != nil {
		return "", fmt.Errorf("create secret: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write secret: %w", err)
	}
	return s, f.Close()
}

// InstanceID names this instance without revealing a secret: a hash of
// SECRET_KEY, so it is the same on every node and across restarts (call it
// after EnsureSecrets). Exports record it to recognise their own folder.
func (c *Config) InstanceID() string {
	sum := sha256.Sum256([]byte("docuvault instance\x00" + c.SecretKey))
	return hex.EncodeToString(sum[:8])
}
