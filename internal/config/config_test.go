package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/docdate"
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
	if c.MaxUploadBytes != 1<<30 || c.MaxPendingUploads != 10 || c.TrashRetentionDays != 30 || c.SMTPPort != 587 || c.DefaultAIProvider != "local" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.FrontendURL != "http://127.0.0.1:8080" || c.BackendURL != c.FrontendURL {
		t.Fatalf("urls: %q %q", c.FrontendURL, c.BackendURL)
	}
	if strings.Join(c.OCRLanguages, "+") != "eng" {
		t.Fatalf("ocr languages: %v", c.OCRLanguages)
	}
	if c.ProcessTimeout != 5*time.Minute || c.MaxTextBytes != 4<<20 || c.MaxExtractBytes != 256<<20 {
		t.Fatalf("processing limits: %v, %d bytes, %d bytes read", c.ProcessTimeout, c.MaxTextBytes, c.MaxExtractBytes)
	}
	if c.DateOrder != docdate.DMY {
		t.Fatalf("date order: %v", c.DateOrder)
	}
	if c.PDFIdleRelease != 30*time.Second {
		t.Fatalf("PDF idle release: %v", c.PDFIdleRelease)
	}
	for v, want := range map[string]time.Duration{"0": 0, "0s": 0, "5m": 5 * time.Minute} {
		c, err := Load(env(map[string]string{"PDF_IDLE_RELEASE": v}))
		if err != nil || c.PDFIdleRelease != want {
			t.Errorf("PDF_IDLE_RELEASE=%s: %v, %v; want %v", v, c.PDFIdleRelease, err, want)
		}
	}
	if c.MailPollInterval != 10*time.Minute || c.MailCAFile != "" {
		t.Fatalf("mail intake: every %v, CA file %q", c.MailPollInterval, c.MailCAFile)
	}
}

func TestValidationNamesEachBadVariable(t *testing.T) {
	_, err := Load(env(map[string]string{
		"LISTEN_ADDR":         "nonsense",
		"DATABASE_URL":        "mysql://x",
		"SMTP_PORT":           "99999",
		"MAX_UPLOAD_BYTES":    "-3",
		"MAX_PENDING_UPLOADS": "0",
		"DEFAULT_AI_PROVIDER": "skynet",
		"MINIO_ENDPOINT":      "127.0.0.1:9000",
		"REGISTRATION_OPEN":   "perhaps",
		"SHUTDOWN_TIMEOUT":    "soon",
		"ADMIN_EMAIL":         "admin@example.com",
		"OPENAI_BASE_URL":     "api.example.com/v1",
		"LMSTUDIO_BASE_URL":   "http://user:pw@gpu:1234/v1",
		"PROCESS_TIMEOUT":     "0s",
		"MAX_TEXT_BYTES":      "1000",
		"MAX_EXTRACT_BYTES":   "1000",
		"PDF_IDLE_RELEASE":    "-5s",
		"MAIL_POLL_INTERVAL":  "5s",
		"DATE_ORDER":          "YMD",
	}))
	if err == nil {
		t.Fatal("expected an error")
	}
	for _, name := range []string{"LISTEN_ADDR", "DATABASE_URL", "SMTP_PORT", "MAX_UPLOAD_BYTES", "MAX_PENDING_UPLOADS", "DEFAULT_AI_PROVIDER", "MINIO_ACCESS_KEY", "REGISTRATION_OPEN", "SHUTDOWN_TIMEOUT", "ADMIN_EMAIL", "OPENAI_BASE_URL", "LMSTUDIO_BASE_URL", "PROCESS_TIMEOUT", "MAX_TEXT_BYTES", "MAX_EXTRACT_BYTES", "PDF_IDLE_RELEASE", "MAIL_POLL_INTERVAL", "DATE_ORDER"} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

// A local AI provider as the system default needs the operator to name its server.
func TestDefaultLocalAIProviderNeedsItsURL(t *testing.T) {
	for _, p := range []struct{ provider, variable string }{{"ollama", "OLLAMA_BASE_URL"}, {"lmstudio", "LMSTUDIO_BASE_URL"}} {
		_, err := Load(env(map[string]string{"DEFAULT_AI_PROVIDER": p.provider}))
		if err == nil || !strings.Contains(err.Error(), p.variable+":") {
			t.Errorf("DEFAULT_AI_PROVIDER=%s without %s: %v", p.provider, p.variable, err)
		}
		c, err := Load(env(map[string]string{"DEFAULT_AI_PROVIDER": p.provider, p.variable: "http://gpu-box:8000/v1"}))
		if err != nil || c.OllamaBaseURL+c.LMStudioBaseURL != "http://gpu-box:8000/v1" {
			t.Errorf("DEFAULT_AI_PROVIDER=%s with %s: %+v %v", p.provider, p.variable, c, err)
		}
	}
}

func TestDateOrder(t *testing.T) {
	c, err := Load(env(map[string]string{"DATE_ORDER": "mdy"}))
	if err != nil || c.DateOrder != docdate.MDY {
		t.Fatalf("DATE_ORDER=mdy: %v %v", c, err)
	}
	_, err = Load(env(map[string]string{"DATE_ORDER": "day-month-year"}))
	if err == nil || !strings.Contains(err.Error(), "DATE_ORDER:") || !strings.Contains(err.Error(), "use DMY") {
		t.Fatalf("DATE_ORDER=day-month-year: %v", err)
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

// TestTrustedProxies: addresses and CIDRs of both families; anything else
// is refused naming TRUSTED_PROXIES.
func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,[2001:db8::7],::ffff:192.168.0.0/112"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if want := "127.0.0.1/32 10.0.0.0/8 ::1/128 fd00::/8 2001:db8::7/128 192.168.0.0/16"; strings.Join(got, " ") != want {
		t.Fatalf("TRUSTED_PROXIES: %v, want %s", got, want)
	}
	if c, _ := Load(env(nil)); len(c.TrustedProxies) != 0 {
		t.Fatalf("default: %v", c.TrustedProxies)
	}
	for _, bad := range []string{"proxy.local", "10.0.0.0/33", "10.0.0", "fe80::1%eth0"} {
		if _, err := Load(env(map[string]string{"TRUSTED_PROXIES": "127.0.0.1," + bad})); err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES:") {
			t.Errorf("TRUSTED_PROXIES=%q: %v", bad, err)
		}
	}
}
