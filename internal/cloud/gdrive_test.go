package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type gfile struct {
	ID, Name, MimeType string
	Parents            []string
	Data               []byte
}

// fakeGoogle speaks the Drive v3 wire protocol for the calls the drive
// makes: files.list, files.create (metadata, multipart and resumable
// uploads), files.get (metadata and alt=media), files.delete, about.get.
type fakeGoogle struct {
	oauth *fakeOAuth
	url   string

	mu          sync.Mutex
	files       map[string]*gfile
	next        int
	sessions    map[string]*gsession
	uploadTypes []string
	chunks      int
}

type gsession struct {
	meta gfile
	data []byte
}

func newFakeGoogle(t *testing.T, fo *fakeOAuth) (*fakeGoogle, *httptest.Server) {
	g := &fakeGoogle{oauth: fo, files: map[string]*gfile{}, sessions: map[string]*gsession{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", fo.tokenHandler)
	mux.HandleFunc("GET /drive/v3/about", g.auth(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"user": map[string]string{"displayName": "Alice"}})
	}))
	mux.HandleFunc("GET /drive/v3/files", g.auth(g.list))
	mux.HandleFunc("POST /drive/v3/files", g.auth(g.createMeta))
	mux.HandleFunc("POST /upload/drive/v3/files", g.auth(g.upload))
	mux.HandleFunc("PUT /upload/drive/v3/files", g.auth(g.resumeChunk))
	mux.HandleFunc("GET /drive/v3/files/{id}", g.auth(g.get))
	mux.HandleFunc("DELETE /drive/v3/files/{id}", g.auth(g.delete))
	srv := newTestServer(t, mux)
	g.url = srv.URL
	return g, srv
}

func gError(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{
		"code": code, "message": msg, "errors": []map[string]string{{"reason": reason, "message": msg}},
	}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (g *fakeGoogle) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !g.oauth.authorized(r) {
			gError(w, 401, "authError", "Invalid Credentials")
			return
		}
		h(w, r)
	}
}

func (g *fakeGoogle) add(meta gfile, data []byte) *gfile {
	g.next++
	f := meta
	f.ID = fmt.Sprintf("file_%d-Ab", g.next)
	f.Data = data
	if len(f.Parents) == 0 {
		f.Parents = []string{"root"}
	}
	g.files[f.ID] = &f
	return &f
}

func fileJSON(f *gfile) map[string]any {
	return map[string]any{"id": f.ID, "name": f.Name, "mimeType": f.MimeType, "size": strconv.Itoa(len(f.Data)), "parents": f.Parents, "trashed": false}
}

func (g *fakeGoogle) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []map[string]any
	for _, f := range g.files {
		if strings.Contains(q, "name = '"+f.Name+"'") && strings.Contains(q, "mimeType = '"+f.MimeType+"'") &&
			strings.Contains(q, "'"+f.Parents[0]+"' in parents") {
			out = append(out, fileJSON(f))
		}
	}
	writeJSON(w, 200, map[string]any{"files": out})
}

func (g *fakeGoogle) createMeta(w http.ResponseWriter, r *http.Request) {
	var meta gfile
	var in struct {
		Name     string   `json:"name"`
		MimeType string   `json:"mimeType"`
		Parents  []string `json:"parents"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		gError(w, 400, "badRequest", err.Error())
		return
	}
	meta.Name, meta.MimeType, meta.Parents = in.Name, in.MimeType, in.Parents
	g.mu.Lock()
	f := g.add(meta, nil)
	g.mu.Unlock()
	writeJSON(w, 200, fileJSON(f))
}

func decodeMeta(r io.Reader) (gfile, error) {
	var in struct {
		Name     string   `json:"name"`
		MimeType string   `json:"mimeType"`
		Parents  []string `json:"parents"`
	}
	err := json.NewDecoder(r).Decode(&in)
	return gfile{Name: in.Name, MimeType: in.MimeType, Parents: in.Parents}, err
}

// upload handles uploadType=multipart (metadata and media in one
// multipart/related body) and starts uploadType=resumable sessions.
func (g *fakeGoogle) upload(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("upload_id") != "" {
		g.resumeChunk(w, r)
		return
	}
	typ := r.URL.Query().Get("uploadType")
	g.mu.Lock()
	g.uploadTypes = append(g.uploadTypes, typ)
	g.mu.Unlock()
	switch typ {
	case "multipart":
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/related" {
			gError(w, 400, "badContent", "want multipart/related")
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		part, err := mr.NextPart()
		if err != nil {
			gError(w, 400, "badContent", err.Error())
			return
		}
		meta, err := decodeMeta(part)
		if err != nil {
			gError(w, 400, "badContent", err.Error())
			return
		}
		part, err = mr.NextPart()
		if err != nil {
			gError(w, 400, "badContent", err.Error())
			return
		}
		data, _ := io.ReadAll(part)
		g.mu.Lock()
		f := g.add(meta, data)
		g.mu.Unlock()
		writeJSON(w, 200, fileJSON(f))
	case "resumable":
		meta, err := decodeMeta(r.Body)
		if err != nil {
			gError(w, 400, "badContent", err.Error())
			return
		}
		g.mu.Lock()
		id := fmt.Sprintf("session-%d", len(g.sessions)+1)
		g.sessions[id] = &gsession{meta: meta}
		g.mu.Unlock()
		w.Header().Set("Location", g.url+"/upload/drive/v3/files?uploadType=resumable&upload_id="+id)
		w.WriteHeader(200)
	default:
		gError(w, 400, "badRequest", "uploadType "+typ)
	}
}

// resumeChunk takes "Content-Range: bytes a-b/total" (total may be "*")
// and answers 308 with the Range received so far (or, when the client sent
// "X-GUploader-No-308: yes", 200 with "X-HTTP-Status-Code-Override: 308"),
// or 200 with the file.
func (g *fakeGoogle) resumeChunk(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sessions[r.URL.Query().Get("upload_id")]
	if s == nil {
		gError(w, 404, "notFound", "no session")
		return
	}
	cr := strings.TrimPrefix(r.Header.Get("Content-Range"), "bytes ")
	rng, total, ok := strings.Cut(cr, "/")
	if !ok {
		gError(w, 400, "badContent", "Content-Range "+cr)
		return
	}
	data, _ := io.ReadAll(r.Body)
	if rng != "*" {
		a, b, _ := strings.Cut(rng, "-")
		start, _ := strconv.Atoi(a)
		end, _ := strconv.Atoi(b)
		if start != len(s.data) || end-start+1 != len(data) {
			gError(w, 400, "badContent", fmt.Sprintf("range %s but have %d, got %d bytes", rng, len(s.data), len(data)))
			return
		}
		s.data = append(s.data, data...)
		g.chunks++
	}
	if total != "*" {
		if n, _ := strconv.Atoi(total); n == len(s.data) {
			f := g.add(s.meta, s.data)
			writeJSON(w, 200, fileJSON(f))
			return
		}
	}
	if len(s.data) > 0 {
		w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", len(s.data)-1))
	}
	if r.Header.Get("X-GUploader-No-308") == "yes" {
		w.Header().Set("X-HTTP-Status-Code-Override", "308")
		w.WriteHeader(200)
		return
	}
	w.WriteHeader(308)
}

func (g *fakeGoogle) get(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	f := g.files[r.PathValue("id")]
	g.mu.Unlock()
	if f == nil {
		gError(w, 404, "notFound", "File not found: "+r.PathValue("id"))
		return
	}
	if r.URL.Query().Get("alt") == "media" {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(f.Data)
		return
	}
	writeJSON(w, 200, fileJSON(f))
}

func (g *fakeGoogle) delete(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.files[r.PathValue("id")] == nil {
		gError(w, 404, "notFound", "File not found")
		return
	}
	delete(g.files, r.PathValue("id"))
	w.WriteHeader(204)
}

// path gives the stored file's "folder/name".
func (g *fakeGoogle) path(id string) (string, []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.files[id]
	if f == nil {
		return "", nil
	}
	parent := g.files[f.Parents[0]]
	if parent == nil || parent.MimeType != folderMime || parent.Parents[0] != "root" {
		return "?/" + f.Name, f.Data
	}
	return parent.Name + "/" + f.Name, f.Data
}

func googleTestDrive(t *testing.T, g *fakeGoogle, srv *httptest.Server, tok *oauth2.Token, onRefresh TokenFunc) *GoogleDrive {
	t.Helper()
	cfg := GoogleOAuthConfig("client-id", "client-secret", "https://docs.example.com")
	cfg.Endpoint = oauth2.Endpoint{AuthURL: srv.URL + "/auth", TokenURL: srv.URL + "/token"}
	d, err := NewGoogleDrive(ctxT(t), GoogleDriveConfig{OAuth: cfg, HTTPClient: srv.Client(), BaseURL: srv.URL + "/", ChunkSize: 256 << 10}, tok, onRefresh)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGoogleDrive(t *testing.T) {
	fo := newFakeOAuth()
	fo.grant("at-0", "rt-0")
	g, srv := newFakeGoogle(t, fo)
	d := googleTestDrive(t, g, srv, fresh("at-0", "rt-0"), nil)
	testDriveRoundTrip(t, d, g.path)

	g.mu.Lock()
	types, chunks := strings.Join(g.uploadTypes, ","), g.chunks
	folders := 0
	for _, f := range g.files {
		if f.MimeType == folderMime {
			folders++
		}
	}
	g.mu.Unlock()
	// The 700 KiB file went resumable in 256 KiB chunks, the others
	// multipart.
	if types != "multipart,multipart,resumable,multipart" || chunks != 3 {
		t.Errorf("upload types %s with %d resumable chunks; want multipart,multipart,resumable,multipart with 3", types, chunks)
	}
	if folders != 1 {
		t.Errorf("%d DocuVault folders, want 1", folders)
	}
	// A second drive object finds the existing folder.
	d2 := googleTestDrive(t, g, srv, fresh("at-0", "rt-0"), nil)
	if err := d2.Test(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if d2.folderID != d.folderID {
		t.Errorf("second drive folder %q, first %q", d2.folderID, d.folderID)
	}
	if _, err := d.Get(ctxT(t), "../x"); !errors.Is(err, ErrBadName) {
		t.Errorf("Get(bad ref) = %v", err)
	}
}

func TestGoogleDriveTokens(t *testing.T) {
	fo := newFakeOAuth()
	fo.grant("", "rt-0")
	g, srv := newFakeGoogle(t, fo)

	var reported []*oauth2.Token
	d := googleTestDrive(t, g, srv, expired("at-old", "rt-0"), func(tok *oauth2.Token) { reported = append(reported, tok) })
	if err := d.Test(ctxT(t)); err != nil {
		t.Fatalf("Test with an expired token: %v", err)
	}
	if len(reported) != 1 || reported[0].AccessToken != "at-1" || reported[0].RefreshToken != "rt-1" {
		t.Fatalf("reported tokens %+v, want one with at-1/rt-1", reported)
	}
	if _, err := d.Stat(ctxT(t), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat(missing) = %v, want ErrNotFound", err)
	}
	if len(reported) != 1 || fo.refreshes != 1 {
		t.Errorf("a valid token must not be refreshed again: %d reports, %d refreshes", len(reported), fo.refreshes)
	}

	// The user revoked the app: the refresh token no longer works.
	revoked := googleTestDrive(t, g, srv, expired("at-old", "rt-revoked"), func(*oauth2.Token) { t.Error("no token to report") })
	err := revoked.Test(ctxT(t))
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("revoked refresh token: %v, want ErrUnauthorized (invalid_grant)", err)
	}
	// An access token the server no longer accepts (not yet expired here).
	bad := googleTestDrive(t, g, srv, fresh("at-forged", "rt-0"), nil)
	if _, err := bad.Put(ctxT(t), "a.txt", strings.NewReader("a"), 1); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("rejected access token: %v, want ErrUnauthorized", err)
	}
	// The server is gone.
	srv.Close()
	if err := revoked.Delete(ctxT(t), "file_1"); !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrUnauthorized) {
		t.Errorf("closed server: %v", err)
	}
	if _, err := d.Stat(ctxT(t), "file_1"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("closed server: %v, want ErrUnavailable", err)
	}
}

func TestGoogleDriveSizeMismatch(t *testing.T) {
	fo := newFakeOAuth()
	fo.grant("at-0", "rt-0")
	g, srv := newFakeGoogle(t, fo)
	d := googleTestDrive(t, g, srv, fresh("at-0", "rt-0"), nil)
	if _, err := d.Put(ctxT(t), "a.txt", strings.NewReader("abc"), 10); err == nil || !strings.Contains(err.Error(), "stored 3 bytes, expected 10") {
		t.Fatalf("Put with a short source = %v", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, f := range g.files {
		if f.MimeType != folderMime {
			t.Errorf("truncated file %q left behind", f.Name)
		}
	}
}
