// Package davtest runs a real WebDAV server (golang.org/x/net/webdav on an
// in-memory file system, behind basic auth) on 127.0.0.1 for tests of code
// that keeps documents in a WebDAV or Nextcloud folder.
package davtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/webdav"
)

// Server is a running WebDAV server.
type Server struct {
	*httptest.Server
	FS       webdav.FileSystem
	Prefix   string // the WebDAV root path, e.g. "/dav" or "/remote.php/dav/files/alice"
	User     string
	password atomic.Value // string
	down     atomic.Bool
	delay    atomic.Int64 // time.Duration before each request is served
}

// New starts a server whose WebDAV root is prefix, reachable with user and
// password; it stops when the test ends.
func New(t testing.TB, prefix, user, password string) *Server {
	t.Helper()
	s := &Server{FS: webdav.NewMemFS(), Prefix: strings.TrimSuffix(prefix, "/"), User: user}
	s.password.Store(password)
	h := &webdav.Handler{Prefix: s.Prefix, FileSystem: s.FS, LockSystem: webdav.NewMemLS()}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := time.Duration(s.delay.Load()); d > 0 {
			time.Sleep(d)
		}
		if s.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		u, p, ok := r.BasicAuth()
		if !ok || u != s.User || p != s.password.Load().(string) {
			w.Header().Set("WWW-Authenticate", `Basic realm="dav"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if !strings.HasPrefix(r.URL.Path, s.Prefix+"/") {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// NewNextcloud starts a server with Nextcloud's layout for user
// (remote.php/dav/files/{user}/); connect it with URL as the server URL.
func NewNextcloud(t testing.TB, user, password string) *Server {
	return New(t, "/remote.php/dav/files/"+user, user, password)
}

// RootURL is the URL of the WebDAV root (for kind "webdav").
func (s *Server) RootURL() string { return s.URL + s.Prefix + "/" }

// SetPassword changes the password the server accepts (a revoked app
// password).
func (s *Server) SetPassword(p string) { s.password.Store(p) }

// SetDown makes every request fail with 503 (true) or work again (false).
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// SetDelay makes the server wait d before serving each request (a slow
// drive, so a test can kill a process while it talks to the drive).
func (s *Server) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// Files lists the names of the files in dir ("DocuVault"), sorted.
func (s *Server) Files(t testing.TB, dir string) []string {
	t.Helper()
	f, err := s.FS.OpenFile(context.Background(), "/"+strings.Trim(dir, "/"), os.O_RDONLY, 0)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	infos, err := f.Readdir(-1)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fi := range infos {
		if !fi.IsDir() {
			names = append(names, fi.Name())
		}
	}
	slices.Sort(names)
	return names
}

// Read returns the contents of the file at name (a path under the root).
func (s *Server) Read(t testing.TB, name string) []byte {
	t.Helper()
	f, err := s.FS.OpenFile(context.Background(), path.Join("/", name), os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Write replaces the file at name (a path under the root).
func (s *Server) Write(t testing.TB, name string, b []byte) {
	t.Helper()
	f, err := s.FS.OpenFile(context.Background(), path.Join("/", name), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// Remove deletes the file at name.
func (s *Server) Remove(t testing.TB, name string) {
	t.Helper()
	if err := s.FS.RemoveAll(context.Background(), path.Join("/", name)); err != nil {
		t.Fatal(err)
	}
}
