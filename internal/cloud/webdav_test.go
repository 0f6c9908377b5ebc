package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/webdav"

	"github.com/docuvault/docuvault/internal/cloud/ssrf"
)

// davServer is a real WebDAV server (golang.org/x/net/webdav on an
// in-memory file system) behind basic auth, mounted at prefix.
func davServer(t *testing.T, prefix string) (*httptest.Server, webdav.FileSystem) {
	t.Helper()
	fs := webdav.NewMemFS()
	h := &webdav.Handler{Prefix: prefix, FileSystem: fs, LockSystem: webdav.NewMemLS()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "alice" || p != "app-pass" {
			w.Header().Set("WWW-Authenticate", `Basic realm="dav"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if !strings.HasPrefix(r.URL.Path, prefix+"/") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, fs
}

func testGuard(t *testing.T) *ssrf.Guard {
	t.Helper()
	g, err := ssrf.New([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestWebDAVAndNextcloud(t *testing.T) {
	g := testGuard(t)
	rt := g.Transport()
	tests := []struct {
		name   string
		prefix string
		open   func(url string, pass string) (*WebDAV, error)
	}{
		{"webdav", "/dav", func(u, p string) (*WebDAV, error) {
			return NewWebDAV(WebDAVCredentials{ServerURL: u + "/dav/", Username: "alice", Password: p}, g, rt)
		}},
		{"nextcloud", "/remote.php/dav/files/alice", func(u, p string) (*WebDAV, error) {
			return NewNextcloud(WebDAVCredentials{ServerURL: u, Username: "alice", Password: p}, g, rt)
		}},
		{"nextcloud pasted webdav URL", "/remote.php/dav/files/alice", func(u, p string) (*WebDAV, error) {
			return NewNextcloud(WebDAVCredentials{ServerURL: u + "/remote.php/webdav/", Username: "alice", Password: p}, g, rt)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, fs := davServer(t, tt.prefix)
			d, err := tt.open(srv.URL, "app-pass")
			if err != nil {
				t.Fatal(err)
			}
			testDriveRoundTrip(t, d, func(ref string) (string, []byte) {
				f, err := fs.OpenFile(context.Background(), "/"+ref, os.O_RDONLY, 0)
				if err != nil {
					return "", nil
				}
				defer f.Close()
				b, _ := io.ReadAll(f)
				return ref, b
			})

			bad, err := tt.open(srv.URL, "wrong")
			if err != nil {
				t.Fatal(err)
			}
			testDriveUnauthorized(t, bad)
		})
	}
}

// testDriveRoundTrip runs the behaviour every Drive must have. onServer
// returns the path ("DocuVault/name") and content the server itself holds
// for a ref.
func testDriveRoundTrip(t *testing.T, d Drive, onServer func(ref string) (string, []byte)) {
	t.Helper()
	ctx := ctxT(t)
	if err := d.Test(ctx); err != nil {
		t.Fatalf("Test: %v", err)
	}
	big := make([]byte, 700<<10)
	rand.Read(big)
	files := []struct {
		name, want string
		data       []byte
	}{
		{"Rechnung März 2024 – 日本語 #1 100%.pdf", "Rechnung März 2024 – 日本語 #1 100%.pdf", []byte("%PDF-1.7 invoice")},
		{"../../etc/passwd", "_.._etc_passwd", []byte("not a path")},
		{"scan.bin", "scan.bin", big},
		{"empty.txt", "empty.txt", nil},
	}
	for _, f := range files {
		ref, err := d.Put(ctx, f.name, bytes.NewReader(f.data), int64(len(f.data)))
		if err != nil {
			t.Fatalf("Put(%q): %v", f.name, err)
		}
		path, got := onServer(ref)
		if path != Folder+"/"+f.want {
			t.Errorf("server stored %q as %q, want %q", f.name, path, Folder+"/"+f.want)
		}
		if !bytes.Equal(got, f.data) {
			t.Errorf("server holds %d bytes for %q, want %d", len(got), ref, len(f.data))
		}
		size, err := d.Stat(ctx, ref)
		if err != nil || size != int64(len(f.data)) {
			t.Errorf("Stat(%q) = %d, %v; want %d", ref, size, err, len(f.data))
		}
		rc, err := d.Get(ctx, ref)
		if err != nil {
			t.Fatalf("Get(%q): %v", ref, err)
		}
		got, err = io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, f.data) {
			t.Errorf("Get(%q) = %d bytes, %v; want %d", ref, len(got), err, len(f.data))
		}
		if err := d.Delete(ctx, ref); err != nil {
			t.Fatalf("Delete(%q): %v", ref, err)
		}
		if _, err := d.Stat(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat after Delete = %v, want ErrNotFound", err)
		}
		if _, err := d.Get(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Delete = %v, want ErrNotFound", err)
		}
		if err := d.Delete(ctx, ref); err != nil {
			t.Errorf("second Delete = %v, want nil", err)
		}
	}
	if _, err := d.Put(ctx, " .. ", strings.NewReader(""), 0); !errors.Is(err, ErrBadName) {
		t.Errorf("Put of an empty name = %v, want ErrBadName", err)
	}
}

func testDriveUnauthorized(t *testing.T, d Drive) {
	t.Helper()
	ctx := ctxT(t)
	if err := d.Test(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Test with wrong credentials = %v, want ErrUnauthorized", err)
	}
	if _, err := d.Put(ctx, "x.txt", strings.NewReader("x"), 1); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Put with wrong credentials = %v, want ErrUnauthorized", err)
	}
}

func TestWebDAVRefusals(t *testing.T) {
	srv, _ := davServer(t, "/dav")
	open, err := ssrf.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{srv.URL + "/dav/", "http://169.254.169.254/", "file:///etc", "http://a:b@example.com/"} {
		if _, err := NewWebDAV(WebDAVCredentials{ServerURL: u, Username: "alice", Password: "app-pass"}, open, nil); !errors.Is(err, ssrf.ErrForbiddenAddress) {
			t.Errorf("NewWebDAV(%q) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if _, err := NewNextcloud(WebDAVCredentials{ServerURL: srv.URL, Username: "../bob", Password: "x"}, testGuard(t), nil); !errors.Is(err, ErrBadName) {
		t.Errorf("NewNextcloud with a slash in the user = %v", err)
	}

	d, err := NewWebDAV(WebDAVCredentials{ServerURL: srv.URL + "/dav/", Username: "alice", Password: "app-pass"}, testGuard(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	for _, ref := range []string{"../x", "DocuVault/../x", "DocuVault/a/b", "Other/x", "DocuVault/"} {
		if _, err := d.Get(ctx, ref); !errors.Is(err, ErrBadName) {
			t.Errorf("Get(%q) = %v, want ErrBadName", ref, err)
		}
	}

	// A server that is gone is unavailable, not unauthorized.
	srv.Close()
	if err := d.Test(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Test on a closed server = %v, want ErrUnavailable", err)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("ä", 150) + ".pdf"
	tests := []struct{ in, want string }{
		{"invoice.pdf", "invoice.pdf"},
		{"a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"},
		{"  .hidden.  ", "hidden"},
		{"tab\there\x00nul", "tab_here_nul"},
		{"日本語の請求書.pdf", "日本語の請求書.pdf"},
		{"..", ""},
		{"", ""},
		{"\xff\xfe", ""},
	}
	for _, tt := range tests {
		got, err := CleanName(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrBadName) {
				t.Errorf("CleanName(%q) = %q, %v; want ErrBadName", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	got, err := CleanName(long)
	if err != nil || len(got) > MaxNameBytes || !strings.HasSuffix(got, ".pdf") || !strings.HasPrefix(got, "ää") {
		t.Errorf("CleanName(long) = %q (%d bytes), %v", got, len(got), err)
	}
}
