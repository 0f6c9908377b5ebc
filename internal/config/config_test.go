package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.ListenAddr != "127.0.0.1:8080" || c.UsesPostgres() || c.UsesS3() {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.MaxUploadBytes != 1<<30 || c.TrashRetentionDays != 30 || c.SMTPPort != 587 || c.DefaultAIProvider != "local" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.FrontendURL != "http://127.0.0.1:8080" || c.BackendURL != c.FrontendURL {
		t.Fatalf("urls: %q %q", c.FrontendURL, c.BackendURL)
	}
	if strings.Join(c.OCRLanguages, "+") != "eng" {
		t.Fatalf("ocr languages: %v", c.OCRLanguages)
	}
	if c.ProcessTimeout != 5*time.Minute || c.MaxTextBytes != 4<<20 {
		t.Fatalf("processing limits: %v, %d bytes", c.ProcessTimeout, c.MaxTextBytes)
	}
}

func TestValidationNamesEachBadVariable(t *testing.T) {
	_, err := Load(env(map[string]string{
		"LISTEN_ADDR":         "nonsense",
		"DATABASE_URL":        "mysql://x",
		"SMTP_PORT":           "99999",
		"MAX_UPLOAD_BYTES":    "-3",
		"DEFAULT_AI_PROVIDER": "skynet",
		"MINIO_ENDPOINT":      "127.0.0.1:9000",
		"REGISTRATION_OPEN":   "perhaps",
		"SHUTDOWN_TIMEOUT":    "soon",
		"ADMIN_EMAIL":         "admin@example.com",
		"PROCESS_TIMEOUT":     "0s",
		"MAX_TEXT_BYTES":      "1000",
	}))
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, name := range []string{"LISTEN_ADDR", "DATABASE_URL", "SMTP_PORT", "MAX_UPLOAD_BYTES", "DEFAULT_AI_PROVIDER", "MINIO_ACCESS_KEY", "REGISTRATION_OPEN", "SHUTDOWN_TIMEOUT", "ADMIN_EMAIL", "PROCESS_TIMEOUT", "MAX_TEXT_BYTES"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pw")
	if err := os.WriteFile(p, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"SMTP_PASSWORD_FILE": p, "DATABASE_URL": "postgres://app@db/x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPPassword != "s3cret-from-file" {
		t.Fatalf("got %q", c.SMTPPassword)
	}
	if c.DatabaseMigrateURL != "postgres://app@db/x" {
		t.Fatalf("migrate url should default to DATABASE_URL, got %q", c.DatabaseMigrateURL)
	}
	if _, err := Load(env(map[string]string{"SMTP_PASSWORD_FILE": filepath.Join(dir, "missing")})); err == nil || !strings.Contains(err.Error(), "SMTP_PASSWORD_FILE") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Load(env(map[string]string{"SMTP_PASSWORD": "a", "SMTP_PASSWORD_FILE": p})); err == nil {
		t.Fatal("both value and file must be refused")
	}
}

func TestEnsureSecretsGeneratesOnceWithMode0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c, err := Load(env(map[string]string{"DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if len(c.SecretKey) < 32 || len(c.CloudCredsKey) < 32 || c.SecretKey == c.CloudCredsKey {
		t.Fatalf("bad secrets %q %q", c.SecretKey, c.CloudCredsKey)
	}
	for _, name := range []string{"secret_key", "cloud_creds_key"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v", name, st.Mode().Perm())
		}
	}
	c2, _ := Load(env(map[string]string{"DATA_DIR": dir}))
	if err := c2.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if c2.SecretKey != c.SecretKey || c2.CloudCredsKey != c.CloudCredsKey {
		t.Fatal("secrets changed on restart")
	}
	// A configured key wins over the file.
	c3, _ := Load(env(map[string]string{"DATA_DIR": dir, "SECRET_KEY": strings.Repeat("k", 40)}))
	if err := c3.EnsureSecrets(); err != nil {
		t.Fatal(err)
	}
	if c3.SecretKey != strings.Repeat("k", 40) {
		t.Fatal("configured SECRET_KEY ignored")
	}
}
