package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/studio-b12/gowebdav"

	"github.com/docuvault/docuvault/internal/cloud/ssrf"
)

// WebDAVCredentials is what a user enters for a WebDAV or Nextcloud
// account; the application stores it sealed (JSON) per account.
type WebDAVCredentials struct {
	ServerURL string `json:"server_url"`
	Username  string `json:"username"`
	Password  string `json:"password"`
}

// WebDAV is a Drive on a generic WebDAV server. Files live under
// {server_url}/DocuVault/.
type WebDAV struct {
	root string // base URL ending in '/', unescaped path (gowebdav escapes)
	user string
	pass string
	rt   http.RoundTripper
	kind string // KindWebDAV or KindNextcloud, for messages
}

// NewWebDAV checks creds.ServerURL against guard and returns the drive. rt
// must be a transport from guard.Transport() (shared by the application so
// connections are pooled); nil makes a new one. No request is made: call
// Test to verify the credentials. Errors wrap ssrf.ErrForbiddenAddress or
// ErrBadName for an unusable URL.
func NewWebDAV(creds WebDAVCredentials, guard *ssrf.Guard, rt http.RoundTripper) (*WebDAV, error) {
	u, err := checkServerURL(creds.ServerURL, guard)
	if err != nil {
		return nil, err
	}
	return newWebDAV(KindWebDAV, u, creds, guard, rt), nil
}

func newWebDAV(kind string, u *url.URL, creds WebDAVCredentials, guard *ssrf.Guard, rt http.RoundTripper) *WebDAV {
	if rt == nil {
		rt = guard.Transport()
	}
	root := u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/") + "/"
	return &WebDAV{root: root, user: creds.Username, pass: creds.Password, rt: rt, kind: kind}
}

func checkServerURL(raw string, guard *ssrf.Guard) (*url.URL, error) {
	if guard == nil {
		return nil, fmt.Errorf("cloud: a WebDAV drive needs an SSRF guard")
	}
	if err := guard.CheckURL(raw); err != nil {
		return nil, fmt.Errorf("cloud: server URL: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("cloud: server URL: %w", err)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: server URL must not have a query or fragment", ssrf.ErrForbiddenURL)
	}
	return u, nil
}

// client returns a gowebdav client whose requests carry ctx. gowebdav has
// no context support, so the transport attaches it.
func (d *WebDAV) client(ctx context.Context) *gowebdav.Client {
	c := gowebdav.NewAuthClient(d.root, gowebdav.NewPreemptiveAuth(&basicAuth{user: d.user, pass: d.pass}))
	c.SetTransport(ctxTransport{ctx: ctx, base: d.rt})
	return c
}

// Put uploads r to DocuVault/<clean name>, creating the folder if missing,
// and returns "DocuVault/<clean name>" as the ref.
func (d *WebDAV) Put(ctx context.Context, name string, r io.Reader, size int64) (string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return "", err
	}
	if size < 0 {
		return "", fmt.Errorf("%s put: negative size %d", d.kind, size)
	}
	ref := Folder + "/" + clean
	if err := d.client(ctx).WriteStreamWithLength(ref, r, size, 0o644); err != nil {
		return "", d.wrap(ctx, "put", err)
	}
	return ref, nil
}

// Get streams the file behind ref.
func (d *WebDAV) Get(ctx context.Context, ref string) (io.ReadCloser, error) {
	if err := checkDAVRef(ref); err != nil {
		return nil, err
	}
	rc, err := d.client(ctx).ReadStream(ref)
	if err != nil {
		return nil, d.wrap(ctx, "get", err)
	}
	return rc, nil
}

// Stat returns the size of the file behind ref.
func (d *WebDAV) Stat(ctx context.Context, ref string) (int64, error) {
	if err := checkDAVRef(ref); err != nil {
		return 0, err
	}
	fi, err := d.client(ctx).Stat(ref)
	if err != nil {
		return 0, d.wrap(ctx, "stat", err)
	}
	if fi.IsDir() {
		return 0, fmt.Errorf("%s stat %s: %w: is a folder", d.kind, ref, ErrNotFound)
	}
	return fi.Size(), nil
}

// Delete removes the file behind ref; a missing file is not an error.
func (d *WebDAV) Delete(ctx context.Context, ref string) error {
	if err := checkDAVRef(ref); err != nil {
		return err
	}
	c := d.client(ctx)
	// gowebdav's Remove turns transport and auth failures into a bare 400,
	// so a Stat first gives the real reason.
	if _, err := c.Stat(ref); err != nil {
		err = d.wrap(ctx, "delete", err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	if err := c.Remove(ref); err != nil {
		return d.wrap(ctx, "delete", err)
	}
	return nil
}

// Test checks the server answers with these credentials and that the
// DocuVault folder exists, creating it if needed.
func (d *WebDAV) Test(ctx context.Context) error {
	c := d.client(ctx)
	if err := c.Connect(); err != nil {
		return d.wrap(ctx, "connect", err)
	}
	if err := c.MkdirAll(Folder, 0o755); err != nil {
		return d.wrap(ctx, "create folder", err)
	}
	fi, err := c.Stat(Folder)
	if err != nil {
		return d.wrap(ctx, "stat folder", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %q exists and is not a folder", d.kind, Folder)
	}
	return nil
}

// checkDAVRef accepts only refs made by Put.
func checkDAVRef(ref string) error {
	name, ok := strings.CutPrefix(ref, Folder+"/")
	if !ok {
		return fmt.Errorf("%w: ref %q is not under %s/", ErrBadName, ref, Folder)
	}
	if clean, err := CleanName(name); err != nil || clean != name {
		return fmt.Errorf("%w: ref %q", ErrBadName, ref)
	}
	return nil
}

// wrap maps gowebdav and transport errors to the package sentinels.
func (d *WebDAV) wrap(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%s %s: %w", d.kind, op, ctxErr)
	}
	if errors.Is(err, ErrUnauthorized) || errors.Is(err, ssrf.ErrForbiddenAddress) {
		return fmt.Errorf("%s %s: %w", d.kind, op, err)
	}
	var se gowebdav.StatusError
	if errors.As(err, &se) {
		if s := statusErr(se.Status); s != nil {
			return fmt.Errorf("%s %s: %w (HTTP %d)", d.kind, op, s, se.Status)
		}
		return fmt.Errorf("%s %s: server answered HTTP %d", d.kind, op, se.Status)
	}
	return fmt.Errorf("%s %s: %w: %w", d.kind, op, ErrUnavailable, err)
}

// basicAuth sends HTTP basic credentials with every request (no buffering
// of upload bodies for an auth round trip) and reports 401 as
// ErrUnauthorized.
type basicAuth struct{ user, pass string }

func (b *basicAuth) Authorize(_ *http.Client, rq *http.Request, _ string) error {
	rq.SetBasicAuth(b.user, b.pass)
	return nil
}

func (b *basicAuth) Verify(_ *http.Client, rs *http.Response, _ string) (bool, error) {
	if rs.StatusCode == http.StatusUnauthorized {
		return false, fmt.Errorf("%w: server answered 401", ErrUnauthorized)
	}
	return false, nil
}

func (b *basicAuth) Clone() gowebdav.Authenticator { return b }
func (b *basicAuth) Close() error                  { return nil }
func (b *basicAuth) String() string                { return "basic auth" }

// ctxTransport attaches ctx to every request.
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}
