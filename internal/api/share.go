package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/share"
	"github.com/docuvault/docuvault/internal/web"
)

// SharePages renders the public HTML pages of share links; the web UI
// implements it. Without it the public routes answer problem JSON only.
type SharePages interface {
	SharePage(w http.ResponseWriter, status int, v web.ShareView)
	ShareGone(w http.ResponseWriter, status int, title, message string)
}

// maxShareForm bounds the download form (one password field).
const maxShareForm = 16 << 10

// wantsHTML tells a browser's navigation (a page, or the page's form) from
// an API client: browsers list text/html in Accept.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Accept")), "text/html")
}

func shareClient(r *http.Request) share.Client {
	return share.Client{IP: clientIP(r), UserAgent: r.UserAgent()}
}

// shareError answers a refused share request. Every kind of dead link gets
// the same answer (status and body; only the request id differs), and the
// token never appears in it.
func (s *Server) shareError(w http.ResponseWriter, r *http.Request, err error, view *web.ShareView) {
	ae := toAppError(err)
	pages := s.deps.SharePages
	if pages != nil && wantsHTML(r) {
		if ae.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(ae.RetryAfter.Seconds()+0.999))))
		}
		switch {
		case ae.Kind == apperr.NotFound:
			pages.ShareGone(w, http.StatusNotFound, "Link not available", share.ErrGone.Message)
			return
		case ae.Kind == apperr.Unauthorized && view != nil:
			v := *view
			v.Error = "The password is wrong."
			pages.SharePage(w, http.StatusUnauthorized, v)
			return
		case ae.Kind == apperr.RateLimited:
			pages.ShareGone(w, http.StatusTooManyRequests, "Too many attempts",
				"Too many wrong passwords were tried for this link from your address. Try again later.")
			return
		}
	}
	// The problem's instance would echo the token; it names the route instead.
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/s/{token}"
	if strings.HasSuffix(r.URL.Path, "/download") {
		r2.URL.Path += "/download"
	}
	s.writeError(w, r2, err)
}

// sharePage is the public page of a link: the file's name and size, a
// download button and a password field when the link has one. It does not
// count as a download.
func (s *Server) sharePage(w http.ResponseWriter, r *http.Request) {
	svc, err := s.share()
	if err != nil {
		s.shareError(w, r, err, nil)
		return
	}
	l, err := svc.Resolve(r.Context(), r.PathValue("token"))
	if err != nil {
		s.shareError(w, r, err, nil)
		return
	}
	v := web.ShareView{Token: r.PathValue("token"), Filename: l.DocumentName, Size: l.DocumentSize, HasPassword: l.PasswordHash != ""}
	if s.deps.SharePages == nil {
		writeJSON(w, http.StatusOK, map[string]any{"filename": v.Filename, "size_bytes": v.Size, "has_password": v.HasPassword})
		return
	}
	s.deps.SharePages.SharePage(w, http.StatusOK, v)
}

// shareDownload sends the document's current bytes as an attachment. The
// password comes from the form field "password" (POST); a link without one
// downloads by GET or POST. HEAD answers the headers without counting.
func (s *Server) shareDownload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc, err := s.share()
	if err != nil {
		s.shareError(w, r, err, nil)
		return
	}
	token := r.PathValue("token")
	password := ""
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxShareForm)
		if err := r.ParseForm(); err != nil {
			s.shareError(w, r, apperr.New(apperr.Invalid, "the form could not be read"), nil)
			return
		}
		password = r.PostForm.Get("password")
	}
	c := shareClient(r)
	// The page to show again after a wrong password.
	var view *web.ShareView
	if l, err := svc.Resolve(ctx, token); err == nil {
		view = &web.ShareView{Token: token, Filename: l.DocumentName, Size: l.DocumentSize, HasPassword: l.PasswordHash != ""}
	}
	l, err := svc.Authorize(ctx, token, password, c)
	if err != nil {
		s.shareError(w, r, err, view)
		return
	}
	attachment := func() http.Header {
		h := w.Header()
		h.Set("Content-Disposition", document.ContentDisposition(l.DocumentName))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		return h
	}
	if r.Method == http.MethodHead {
		h := attachment()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.FormatInt(l.DocumentSize, 10))
		w.WriteHeader(http.StatusOK)
		return
	}
	t, err := svc.Start(ctx, l, c)
	if err != nil {
		s.shareError(w, r, err, view)
		return
	}
	h := attachment()
	h.Set("Content-Type", t.MIMEType)
	h.Set("Content-Length", strconv.FormatInt(t.Size, 10))
	h.Set("ETag", `"`+t.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	n, err := io.Copy(w, t.Body)
	if err == nil {
		// The last bytes may still sit in a buffer: the download counts once
		// they reached the connection.
		if ferr := http.NewResponseController(w).Flush(); ferr != nil && !errors.Is(ferr, http.ErrNotSupported) {
			err = ferr
		}
	}
	if err != nil {
		s.log.WarnContext(ctx, "share download interrupted", "link", l.ID, "error", err)
	}
	t.Finish(ctx, n, err)
}
