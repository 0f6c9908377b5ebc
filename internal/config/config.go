// Package config reads DocuVault's one typed Config from the environment.
//
// Every setting has a default in code, secrets may be given as NAME_FILE (a
// path whose contents are the value), and Load validates everything at start
// so a bad value fails with a message naming the variable. With nothing set,
// DocuVault runs on its embedded default: SQLite and blobs in DATA_DIR, with
// secrets generated once into DATA_DIR.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/docdate"
)

// Config is every setting of a DocuVault process.
type Config struct {
	DataDir    string // DATA_DIR: SQLite file, local blobs, generated secrets, caches
	ListenAddr string // LISTEN_ADDR: host:port of the HTTP server

	DatabaseURL        string // DATABASE_URL: postgres://... ; empty means SQLite in DataDir
	DatabaseMigrateURL string // DATABASE_MIGRATE_URL: role used for DDL; defaults to DatabaseURL

	MinioEndpoint       string // MINIO_ENDPOINT: host:port or URL of an S3 server; empty means local blobs
	MinioAccessKey      string
	MinioSecretKey      string
	MinioBucket         string
	MinioPublicEndpoint string // host used in presigned URLs; defaults to MinioEndpoint
	MinioUseSSL         bool   // MINIO_USE_SSL, or an https:// endpoint
	MinioRegion         string

	RedisURL string // REDIS_URL: redis://...; empty means database tables

	SecretKey     string // SECRET_KEY: PEM of an ECDSA P-256 key, or any string (a key is derived); generated when empty
	CloudCredsKey string // CLOUD_CREDS_KEY: master key for credential encryption; generated when empty

	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword string
	SMTPFrom     string

	GoogleClientID       string
	GoogleClientSecret   string
	OneDriveClientID     string
	OneDriveClientSecret string
	OneDriveTenantID     string

	AdminEmail    string
	AdminPassword string

	DefaultAIProvider string
	DefaultAIModel    string
	AnthropicAPIKey   string
	OpenAIAPIKey      string
	// AI endpoints the operator trusts: the system keys go only to the first two (or the
	// providers' own endpoints), and ollama and lmstudio are unavailable without the last two.
	AnthropicBaseURL string // ANTHROPIC_BASE_URL
	OpenAIBaseURL    string // OPENAI_BASE_URL
	OllamaBaseURL    string // OLLAMA_BASE_URL
	LMStudioBaseURL  string // LMSTUDIO_BASE_URL

	CORSOrigins []string
	// TrustedProxies (TRUSTED_PROXIES) are the reverse proxies whose
	// X-Forwarded-For / Forwarded headers name the client; empty ignores them.
	TrustedProxies []netip.Prefix
	FrontendURL    string
	BackendURL     string
	// BackendURLSet is true when BACKEND_URL was configured; otherwise URLs
	// the server hands out for itself follow the address the client used.
	BackendURLSet bool

	RegistrationOpen      bool
	MaxUploadBytes        int64
	MaxPendingUploads     int // direct uploads one user may have started and not completed
	DefaultQuotaBytes     int64
	DefaultQuotaDocuments int64
	TrashRetentionDays    int
	AuditRetentionDays    int
	OCRLanguages          []string
	OCRMaxPages           int
	CloudAllowedHosts     []string
	HIBPURL               string        // breached-password range API; "off" disables the check
	Workers               int           // concurrent document jobs per process
	ProcessTimeout        time.Duration // PROCESS_TIMEOUT: one document's processing job, and its classification job
	MaxTextBytes          int           // MAX_TEXT_BYTES: extracted text kept and indexed per document
	MaxExtractBytes       int64         // MAX_EXTRACT_BYTES: bytes of one file extraction reads (decompressed); text files and emails past it are indexed in part
	PDFIdleRelease        time.Duration // PDF_IDLE_RELEASE: how long the PDF engine stays in memory after its last document; 0 keeps it
	DateOrder             docdate.Order // DATE_ORDER: how 05/03/2024 in a document's text is read when its date is looked for
	ShutdownTimeout       time.Duration
	LogLevel              string
	LogFormat             string        // "text" or "json"
	MetricsToken          string        // when set, /metrics requires "Authorization: Bearer <token>"
	ConsumeDir            string        // CONSUME_DIR: a folder serve watches and imports from
	ConsumeUser           string        // CONSUME_USER: email of the account consumed files go to
	MailPollInterval      time.Duration // MAIL_POLL_INTERVAL: how often every mail account is polled
	MailCAFile            string        // MAIL_CA_FILE: PEM CA certificates trusted for IMAP servers, besides the system's
}

// Variable describes one environment variable, for --help and the README.
type Variable struct {
	Name, Default, Help string
}

// Variables lists every variable Load reads, in the order of the README table.
var Variables = []Variable{
	{"DATA_DIR", "./data", "SQLite database, local blobs, generated secrets and caches"},
	{"LISTEN_ADDR", "127.0.0.1:8080", "address of the HTTP server"},
	{"DATABASE_URL", "(SQLite in DATA_DIR)", "postgres://user:pass@host:5432/db to use PostgreSQL"},
	{"DATABASE_MIGRATE_URL", "DATABASE_URL", "PostgreSQL role that owns the schema, used for migrations"},
	{"MINIO_ENDPOINT", "(files in DATA_DIR/blobs)", "host:port of an S3-compatible store"},
	{"MINIO_ACCESS_KEY", "", "S3 access key"},
	{"MINIO_SECRET_KEY", "", "S3 secret key (or MINIO_SECRET_KEY_FILE)"},
	{"MINIO_BUCKET", "docuvault", "S3 bucket, created when missing"},
	{"MINIO_PUBLIC_ENDPOINT", "MINIO_ENDPOINT", "host:port browsers use for presigned URLs"},
	{"MINIO_USE_SSL", "false", "use HTTPS to reach the S3 store"},
	{"MINIO_REGION", "us-east-1", "S3 region"},
	{"REDIS_URL", "(database tables)", "redis://host:6379/0 to share revocations and rate limits between nodes"},
	{"SECRET_KEY", "(generated into DATA_DIR)", "token signing key (or SECRET_KEY_FILE)"},
	{"CLOUD_CREDS_KEY", "(generated into DATA_DIR)", "master key for stored credentials (or CLOUD_CREDS_KEY_FILE)"},
	{"SMTP_HOST", "(mail is logged)", "SMTP server"},
	{"SMTP_PORT", "587", "SMTP port (STARTTLS)"},
	{"SMTP_USER", "", "SMTP user"},
	{"SMTP_PASSWORD", "", "SMTP password (or SMTP_PASSWORD_FILE)"},
	{"SMTP_FROM", "DocuVault <noreply@localhost>", "sender address"},
	{"GOOGLE_CLIENT_ID", "", "Google Drive OAuth client"},
	{"GOOGLE_CLIENT_SECRET", "", "Google Drive OAuth secret (or _FILE)"},
	{"ONEDRIVE_CLIENT_ID", "", "OneDrive OAuth client"},
	{"ONEDRIVE_CLIENT_SECRET", "", "OneDrive OAuth secret (or _FILE)"},
	{"ONEDRIVE_TENANT_ID", "common", "Microsoft tenant"},
	{"ADMIN_EMAIL", "", "creates or updates this admin at start"},
	{"ADMIN_PASSWORD", "", "the admin's password (or ADMIN_PASSWORD_FILE)"},
	{"DEFAULT_AI_PROVIDER", "local", "local, anthropic, openai, ollama or lmstudio"},
	{"DEFAULT_AI_MODEL", "(the provider's default)", "model name"},
	{"ANTHROPIC_API_KEY", "", "system key for the anthropic provider (or _FILE)"},
	{"OPENAI_API_KEY", "", "system key for the openai provider (or _FILE)"},
	{"ANTHROPIC_BASE_URL", "(Anthropic's API)", "endpoint that gets ANTHROPIC_API_KEY (a proxy)"},
	{"OPENAI_BASE_URL", "(OpenAI's API)", "endpoint that gets OPENAI_API_KEY (a proxy, a compatible server)"},
	{"OLLAMA_BASE_URL", "(ollama unavailable)", "the Ollama server users may use, e.g. http://localhost:11434/v1"},
	{"LMSTUDIO_BASE_URL", "(lmstudio unavailable)", "the LM Studio server users may use, e.g. http://localhost:1234/v1"},
	{"CORS_ORIGINS", "", "comma-separated origins allowed to call the API from a browser"},
	{"TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For/Forwarded are believed"},
	{"FRONTEND_URL", "http://LISTEN_ADDR", "public URL of the web UI, used in emails"},
	{"BACKEND_URL", "FRONTEND_URL", "public URL of the API, used for OAuth callbacks and signed upload URLs"},
	{"REGISTRATION_OPEN", "true", "whether anyone may register"},
	{"MAX_UPLOAD_BYTES", "1073741824", "largest accepted file"},
	{"MAX_PENDING_UPLOADS", "10", "direct uploads one user may have started and not completed"},
	{"DEFAULT_QUOTA_BYTES", "0", "storage quota of new users (0 = unlimited)"},
	{"DEFAULT_QUOTA_DOCUMENTS", "0", "document quota of new users (0 = unlimited)"},
	{"TRASH_RETENTION_DAYS", "30", "days before the trash is emptied"},
	{"AUDIT_RETENTION_DAYS", "365", "days exported audit rows are kept"},
	{"OCR_LANGUAGES", "eng", "tesseract languages, e.g. eng+deu"},
	{"OCR_MAX_PAGES", "50", "pages per document sent to OCR"},
	{"CLOUD_ALLOWED_HOSTS", "", "hosts or CIDRs exempt from the SSRF guard (a LAN Nextcloud)"},
	{"HIBP_URL", "https://api.pwnedpasswords.com/range/", "breached-password range API; off disables"},
	{"WORKERS", "number of CPUs", "concurrent document jobs per process"},
	{"PROCESS_TIMEOUT", "5m", "time one document's processing may take before it fails"},
	{"MAX_TEXT_BYTES", "4194304", "extracted text kept and indexed per document"},
	{"MAX_EXTRACT_BYTES", "268435456", "bytes of one file read for its text (decompressed); a larger text, Markdown, CSV or email file is indexed in part, other formats fail"},
	{"PDF_IDLE_RELEASE", "30s", "time the PDF engine stays in memory after its last document (started again in well under a second); 0 keeps it loaded"},
	{"DATE_ORDER", "DMY", "how a document date like 05/03/2024 is read: DMY (5 March) or MDY (May 3)"},
	{"SHUTDOWN_TIMEOUT", "30s", "time to finish requests and jobs on SIGTERM"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LOG_FORMAT", "text", "text or json"},
	{"METRICS_TOKEN", "", "bearer token required by /metrics when set (or _FILE)"},
	{"CONSUME_DIR", "", "folder that serve watches; files dropped there are imported"},
	{"CONSUME_USER", "", "email of the account that consumed files belong to"},
	{"MAIL_POLL_INTERVAL", "10m", "how often connected mailboxes are polled"},
	{"MAIL_CA_FILE", "", "PEM file of extra CA certificates trusted for IMAP servers (a private CA)"},
}

// Getenv looks a variable up; tests pass a map instead of the process environment.
type Getenv func(string) string

// Load reads the environment through getenv and validates it. It does not
// touch the disk; call EnsureSecrets for that.
func Load(getenv Getenv) (*Config, error) {
	l := loader{getenv: getenv}
	c := &Config{
		DataDir:               l.str("DATA_DIR", "./data"),
		ListenAddr:            l.str("LISTEN_ADDR", "127.0.0.1:8080"),
		DatabaseURL:           l.secret("DATABASE_URL"),
		DatabaseMigrateURL:    l.secret("DATABASE_MIGRATE_URL"),
		MinioEndpoint:         l.str("MINIO_ENDPOINT", ""),
		MinioAccessKey:        l.secret("MINIO_ACCESS_KEY"),
		MinioSecretKey:        l.secret("MINIO_SECRET_KEY"),
		MinioBucket:           l.str("MINIO_BUCKET", "docuvault"),
		MinioPublicEndpoint:   l.str("MINIO_PUBLIC_ENDPOINT", ""),
		MinioUseSSL:           l.boolean("MINIO_USE_SSL", false),
		MinioRegion:           l.str("MINIO_REGION", "us-east-1"),
		RedisURL:              l.secret("REDIS_URL"),
		SecretKey:             l.secret("SECRET_KEY"),
		CloudCredsKey:         l.secret("CLOUD_CREDS_KEY"),
		SMTPHost:              l.str("SMTP_HOST", ""),
		SMTPPort:              l.integer("SMTP_PORT", 587, 1, 65535),
		SMTPUser:              l.str("SMTP_USER", ""),
		SMTPPassword:          l.secret("SMTP_PASSWORD"),
		SMTPFrom:              l.str("SMTP_FROM", "DocuVault <noreply@localhost>"),
		GoogleClientID:        l.str("GOOGLE_CLIENT_ID", ""),
		GoogleClientSecret:    l.secret("GOOGLE_CLIENT_SECRET"),
		OneDriveClientID:      l.str("ONEDRIVE_CLIENT_ID", ""),
		OneDriveClientSecret:  l.secret("ONEDRIVE_CLIENT_SECRET"),
		OneDriveTenantID:      l.str("ONEDRIVE_TENANT_ID", "common"),
		AdminEmail:            l.str("ADMIN_EMAIL", ""),
		AdminPassword:         l.secret("ADMIN_PASSWORD"),
		DefaultAIProvider:     l.str("DEFAULT_AI_PROVIDER", "local"),
		DefaultAIModel:        l.str("DEFAULT_AI_MODEL", ""),
		AnthropicAPIKey:       l.secret("ANTHROPIC_API_KEY"),
		OpenAIAPIKey:          l.secret("OPENAI_API_KEY"),
		AnthropicBaseURL:      l.str("ANTHROPIC_BASE_URL", ""),
		OpenAIBaseURL:         l.str("OPENAI_BASE_URL", ""),
		OllamaBaseURL:         l.str("OLLAMA_BASE_URL", ""),
		LMStudioBaseURL:       l.str("LMSTUDIO_BASE_URL", ""),
		CORSOrigins:           l.list("CORS_ORIGINS", ","),
		TrustedProxies:        l.prefixes("TRUSTED_PROXIES"),
		FrontendURL:           l.str("FRONTEND_URL", ""),
		BackendURL:            l.str("BACKEND_URL", ""),
		RegistrationOpen:      l.boolean("REGISTRATION_OPEN", true),
		MaxUploadBytes:        l.int64("MAX_UPLOAD_BYTES", 1<<30, 1),
		MaxPendingUploads:     l.integer("MAX_PENDING_UPLOADS", 10, 1, 10000),
		DefaultQuotaBytes:     l.int64("DEFAULT_QUOTA_BYTES", 0, 0),
		DefaultQuotaDocuments: l.int64("DEFAULT_QUOTA_DOCUMENTS", 0, 0),
		TrashRetentionDays:    l.integer("TRASH_RETENTION_DAYS", 30, 1, 36500),
		AuditRetentionDays:    l.integer("AUDIT_RETENTION_DAYS", 365, 1, 36500),
		OCRLanguages:          l.list("OCR_LANGUAGES", "+"),
		OCRMaxPages:           l.integer("OCR_MAX_PAGES", 50, 0, 100000),
		CloudAllowedHosts:     l.list("CLOUD_ALLOWED_HOSTS", ","),
		HIBPURL:               l.str("HIBP_URL", "https://api.pwnedpasswords.com/range/"),
		Workers:               l.integer("WORKERS", 0, 0, 1024),
		ProcessTimeout:        l.duration("PROCESS_TIMEOUT", 5*time.Minute),
		MaxTextBytes:          l.integer("MAX_TEXT_BYTES", 4<<20, 64<<10, 1<<30),
		MaxExtractBytes:       l.int64("MAX_EXTRACT_BYTES", 256<<20, 1<<20),
		PDFIdleRelease:        l.durationOrZero("PDF_IDLE_RELEASE", 30*time.Second),
		ShutdownTimeout:       l.duration("SHUTDOWN_TIMEOUT", 30*time.Second),
		LogLevel:              l.str("LOG_LEVEL", "info"),
		LogFormat:             l.str("LOG_FORMAT", "text"),
		MetricsToken:          l.secret("METRICS_TOKEN"),
		ConsumeDir:            l.str("CONSUME_DIR", ""),
		ConsumeUser:           l.str("CONSUME_USER", ""),
		MailPollInterval:      l.duration("MAIL_POLL_INTERVAL", 10*time.Minute),
		MailCAFile:            l.str("MAIL_CA_FILE", ""),
	}
	if len(c.OCRLanguages) == 0 {
		c.OCRLanguages = []string{"eng"}
	}
	if c.DatabaseMigrateURL == "" {
		c.DatabaseMigrateURL = c.DatabaseURL
	}
	if c.MinioPublicEndpoint == "" {
		c.MinioPublicEndpoint = c.MinioEndpoint
	}
	if c.FrontendURL == "" {
		c.FrontendURL = "http://" + c.ListenAddr
	}
	c.BackendURLSet = c.BackendURL != ""
	if c.BackendURL == "" {
		c.BackendURL = c.FrontendURL
	}
	c.FrontendURL = strings.TrimRight(c.FrontendURL, "/")
	c.BackendURL = strings.TrimRight(c.BackendURL, "/")
	if order, err := docdate.ParseOrder(l.str("DATE_ORDER", "DMY")); err != nil {
		l.fail("DATE_ORDER", err.Error())
	} else {
		c.DateOrder = order
	}
	c.validate(&l)
	if len(l.errs) > 0 {
		return nil, fmt.Errorf("invalid configuration:\n  %w", errors.Join(l.errs...))
	}
	return c, nil
}

// FromEnv loads the configuration from the process environment.
func FromEnv() (*Config, error) { return Load(os.Getenv) }

// UsesPostgres reports whether the metadata lives in PostgreSQL.
func (c *Config) UsesPostgres() bool { return c.DatabaseURL != "" }

// UsesS3 reports whether document bytes live in an S3-compatible store.
func (c *Config) UsesS3() bool { return c.MinioEndpoint != "" }

// SQLitePath is the database file of the embedded default.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "docuvault.db") }

// BlobDir is the root of the local blob store.
func (c *Config) BlobDir() string { return filepath.Join(c.DataDir, "blobs") }

// CacheDir holds rebuildable caches (the wazero compilation cache).
func (c *Config) CacheDir() string { return filepath.Join(c.DataDir, "cache") }

func (c *Config) validate(l *loader) {
	if c.DataDir == "" {
		l.fail("DATA_DIR", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		l.fail("LISTEN_ADDR", "must be host:port, e.g. 127.0.0.1:8080")
	}
	for name, v := range map[string]string{"DATABASE_URL": c.DatabaseURL, "DATABASE_MIGRATE_URL": c.DatabaseMigrateURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			l.fail(name, "must be a postgres:// URL")
		}
	}
	if c.MinioEndpoint != "" {
		if c.MinioAccessKey == "" || c.MinioSecretKey == "" {
			l.fail("MINIO_ACCESS_KEY", "MINIO_ACCESS_KEY and MINIO_SECRET_KEY are required with MINIO_ENDPOINT")
		}
		if c.MinioBucket == "" {
			l.fail("MINIO_BUCKET", "must not be empty")
		}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			l.fail("REDIS_URL", "must be a redis:// or rediss:// URL")
		}
	}
	for name, v := range map[string]string{"FRONTEND_URL": c.FrontendURL, "BACKEND_URL": c.BackendURL} {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.fail(name, "must be an absolute http(s) URL")
		}
	}
	if known, _ := classify.LookupProvider(c.DefaultAIProvider); !known {
		l.fail("DEFAULT_AI_PROVIDER", "must be one of "+strings.Join(classify.Providers, ", "))
	}
	// Every provider but local has a <NAME>_BASE_URL (classify's provider table).
	baseURLs := map[string]string{"anthropic": c.AnthropicBaseURL, "openai": c.OpenAIBaseURL, "ollama": c.OllamaBaseURL,
		"lmstudio": c.LMStudioBaseURL}
	for _, provider := range classify.Providers {
		if provider == "local" {
			continue
		}
		a := struct{ name, provider, v string }{strings.ToUpper(provider) + "_BASE_URL", provider, baseURLs[provider]}
		_, localServer := classify.LookupProvider(provider)
		if a.v == "" {
			if a.provider == c.DefaultAIProvider && localServer {
				l.fail(a.name, "required with DEFAULT_AI_PROVIDER="+a.provider)
			}
			continue
		}
		if u, err := url.Parse(a.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			l.fail(a.name, "must be an absolute http(s) URL without user info")
		}
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		l.fail("ADMIN_EMAIL", "ADMIN_EMAIL and ADMIN_PASSWORD go together")
	}
	if c.AdminEmail != "" && !strings.Contains(c.AdminEmail, "@") {
		l.fail("ADMIN_EMAIL", "must be an email address")
	}
	if (c.ConsumeDir == "") != (c.ConsumeUser == "") {
		l.fail("CONSUME_DIR", "CONSUME_DIR and CONSUME_USER go together")
	}
	if c.MailPollInterval < time.Minute {
		l.fail("MAIL_POLL_INTERVAL", "must be at least 1m")
	}
	if c.CloudCredsKey != "" && len(c.CloudCredsKey) < 32 {
		l.fail("CLOUD_CREDS_KEY", "must be at least 32 characters")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		l.fail("LOG_LEVEL", "must be debug, info, warn or error")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		l.fail("LOG_FORMAT", "must be text or json")
	}
	if c.HIBPURL != "off" {
		if u, err := url.Parse(c.HIBPURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			l.fail("HIBP_URL", "must be an http(s) URL or off")
		}
	}
}

type loader struct {
	getenv Getenv
	errs   []error
}

func (l *loader) fail(name, why string) {
	l.errs = append(l.errs, fmt.Errorf("%s: %s", name, why))
}

func (l *loader) str(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

// secret reads NAME, or the file named by NAME_FILE (trailing newline trimmed).
func (l *loader) secret(name string) string {
	v := l.getenv(name)
	path := l.getenv(name + "_FILE")
	if path == "" {
		return strings.TrimSpace(v)
	}
	if v != "" {
		l.fail(name, "set either "+name+" or "+name+"_FILE, not both")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		l.fail(name+"_FILE", fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err)))
		return ""
	}
	return strings.TrimRight(string(b), "\r\n")
}

func (l *loader) boolean(name string, def bool) bool {
	v := l.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, fmt.Sprintf("%q is not true or false", v))
		return def
	}
	return b
}

func (l *loader) integer(name string, def, min, max int) int {
	v := l.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		l.fail(name, fmt.Sprintf("%q is not a whole number from %d to %d", v, min, max))
		return def
	}
	return n
}

func (l *loader) int64(name string, def, min int64) int64 {
	v := l.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min {
		l.fail(name, fmt.Sprintf("%q is not a whole number of at least %d", v, min))
		return def
	}
	return n
}

func (l *loader) duration(name string, def time.Duration) time.Duration {
	v := l.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.fail(name, fmt.Sprintf("%q is not a positive duration such as 30s", v))
		return def
	}
	return d
}

// durationOrZero is duration where 0 is allowed (it turns something off).
func (l *loader) durationOrZero(name string, def time.Duration) time.Duration {
	if v := l.getenv(name); v == "0" || v == "0s" {
		return 0
	}
	return l.duration(name, def)
}

// prefixes reads a comma-separated list of addresses and CIDRs (IPv4 or
// IPv6); an address is the prefix of that one address.
func (l *loader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range l.list(name, ",") {
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil || p.Addr().Zone() != "" {
				l.fail(name, fmt.Sprintf("%q is not an address or CIDR such as 10.0.0.0/8 or fd00::/8", v))
				continue
			}
			a, bits := p.Addr(), p.Bits()
			if a.Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8, as peers are unmapped
				a, bits = a.Unmap(), max(bits-96, 0)
			}
			out = append(out, netip.PrefixFrom(a, bits).Masked())
			continue
		}
		a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(v, "["), "]"))
		if err != nil || a.Zone() != "" {
			l.fail(name, fmt.Sprintf("%q is not an address or CIDR such as 10.0.0.0/8 or fd00::/8", v))
			continue
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

func (l *loader) list(name, sep string) []string {
	var out []string
	for _, p := range strings.Split(l.getenv(name), sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
