// Package web is DocuVault's browser UI: pages rendered with html/template
// around the JSON API, a little vanilla JavaScript (no inline script, a
// strict Content-Security-Policy) and our own CSS, all embedded in the
// binary with go:embed so that `go build` alone gives the whole program.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page is one screen of the UI.
type Page struct {
	Path   string // URL pattern path
	Name   string // template name and script name
	Title  string
	Public bool // reachable signed out (sign in, register, reset)
	Admin  bool
}

// Pages lists every screen, in navigation order.
var Pages = []Page{
	{Path: "/login", Name: "login", Title: "Sign in", Public: true},
	{Path: "/register", Name: "register", Title: "Create account", Public: true},
	{Path: "/forgot-password", Name: "forgot", Title: "Forgot password", Public: true},
	{Path: "/reset-password", Name: "reset", Title: "Choose a new password", Public: true},
	{Path: "/setup", Name: "setup", Title: "Finish setup", Public: true},
	{Path: "/invite", Name: "invite", Title: "Accept invitation", Public: true},
	{Path: "/documents", Name: "documents", Title: "Documents"},
	{Path: "/documents/{id}", Name: "document", Title: "Document"},
	{Path: "/trash", Name: "trash", Title: "Trash"},
	{Path: "/topics", Name: "topics", Title: "Topics"},
	{Path: "/metadata", Name: "metadata", Title: "Metadata"},
	{Path: "/spaces", Name: "spaces", Title: "Spaces"},
	{Path: "/settings", Name: "settings", Title: "Settings"},
	{Path: "/admin", Name: "admin", Title: "Administration", Admin: true},
}

// Config is what the pages need to know.
type Config struct {
	// ConnectSrc are extra origins scripts may talk to (the S3 endpoint for
	// direct uploads).
	ConnectSrc []string
	Version    string
}

// UI serves the pages and static files.
type UI struct {
	cfg    Config
	log    *slog.Logger
	tmpl   map[string]*template.Template
	static http.Handler
	etag   string
	csp    string
}

// New parses every template once.
func New(cfg Config, log *slog.Logger) (*UI, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := &UI{cfg: cfg, log: log, tmpl: map[string]*template.Template{}}
	for _, p := range Pages {
		t, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+p.Name+".html")
		if err != nil {
			return nil, err
		}
		u.tmpl[p.Name] = t
	}
	sub, _ := fs.Sub(staticFS, "static")
	h := sha256.New()
	_ = fs.WalkDir(sub, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(sub, path)
			h.Write(b)
		}
		return nil
	})
	u.etag = hex.EncodeToString(h.Sum(nil))[:16]
	u.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	connect := append([]string{"'self'"}, cfg.ConnectSrc...)
	u.csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"connect-src " + strings.Join(connect, " ") + "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	return u, nil
}

// Register mounts the UI on mux.
func (u *UI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/documents", http.StatusFound)
	})
	for _, p := range Pages {
		mux.HandleFunc("GET "+p.Path, u.page(p))
	}
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("ETag", `"`+u.etag+`"`)
		u.static.ServeHTTP(w, r)
	})
}

type pageData struct {
	Page    Page
	Pages   []Page
	Version string
	Asset   string // cache-busting suffix for static files
}

func (u *UI) page(p Page) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := u.tmpl[p.Name].Execute(&buf, pageData{Page: p, Pages: Pages, Version: u.cfg.Version, Asset: u.etag}); err != nil {
			u.log.Error("render page", "page", p.Name, "error", err)
			http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", u.csp)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(buf.Bytes())
	}
}
