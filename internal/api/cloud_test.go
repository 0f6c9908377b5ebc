package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/webdav"
	"golang.org/x/oauth2"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/cloud"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/cloud/ssrf"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/jobs"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// davFolder is a real WebDAV server (x/net/webdav on an in-memory file
// system) behind basic auth whose password the test can change, laid out
// like Nextcloud when prefix is "/remote.php/dav/files/alice".
type davFolder struct {
	srv      *httptest.Server
	fs       webdav.FileSystem
	prefix   string
	password atomic.Value
	requests atomic.Int64
}

func newDAVFolder(t *testing.T, prefix string) *davFolder {
	t.Helper()
	f := &davFolder{fs: webdav.NewMemFS(), prefix: prefix}
	f.password.Store("app-pass")
	h := &webdav.Handler{Prefix: prefix, FileSystem: f.fs, LockSystem: webdav.NewMemLS()}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		u, p, ok := r.BasicAuth()
		if !ok || u != "alice" || p != f.password.Load().(string) {
			w.Header().Set("WWW-Authenticate", `Basic realm="dav"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// files lists DocuVault/ on the server: name -> content.
func (f *davFolder) files(t *testing.T) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	dir, err := f.fs.OpenFile(ctx, "/DocuVault", os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	infos, err := dir.Readdir(-1)
	dir.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range infos {
		fh, err := f.fs.OpenFile(ctx, "/DocuVault/"+fi.Name(), os.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(fh)
		fh.Close()
		out[fi.Name()] = b
	}
	return out
}

// textExtractor stands in for internal/extract: these tests are about where
// bytes live, not about reading formats (the extract suites test those).
type textExtractor struct{}

func (textExtractor) Extract(_ context.Context, in extract.Input) (*extract.Result, error) {
	b, err := io.ReadAll(io.NewSectionReader(in.R, 0, in.Size))
	if err != nil {
		return nil, err
	}
	return &extract.Result{Text: string(b), Pages: 1}, nil
}

type cloudEnv struct {
	*docEnv
	cloud *cloud.Service
	fo    *fakeProvider
}

type cloudOpts struct {
	allow    []string // CLOUD_ALLOWED_HOSTS
	noOAuth  bool
	noEngine bool
}

func newCloudEnv(t *testing.T, st *store.Store, o cloudOpts) *cloudEnv {
	t.Helper()
	ctx := context.Background()
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, st); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	eng, err := jobs.New(st, jobs.Config{Workers: 2, RunWorkers: !o.noEngine, PollInterval: 200 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	guard, err := ssrf.New(o.allow)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New([]byte("0123456789abcdef0123456789abcdef-test"))
	if err != nil {
		t.Fatal(err)
	}
	e := &cloudEnv{docEnv: &docEnv{t: t, st: st, blobs: blobs}}
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg := cloud.ServiceConfig{FrontendURL: e.srv.URL}
	if !o.noOAuth {
		e.fo = newFakeProvider(t)
		cfg.OAuth = cloud.OAuthConfigs(map[string]cloud.OAuthClient{
			cloud.KindGoogleDrive: {ID: "client-id", Secret: "client-secret"},
			cloud.KindOneDrive:    {ID: "client-id", Secret: "client-secret"},
		}, e.srv.URL)
		for _, c := range cfg.OAuth {
			c.Endpoint = oauth2.Endpoint{AuthURL: e.fo.srv.URL + "/authorize", TokenURL: e.fo.srv.URL + "/token"}
		}
	}
	lc := lifecycle.New(eng)
	e.cloud, err = cloud.NewService(st, blobs, sealer, guard, lc, log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.docs = newDocuments(t, st, blobs, lc, log, document.Config{MaxUploadBytes: 1 << 20, BackendURL: e.srv.URL, Remote: e.cloud})
	p := pipeline.New(st, blobs, textExtractor{}, lc, log, t.TempDir(), pipeline.Limits{})
	if err := lc.Register(lifecycle.Workers{Extractor: p, Drives: e.cloud}); err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = eng.Stop(sctx)
	})
	handler = cloudAPI(st, blobs, e.docs, e.cloud, log)
	return e
}

func (e *cloudEnv) json(user, method, path string, body any) (*http.Response, map[string]any) {
	e.t.Helper()
	var r io.Reader
	ct := ""
	if body != nil {
		b, _ := json.Marshal(body)
		r, ct = bytes.NewReader(b), "application/json"
	}
	res, b := e.do(user, method, path, r, ct)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return res, out
}

// eventually polls cond until it holds; the deadline only bounds a hung
// test, it asserts nothing about speed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *cloudEnv) document(user, id string) *model.Document {
	e.t.Helper()
	d, err := e.st.Document(context.Background(), user, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *cloudEnv) uploadDoc(user, name string, content []byte) string {
	e.t.Helper()
	res, body := e.upload(user, name, content, "")
	if res.StatusCode != 201 {
		e.t.Fatalf("upload %s: %d %v", name, res.StatusCode, body)
	}
	return body["document"].(map[string]any)["id"].(string)
}

func (e *cloudEnv) download(user, id string) []byte {
	e.t.Helper()
	res, b := e.do(user, "GET", "/api/documents/"+id+"/download", nil, "")
	if res.StatusCode != 200 {
		e.t.Fatalf("download %s: %d %s", id, res.StatusCode, b)
	}
	return b
}

func (e *cloudEnv) systemCopy(d *model.Document) bool {
	_, err := e.blobs.Stat(context.Background(), d.BlobKey)
	if err != nil && !errors.Is(err, blob.ErrNotFound) {
		e.t.Fatal(err)
	}
	return err == nil
}

// The "done when": a new user connects a WebDAV (and a Nextcloud)
// folder, chooses it, uploads, sees the document appear in that folder,
// downloads it back through DocuVault, migrates older documents, and
// disconnects without losing a document.
func TestCloudStoryWebDAV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, kind := range []string{"webdav", "nextcloud"} {
			t.Run(kind, func(t *testing.T) {
				testCloudStory(t, st, kind)
			})
		}
	})
}

func testCloudStory(t *testing.T, st *store.Store, kind string) {
	e := newCloudEnv(t, st, cloudOpts{allow: []string{"127.0.0.1"}})
	ctx := context.Background()
	alice := e.user(kind+"-alice@x.test", 0, 0)
	dav := newDAVFolder(t, "/dav")
	serverURL := dav.srv.URL + "/dav"
	if kind == "nextcloud" {
		dav = newDAVFolder(t, "/nc/remote.php/dav/files/alice")
		serverURL = dav.srv.URL + "/nc"
	}

	// An older document, kept in system storage.
	older := []byte("an older letter, kept in system storage at first\n")
	olderID := e.uploadDoc(alice, "older.txt", older)
	eventually(t, "older document ready", func() bool { return e.document(alice, olderID).Status == model.StatusReady })

	res, acc := e.json(alice, "POST", "/api/cloud/"+kind, map[string]string{"server_url": serverURL, "username": "alice", "password": "app-pass"})
	if res.StatusCode != 201 || acc["kind"] != kind || acc["status"] != "ok" {
		t.Fatalf("connect: %d %v", res.StatusCode, acc)
	}
	accID := acc["id"].(string)
	res, b := e.do(alice, "GET", "/api/cloud", nil, "")
	if res.StatusCode != 200 || !strings.Contains(string(b), accID) || strings.Contains(string(b), "app-pass") ||
		strings.Contains(string(b), "credentials") || strings.Contains(string(b), "password") {
		t.Fatalf("list: %d %s", res.StatusCode, b)
	}
	if res, out := e.json(alice, "POST", "/api/cloud/"+accID+"/test", nil); res.StatusCode != 200 || out["ok"] != true {
		t.Fatalf("test: %d %v", res.StatusCode, out)
	}
	if res, out := e.json(alice, "PUT", "/api/settings/storage", map[string]string{"backend": accID}); res.StatusCode != 200 || out["backend"] != accID {
		t.Fatalf("choose: %d %v", res.StatusCode, out)
	}

	content := append([]byte("Rechnung Nr. 2024-0042 — Grüße\n"), bytes.Repeat([]byte("a line of text\n"), 300)...)
	id := e.uploadDoc(alice, "Rechnung März.txt", content)
	eventually(t, "document placed", func() bool { return e.document(alice, id).StorageState == model.StoragePlaced })
	d := e.document(alice, id)
	if d.StorageBackend != accID || !strings.HasPrefix(d.StorageRef, "DocuVault/Rechnung März (") || d.StorageError != "" {
		t.Fatalf("placement: %+v", d)
	}
	files := dav.files(t)
	name := strings.TrimPrefix(d.StorageRef, "DocuVault/")
	if !bytes.Equal(files[name], content) {
		t.Fatalf("folder holds %d files; %q has %d bytes, want %d", len(files), name, len(files[name]), len(content))
	}
	if e.systemCopy(d) {
		t.Fatal("the system copy of a placed document was kept")
	}
	// Downloads stream from the drive: whole, and a range.
	if got := e.download(alice, id); !bytes.Equal(got, content) {
		t.Fatalf("download of a placed document differs (%d bytes)", len(got))
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/documents/"+id+"/download", nil)
	req.Header.Set("Authorization", "Bearer user:"+alice)
	req.Header.Set("Range", "bytes=10-29")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 206 || !bytes.Equal(part, content[10:30]) {
		t.Fatalf("range of a placed document: %d %q", r2.StatusCode, part)
	}
	if res, out := e.json(alice, "GET", "/api/documents/"+id, nil); res.StatusCode != 200 ||
		out["document"].(map[string]any)["storage"].(map[string]any)["state"] != "placed" {
		t.Fatalf("document JSON: %d %v", res.StatusCode, out)
	}

	// Migration moves the older document too, with progress visible.
	// The answer already shows the move (the older document waits as
	// "pending", never still "stored", even before the job has started), so
	// a client polls from the first moment.
	if res, out := e.json(alice, "POST", "/api/settings/storage/migrate", nil); res.StatusCode != 202 || out["backend"] != accID {
		t.Fatalf("migrate: %d %v", res.StatusCode, out)
	} else {
		for _, d := range out["documents"].([]any) {
			if d := d.(map[string]any); d["backend"] == "system" && d["state"] != "pending" {
				t.Fatalf("migrate answered with a document still %v in system storage: %v", d["state"], out)
			}
		}
	}
	eventually(t, "older document migrated", func() bool { return e.document(alice, olderID).StorageState == model.StoragePlaced })
	_, out := e.json(alice, "GET", "/api/settings/storage", nil)
	docs, _ := out["documents"].([]any)
	if len(docs) != 1 || docs[0].(map[string]any)["backend"] != accID || docs[0].(map[string]any)["count"] != float64(2) {
		t.Fatalf("storage counts: %v", out)
	}
	if len(dav.files(t)) != 2 {
		t.Fatalf("folder: %d files", len(dav.files(t)))
	}

	// Disconnect: every document comes back, byte for byte, and the
	// account goes.
	if res, b := e.do(alice, "DELETE", "/api/cloud/"+accID, nil, ""); res.StatusCode != 204 {
		t.Fatalf("disconnect: %d %s", res.StatusCode, b)
	}
	eventually(t, "account removed after its documents came back", func() bool {
		l, err := st.ListCloudAccounts(ctx, alice)
		return err == nil && len(l) == 0
	})
	for docID, want := range map[string][]byte{id: content, olderID: older} {
		d := e.document(alice, docID)
		if d.StorageBackend != model.BackendSystem || d.StorageState != model.StorageStored || !e.systemCopy(d) {
			t.Fatalf("after disconnect: %+v", d)
		}
		if got := e.download(alice, docID); !bytes.Equal(got, want) {
			t.Fatalf("download after disconnect differs for %s", docID)
		}
	}
	if n := len(dav.files(t)); n != 0 {
		t.Fatalf("the drive still holds %d files", n)
	}
	if _, out := e.json(alice, "GET", "/api/settings/storage", nil); out["backend"] != "system" {
		t.Fatalf("backend after disconnect: %v", out)
	}
	for _, action := range []string{"cloud.connect", "cloud.disconnect"} {
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: action, ActorID: alice}, store.Page{})
		if len(entries) != 1 || entries[0].TargetID != accID {
			t.Fatalf("audit %s: %+v", action, entries)
		}
	}
}

// A drive that refuses the credentials leaves documents safe in system
// storage with the reason visible, marks the account, and placement is
// retried until it works.
func TestCloudPlacementFailureIsSafeAndRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newCloudEnv(t, st, cloudOpts{allow: []string{"127.0.0.1"}})
		alice := e.user("alice@x.test", 0, 0)
		dav := newDAVFolder(t, "/dav")
		_, acc := e.json(alice, "POST", "/api/cloud/webdav", map[string]string{"server_url": dav.srv.URL + "/dav", "username": "alice", "password": "app-pass"})
		accID, _ := acc["id"].(string)
		if res, _ := e.json(alice, "PUT", "/api/settings/storage", map[string]string{"backend": accID}); res.StatusCode != 200 {
			t.Fatalf("choose: %d", res.StatusCode)
		}
		dav.password.Store("changed") // the user revoked the app password
		content := []byte("a document that must not be lost\n")
		id := e.uploadDoc(alice, "keep.txt", content)
		eventually(t, "placement failure recorded", func() bool { return e.document(alice, id).StorageError != "" })
		d := e.document(alice, id)
		if d.StorageBackend != model.BackendSystem || d.StorageState != model.StoragePending || !e.systemCopy(d) {
			t.Fatalf("after a refused placement: %+v", d)
		}
		if !strings.Contains(d.StorageError, "reconnect") {
			t.Fatalf("storage error %q", d.StorageError)
		}
		a, _ := st.CloudAccount(context.Background(), alice, accID)
		if a.Status != model.CloudReconnect {
			t.Fatalf("account: %+v", a)
		}
		if got := e.download(alice, id); !bytes.Equal(got, content) {
			t.Fatal("download while placement fails differs")
		}
		// The test route uses the stored credentials: still refused.
		if _, out := e.json(alice, "POST", "/api/cloud/"+accID+"/test", nil); out["ok"] != false || out["error"] == "" {
			t.Fatalf("test with revoked credentials: %v", out)
		}
		dav.password.Store("app-pass")
		eventually(t, "placed after retry", func() bool { return e.document(alice, id).StorageState == model.StoragePlaced })
		if a, _ := st.CloudAccount(context.Background(), alice, accID); a.Status != model.CloudOK {
			t.Fatalf("account after success: %+v", a)
		}
		if got := e.download(alice, id); !bytes.Equal(got, content) {
			t.Fatal("download after retry differs")
		}
	})
}

func TestCloudSSRFRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dav := newDAVFolder(t, "/dav")
		for _, tc := range []struct {
			name  string
			allow []string
			url   string
			why   string
		}{
			{"loopback not allowlisted", nil, dav.srv.URL + "/dav", "loopback"},
			{"metadata always", []string{"127.0.0.1", "169.254.0.0/16"}, "http://169.254.169.254/latest/meta-data/", "metadata"},
			{"metadata in decimal", nil, "http://2852039166/", "metadata"},
			{"private network", nil, "http://10.0.0.5/dav", "private"},
			{"scheme", nil, "file:///etc/passwd", "scheme"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newCloudEnv(t, st, cloudOpts{allow: tc.allow, noOAuth: true, noEngine: true})
				alice := e.user("ssrf-"+strings.ReplaceAll(tc.name, " ", "-")+"@x.test", 0, 0)
				before := dav.requests.Load()
				for _, kind := range []string{"webdav", "nextcloud"} {
					res, out := e.json(alice, "POST", "/api/cloud/"+kind, map[string]string{"server_url": tc.url, "username": "alice", "password": "app-pass"})
					if res.StatusCode != 422 || out["code"] != "invalid_input" || !strings.Contains(strings.ToLower(out["detail"].(string)), tc.why) {
						t.Fatalf("%s %s: %d %v", kind, tc.url, res.StatusCode, out)
					}
				}
				if n := dav.requests.Load() - before; n != 0 {
					t.Fatalf("the server received %d requests for a refused URL", n)
				}
				if l, _ := st.ListCloudAccounts(context.Background(), alice); len(l) != 0 {
					t.Fatal("a refused account was stored")
				}
			})
		}
	})
}

func TestCloudConnectRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newCloudEnv(t, st, cloudOpts{allow: []string{"127.0.0.1"}, noOAuth: true, noEngine: true})
		alice := e.user("alice@x.test", 0, 0)
		dav := newDAVFolder(t, "/dav")
		for _, tc := range []struct {
			name string
			body any
			code int
		}{
			{"wrong password", map[string]string{"server_url": dav.srv.URL + "/dav", "username": "alice", "password": "nope"}, 422},
			{"missing fields", map[string]string{"server_url": dav.srv.URL + "/dav"}, 422},
			{"unknown field", map[string]string{"server_url": dav.srv.URL + "/dav", "username": "alice", "password": "app-pass", "token": "x"}, 400},
		} {
			if res, out := e.json(alice, "POST", "/api/cloud/webdav", tc.body); res.StatusCode != tc.code {
				t.Errorf("%s: %d %v", tc.name, res.StatusCode, out)
			}
		}
		if res, _ := e.json("", "GET", "/api/cloud", nil); res.StatusCode != 401 {
			t.Fatalf("anonymous list: %d", res.StatusCode)
		}
		if res, _ := e.json(alice, "PUT", "/api/settings/storage", map[string]string{"backend": "no-such-account"}); res.StatusCode != 404 {
			t.Fatalf("unknown backend: %d", res.StatusCode)
		}
	})
}

// Another user's account id is 404 on every route, and nothing changes.
func TestCloudCrossUserIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newCloudEnv(t, st, cloudOpts{allow: []string{"127.0.0.1"}, noEngine: true})
		alice, bob := e.user("alice@x.test", 0, 0), e.user("bob@x.test", 0, 0)
		dav := newDAVFolder(t, "/dav")
		_, acc := e.json(alice, "POST", "/api/cloud/webdav", map[string]string{"server_url": dav.srv.URL + "/dav", "username": "alice", "password": "app-pass"})
		accID, _ := acc["id"].(string)
		if accID == "" {
			t.Fatalf("connect: %v", acc)
		}
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/cloud/" + accID + "/test", nil},
			{"DELETE", "/api/cloud/" + accID, nil},
			{"PUT", "/api/settings/storage", map[string]string{"backend": accID}},
			{"GET", "/api/cloud/google/authorize?account_id=" + accID, nil},
		} {
			if res, out := e.json(bob, r.method, r.path, r.body); res.StatusCode != 404 {
				t.Errorf("bob %s %s: %d %v", r.method, r.path, res.StatusCode, out)
			}
		}
		if _, out := e.json(bob, "GET", "/api/cloud", nil); len(out["items"].([]any)) != 0 {
			t.Fatalf("bob lists %v", out)
		}
		if _, out := e.json(bob, "GET", "/api/settings/storage", nil); out["backend"] != "system" {
			t.Fatalf("bob's backend: %v", out)
		}
		if a, err := st.CloudAccount(context.Background(), alice, accID); err != nil || a.Status != model.CloudOK {
			t.Fatalf("alice's account after bob: %+v %v", a, err)
		}
	})
}

// fakeProvider is an OAuth2 authorization server: /authorize plays the
// user consenting (a redirect back with a code bound to the PKCE
// challenge) and /token exchanges the code when the verifier matches.
type fakeProvider struct {
	srv   *httptest.Server
	mu    sync.Mutex
	codes map[string]string // code -> challenge
	deny  bool
}

func newFakeProvider(t *testing.T) *fakeProvider {
	f := &fakeProvider{codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != "client-id" || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("response_type") != "code" {
			http.Error(w, "bad authorization request", 400)
			return
		}
		back := q.Get("redirect_uri") + "?state=" + q.Get("state")
		f.mu.Lock()
		deny := f.deny
		if !deny {
			code := "code-" + q.Get("state")[:8]
			f.codes[code] = q.Get("code_challenge")
			back += "&code=" + code
		} else {
			back += "&error=access_denied"
		}
		f.mu.Unlock()
		http.Redirect(w, r, back, http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		f.mu.Lock()
		challenge, known := f.codes[r.PostForm.Get("code")]
		delete(f.codes, r.PostForm.Get("code"))
		f.mu.Unlock()
		if id != "client-id" || secret != "client-secret" || !known || oauth2.S256ChallengeFromVerifier(r.PostForm.Get("code_verifier")) != challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}`)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// browser follows redirects like a browser with a cookie jar and stops at
// the UI's settings page, returning its URL.
func (e *cloudEnv) browser(t *testing.T, user, start string, jar http.CookieJar) string {
	t.Helper()
	var final string
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/settings" {
			final = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	req, _ := http.NewRequest("GET", e.srv.URL+start, nil)
	req.Header.Set("Authorization", "Bearer user:"+user)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if final == "" {
		t.Fatalf("%s ended at %s with %d %s", start, res.Request.URL, res.StatusCode, b)
	}
	return final
}

type memJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
}

func (j *memJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		if c.MaxAge < 0 {
			delete(j.cookies, c.Name)
		} else {
			j.cookies[c.Name] = c
		}
	}
}

func (j *memJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*http.Cookie
	for _, c := range j.cookies {
		if strings.HasPrefix(u.Path, c.Path) {
			out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return out
}

func TestCloudOAuthConnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newCloudEnv(t, st, cloudOpts{noEngine: true})
		alice := e.user("alice@x.test", 0, 0)
		for _, p := range []struct{ word, kind string }{{"google", "google_drive"}, {"onedrive", "onedrive"}} {
			jar := &memJar{cookies: map[string]*http.Cookie{}}
			to := e.browser(t, alice, "/api/cloud/"+p.word+"/authorize", jar)
			if to != e.srv.URL+"/settings?cloud=connected" {
				t.Fatalf("%s: back at %s", p.word, to)
			}
			l, _ := st.ListCloudAccounts(context.Background(), alice)
			if len(l) == 0 || l[len(l)-1].Kind != p.kind || bytes.Contains(l[len(l)-1].Credentials, []byte("rt-1")) {
				t.Fatalf("%s: stored accounts %+v", p.word, l)
			}
		}
		// Reconnecting renews the same account.
		l, _ := st.ListCloudAccounts(context.Background(), alice)
		_ = st.SetCloudStatus(context.Background(), alice, l[0].ID, model.CloudReconnect, "revoked")
		to := e.browser(t, alice, "/api/cloud/google/authorize?account_id="+l[0].ID, &memJar{cookies: map[string]*http.Cookie{}})
		if to != e.srv.URL+"/settings?cloud=connected" {
			t.Fatalf("reconnect: %s", to)
		}
		if a, _ := st.CloudAccount(context.Background(), alice, l[0].ID); a.Status != model.CloudOK {
			t.Fatalf("after reconnect: %+v", a)
		}
		if l2, _ := st.ListCloudAccounts(context.Background(), alice); len(l2) != 2 {
			t.Fatalf("reconnect made a new account: %d", len(l2))
		}
		entries, _, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "cloud.connect", ActorID: alice}, store.Page{})
		if len(entries) != 2 {
			t.Fatalf("audit: %d cloud.connect entries", len(entries))
		}

		// A callback from another browser (no state cookie), a replayed
		// state and a declined consent are refused with a reason.
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/cloud/google/authorize", nil)
		req.Header.Set("Authorization", "Bearer user:"+alice)
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		consent, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != 302 || consent.Query().Get("code_challenge") == "" || consent.Query().Get("scope") != "https://www.googleapis.com/auth/drive.file" {
			t.Fatalf("authorize: %d %s", res.StatusCode, consent)
		}
		res, err = noFollow.Get(consent.String())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		callback := res.Header.Get("Location")
		res, err = noFollow.Get(callback) // no cookie
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); !strings.HasSuffix(loc, "/settings?cloud=error&reason=invalid_state") {
			t.Fatalf("callback without the browser's cookie: %s", loc)
		}
		e.fo.mu.Lock()
		e.fo.deny = true
		e.fo.mu.Unlock()
		if to := e.browser(t, alice, "/api/cloud/onedrive/authorize", &memJar{cookies: map[string]*http.Cookie{}}); !strings.HasSuffix(to, "reason=access_denied") {
			t.Fatalf("declined consent: %s", to)
		}
		if l3, _ := st.ListCloudAccounts(context.Background(), alice); len(l3) != 2 {
			t.Fatalf("refused flows stored accounts: %d", len(l3))
		}
	})
}

func TestCloudOAuthNotConfigured(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	e := newCloudEnv(t, st, cloudOpts{noOAuth: true, noEngine: true})
	alice := e.user("alice@x.test", 0, 0)
	for _, word := range []string{"google", "onedrive"} {
		res, out := e.json(alice, "GET", "/api/cloud/"+word+"/authorize", nil)
		if res.StatusCode != 503 || out["code"] != "unavailable" || !strings.Contains(out["detail"].(string), "CLIENT_ID") {
			t.Fatalf("%s: %d %v", word, res.StatusCode, out)
		}
	}
}

// A revoked app password: the user reconnects the WebDAV account with a new
// one (tested before it is stored), the account is ok again and the waiting
// document is placed; wrong new credentials change nothing; an OAuth
// account is not reconnected this way.
func TestCloudReconnectWebDAV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := newCloudEnv(t, st, cloudOpts{allow: []string{"127.0.0.1"}})
		alice := e.user("alice@x.test", 0, 0)
		dav := newDAVFolder(t, "/dav")
		url := dav.srv.URL + "/dav"
		_, acc := e.json(alice, "POST", "/api/cloud/webdav", map[string]string{"server_url": url, "username": "alice", "password": "app-pass"})
		accID, _ := acc["id"].(string)
		if res, _ := e.json(alice, "PUT", "/api/settings/storage", map[string]string{"backend": accID}); res.StatusCode != 200 {
			t.Fatalf("choose: %d", res.StatusCode)
		}
		dav.password.Store("new-app-pass")
		id := e.uploadDoc(alice, "waiting.txt", []byte("placed once the account is reconnected\n"))
		eventually(t, "account needs reconnecting", func() bool {
			a, err := st.CloudAccount(ctx, alice, accID)
			return err == nil && a.Status == model.CloudReconnect
		})

		// Wrong new password, a missing field: 422, nothing stored.
		res, out := e.json(alice, "PUT", "/api/cloud/"+accID, map[string]string{"server_url": url, "username": "alice", "password": "wrong"})
		if res.StatusCode != 422 || out["code"] != "invalid_input" {
			t.Fatalf("reconnect with a wrong password: %d %v", res.StatusCode, out)
		}
		if res, _ := e.json(alice, "PUT", "/api/cloud/"+accID, map[string]string{"password": "new-app-pass"}); res.StatusCode != 422 {
			t.Fatalf("reconnect without the server URL: %d", res.StatusCode)
		}
		if a, _ := st.CloudAccount(ctx, alice, accID); a.Status != model.CloudReconnect {
			t.Fatalf("after refused reconnects: %+v", a)
		}

		res, out = e.json(alice, "PUT", "/api/cloud/"+accID, map[string]string{"server_url": url, "username": "alice",
			"password": "new-app-pass", "display_name": "My folder"})
		if res.StatusCode != 200 || out["status"] != "ok" || out["display_name"] != "My folder" || out["id"] != accID {
			t.Fatalf("reconnect: %d %v", res.StatusCode, out)
		}
		if strings.Contains(fmt.Sprint(out), "new-app-pass") {
			t.Fatal("the password came back")
		}
		if _, out := e.json(alice, "POST", "/api/cloud/"+accID+"/test", nil); out["ok"] != true {
			t.Fatalf("test after reconnect: %v", out)
		}
		eventually(t, "waiting document placed", func() bool { return e.document(alice, id).StorageState == model.StoragePlaced })
		entries, _, _ := st.ListAudit(ctx, store.AuditFilter{Action: "cloud.connect", ActorID: alice}, store.Page{})
		if len(entries) != 2 || entries[0].Details["reconnect"] != true && entries[1].Details["reconnect"] != true {
			t.Fatalf("audit: %+v", entries)
		}
	})
}
