package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
)

// ShareView is what the public page of a share link shows: the file's name
// and size, and a password field when the link has one; nothing else of
// the document.
type ShareView struct {
	Token       string
	Filename    string
	Size        int64
	HasPassword bool
	Error       string // why the last download was refused, e.g. a wrong password
}

type shareData struct {
	ShareView
	Found          bool
	SizeText       string
	Title, Message string
	Version, Asset string
}

var shareTemplate = template.Must(template.ParseFS(templateFS, "templates/share.html"))

// shareCSP allows the stylesheet, the theme script and the form posting
// back to this server; nothing else.
const shareCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

// SharePage answers the public page of a working share link with status.
func (u *UI) SharePage(w http.ResponseWriter, status int, v ShareView) {
	u.renderShare(w, status, shareData{ShareView: v, Found: true, SizeText: HumanSize(v.Size)})
}

// ShareGone answers the page of a link that does not work, with status:
// the same page for every reason (unknown, revoked, expired, used up).
// title and message say what happened in the words of the status
// (404: not available; 429: too many attempts).
func (u *UI) ShareGone(w http.ResponseWriter, status int, title, message string) {
	u.renderShare(w, status, shareData{Title: title, Message: message})
}

func (u *UI) renderShare(w http.ResponseWriter, status int, d shareData) {
	d.Version, d.Asset = u.cfg.Version, u.etag
	var buf bytes.Buffer
	if err := shareTemplate.Execute(&buf, d); err != nil {
		u.log.Error("render share page", "error", err)
		http.Error(w, "The page could not be shown.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", shareCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// HumanSize writes a byte count for people: "512 bytes", "1.5 KB", "3.2 MB".
func HumanSize(n int64) string {
	if n < 1024 {
		if n == 1 {
			return "1 byte"
		}
		return fmt.Sprintf("%d bytes", n)
	}
	v := float64(n)
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		v /= 1024
		if v < 1024 || unit == "TB" {
			return fmt.Sprintf("%.1f %s", v, unit)
		}
	}
	return ""
}
