package cloud

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

type oitem struct {
	ID, Name, Parent string
	Folder           bool
	Data             []byte
}

type osession struct {
	name string
	data []byte
}

// fakeGraph speaks the Microsoft Graph v1.0 drive wire protocol for the
// calls the drive makes: path addressing (root:/DocuVault/name:), upload
// sessions with Content-Range fragments answered 202/nextExpectedRanges and
// finally 201, session status, simple upload, content download through a
// redirect, item metadata and delete.
type fakeGraph struct {
	oauth *fakeOAuth
	url   string

	mu        sync.Mutex
	items     map[string]*oitem
	next      int
	sessions  map[string]*osession
	fragments []int // sizes of accepted fragments
	// failFragment makes the fragment with this index (0-based, counting
	// every PUT) keep its first half and answer 500, once.
	failFragment int
	failed       bool
	statusCalls  int
}

func newFakeGraph(t *testing.T, fo *fakeOAuth) (*fakeGraph, *httptest.Server) {
	g := &fakeGraph{oauth: fo, items: map[string]*oitem{}, sessions: map[string]*osession{}, failFragment: -1}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", fo.tokenHandler)
	mux.HandleFunc("/v1.0/me/drive/", g.drive)
	mux.HandleFunc("/upload/{sid}", g.session)
	mux.HandleFunc("GET /download/{id}", g.download)
	srv := newTestServer(t, mux)
	g.url = srv.URL
	return g, srv
}

func graphFail(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": "fake " + code}})
}

func (g *fakeGraph) itemJSON(it *oitem) map[string]any {
	m := map[string]any{"id": it.ID, "name": it.Name, "size": len(it.Data)}
	if it.Folder {
		m["folder"] = map[string]any{"childCount": 0}
	} else {
		m["file"] = map[string]any{"mimeType": "application/octet-stream"}
	}
	return m
}

func (g *fakeGraph) find(parent, name string) *oitem {
	for _, it := range g.items {
		if it.Parent == parent && strings.EqualFold(it.Name, name) {
			return it
		}
	}
	return nil
}

func (g *fakeGraph) add(it oitem) *oitem {
	g.next++
	it.ID = fmt.Sprintf("01ABC%d!%d", g.next, g.next)
	g.items[it.ID] = &it
	return &it
}

// put stores a file at DocuVault/name (creating the folder, replacing a
// file of that name, as conflictBehavior=replace does).
func (g *fakeGraph) put(name string, data []byte) *oitem {
	folder := g.find("root", Folder)
	if folder == nil {
		folder = g.add(oitem{Name: Folder, Parent: "root", Folder: true})
	}
	if old := g.find(folder.ID, name); old != nil {
		delete(g.items, old.ID)
	}
	return g.add(oitem{Name: name, Parent: folder.ID, Data: data})
}

func (g *fakeGraph) drive(w http.ResponseWriter, r *http.Request) {
	if !g.oauth.authorized(r) {
		graphFail(w, 401, "InvalidAuthenticationToken")
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := strings.TrimPrefix(r.URL.Path, "/v1.0/me/drive/")
	switch {
	case r.Method == "GET" && p == "root:/"+Folder:
		if f := g.find("root", Folder); f != nil {
			writeJSON(w, 200, g.itemJSON(f))
			return
		}
		graphFail(w, 404, "itemNotFound")
	case r.Method == "POST" && p == "root/children":
		var in struct {
			Name   string          `json:"name"`
			Folder json.RawMessage `json:"folder"`
		}
		json.NewDecoder(r.Body).Decode(&in)
		if g.find("root", in.Name) != nil {
			graphFail(w, 409, "nameAlreadyExists")
			return
		}
		writeJSON(w, 201, g.itemJSON(g.add(oitem{Name: in.Name, Parent: "root", Folder: in.Folder != nil})))
	case strings.HasPrefix(p, "root:/"+Folder+"/") && strings.HasSuffix(p, ":/createUploadSession") && r.Method == "POST":
		name := strings.TrimSuffix(strings.TrimPrefix(p, "root:/"+Folder+"/"), ":/createUploadSession")
		var in struct {
			Item map[string]string `json:"item"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Item["@microsoft.graph.conflictBehavior"] != "replace" {
			graphFail(w, 400, "invalidRequest")
			return
		}
		sid := fmt.Sprintf("s%d", len(g.sessions)+1)
		g.sessions[sid] = &osession{name: name}
		writeJSON(w, 200, map[string]any{"uploadUrl": g.url + "/upload/" + sid, "expirationDateTime": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "nextExpectedRanges": []string{"0-"}})
	case strings.HasPrefix(p, "root:/"+Folder+"/") && strings.HasSuffix(p, ":/content") && r.Method == "PUT":
		name := strings.TrimSuffix(strings.TrimPrefix(p, "root:/"+Folder+"/"), ":/content")
		data, _ := io.ReadAll(r.Body)
		writeJSON(w, 201, g.itemJSON(g.put(name, data)))
	case strings.HasPrefix(p, "items/"):
		id, rest, _ := strings.Cut(strings.TrimPrefix(p, "items/"), "/")
		it := g.items[id]
		if it == nil {
			graphFail(w, 404, "itemNotFound")
			return
		}
		switch {
		case r.Method == "GET" && rest == "content":
			http.Redirect(w, r, g.url+"/download/"+id+"?tempauth=signed", http.StatusFound)
		case r.Method == "GET" && rest == "":
			writeJSON(w, 200, g.itemJSON(it))
		case r.Method == "DELETE" && rest == "":
			delete(g.items, id)
			w.WriteHeader(204)
		default:
			graphFail(w, 405, "notSupported")
		}
	default:
		graphFail(w, 400, "invalidRequest "+r.Method+" "+p)
	}
}

// session is the pre-authenticated upload URL: it refuses a bearer token.
func (g *fakeGraph) session(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" {
		graphFail(w, 401, "tokenNotExpected")
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sessions[r.PathValue("sid")]
	if s == nil {
		graphFail(w, 404, "itemNotFound")
		return
	}
	status := func(code int) {
		writeJSON(w, code, map[string]any{"expirationDateTime": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "nextExpectedRanges": []string{fmt.Sprintf("%d-", len(s.data))}})
	}
	switch r.Method {
	case "GET":
		g.statusCalls++
		status(200)
		return
	case "DELETE":
		delete(g.sessions, r.PathValue("sid"))
		w.WriteHeader(204)
		return
	case "PUT":
	default:
		graphFail(w, 405, "notSupported")
		return
	}
	var start, end, total int
	if _, err := fmt.Sscanf(r.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total); err != nil {
		graphFail(w, 400, "invalidRange")
		return
	}
	data, _ := io.ReadAll(r.Body)
	if start != len(s.data) || end-start+1 != len(data) || int64(len(data)) != r.ContentLength {
		graphFail(w, 416, "invalidRange")
		return
	}
	if end+1 < total && len(data)%chunkUnit != 0 {
		graphFail(w, 400, "fragmentNotMultipleOf320KiB")
		return
	}
	idx := len(g.fragments)
	if idx == g.failFragment && !g.failed {
		g.failed = true
		s.data = append(s.data, data[:len(data)/2]...) // half arrived, then the server fell over
		graphFail(w, 500, "generalException")
		return
	}
	g.fragments = append(g.fragments, len(data))
	s.data = append(s.data, data...)
	if len(s.data) == total {
		delete(g.sessions, r.PathValue("sid"))
		writeJSON(w, 201, g.itemJSON(g.put(s.name, s.data)))
		return
	}
	status(202)
}

func (g *fakeGraph) download(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "" || r.URL.Query().Get("tempauth") != "signed" {
		graphFail(w, 401, "tokenNotExpected")
		return
	}
	g.mu.Lock()
	it := g.items[r.PathValue("id")]
	g.mu.Unlock()
	if it == nil {
		graphFail(w, 404, "itemNotFound")
		return
	}
	w.Write(it.Data)
}

func (g *fakeGraph) path(id string) (string, []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	it := g.items[id]
	if it == nil {
		return "", nil
	}
	parent := g.items[it.Parent]
	if parent == nil || parent.Parent != "root" {
		return "?/" + it.Name, it.Data
	}
	return parent.Name + "/" + it.Name, it.Data
}

func oneDriveTestDrive(t *testing.T, srv *httptest.Server, chunk int, tok *oauth2.Token, onRefresh TokenFunc) *OneDrive {
	t.Helper()
	cfg := OneDriveOAuthConfig("client-id", "client-secret", "", "https://docs.example.com")
	cfg.Endpoint = oauth2.Endpoint{AuthURL: srv.URL + "/auth", TokenURL: srv.URL + "/token"}
	d, err := NewOneDrive(OneDriveConfig{OAuth: cfg, HTTPClient: srv.Client(), GraphURL: srv.URL + "/v1.0", ChunkSize: chunk}, tok, onRefresh)
	if err != nil {
		t.Fatal(err)
	}
	d.retryWait = 0
	return d
}

func TestOneDrive(t *testing.T) {
	fo := newFakeOAuth()
	fo.grant("at-0", "rt-0")
	g, srv := newFakeGraph(t, fo)
	d := oneDriveTestDrive(t, srv, chunkUnit, fresh("at-0", "rt-0"), nil)
	testDriveRoundTrip(t, d, g.path)
	g.mu.Lock()
	frags := fmt.Sprint(g.fragments)
	g.mu.Unlock()
	// 16 B, 10 B, 700 KiB in 320 KiB fragments; the empty file is a
	// simple upload.
	if want := fmt.Sprint([]int{16, 10, chunkUnit, chunkUnit, 700<<10 - 2*chunkUnit}); frags != want {
		t.Errorf("fragments %s, want %s", frags, want)
	}
	if _, err := NewOneDrive(OneDriveConfig{OAuth: &oauth2.Config{}, ChunkSize: 1000}, fresh("a", "b"), nil); err == nil {
		t.Error("a chunk size that is no multiple of 320 KiB must be refused")
	}
}

func TestOneDriveLargeUploadResumesAfterFailedFragment(t *testing.T) {
	fo := newFakeOAuth()
	fo.grant("", "rt-0")
	g, srv := newFakeGraph(t, fo)
	g.failFragment = 1 // the second 10 MiB fragment fails half-way, once

	var reported []*oauth2.Token
	d := oneDriveTestDrive(t, srv, 0, expired("at-old", "rt-0"), func(tok *oauth2.Token) { reported = append(reported, tok) })
	if d.chunkSize != 10*1024*1024 || d.chunkSize%(320*1024) != 0 {
		t.Fatalf("default chunk size %d", d.chunkSize)
	}
	data := make([]byte, 2*OneDriveChunkSize+12345)
	rand.Read(data)
	// A plain reader (not a seeker): the drive must resume from its buffer.
	ref, err := d.Put(ctxT(t), "Große Datei.pdf", io.MultiReader(bytes.NewReader(data)), int64(len(data)))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	path, stored := g.path(ref)
	if path != "DocuVault/Große Datei.pdf" || !bytes.Equal(stored, data) {
		t.Fatalf("stored %q with %d bytes (equal %v)", path, len(stored), bytes.Equal(stored, data))
	}
	g.mu.Lock()
	frags, statusCalls := g.fragments, g.statusCalls
	g.mu.Unlock()
	want := []int{OneDriveChunkSize, OneDriveChunkSize / 2, 12345} // second fragment: half lost, half resent
	if fmt.Sprint(frags) != fmt.Sprint(want) || statusCalls != 1 {
		t.Errorf("fragments %v with %d status queries; want %v resumed after 1 query", frags, statusCalls, want)
	}
	// The expired access token was refreshed through the token endpoint
	// and the new token reported for storage.
	if len(reported) != 1 || reported[0].AccessToken != "at-1" || reported[0].RefreshToken != "rt-1" {
		t.Errorf("reported %+v, want one token at-1/rt-1", reported)
	}

	rc, err := d.Get(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Error("downloaded content differs")
	}
}

func TestOneDriveFailures(t *testing.T) {
	fo := newFakeOAuth()
	fo.grant("at-0", "rt-0")
	_, srv := newFakeGraph(t, fo)
	ctx := ctxT(t)

	revoked := oneDriveTestDrive(t, srv, chunkUnit, expired("at-old", "rt-revoked"), func(*oauth2.Token) { t.Error("nothing to report") })
	for name, err := range map[string]error{
		"test": revoked.Test(ctx),
		"put":  func() error { _, err := revoked.Put(ctx, "a.txt", strings.NewReader("a"), 1); return err }(),
		"stat": func() error { _, err := revoked.Stat(ctx, "01ABC1"); return err }(),
	} {
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("%s with revoked refresh token: %v, want ErrUnauthorized (invalid_grant)", name, err)
		}
	}
	forged := oneDriveTestDrive(t, srv, chunkUnit, fresh("at-forged", "rt-0"), nil)
	if err := forged.Test(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("rejected access token: %v", err)
	}

	d := oneDriveTestDrive(t, srv, chunkUnit, fresh("at-0", "rt-0"), nil)
	if _, err := d.Stat(ctx, "missing1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat(missing) = %v", err)
	}
	if _, err := d.Get(ctx, "missing1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(missing) = %v", err)
	}
	if _, err := d.Get(ctx, "a/../b"); !errors.Is(err, ErrBadName) {
		t.Errorf("Get(bad ref) = %v", err)
	}
	// A source shorter than announced fails without a partial file.
	if _, err := d.Put(ctx, "short.bin", strings.NewReader("abc"), 10); err == nil || errors.Is(err, ErrUnauthorized) {
		t.Errorf("short source: %v", err)
	}
	srv.Close()
	if err := d.Test(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("closed server: %v, want ErrUnavailable", err)
	}
}

func TestFirstExpected(t *testing.T) {
	tests := []struct {
		in   []string
		want int64
		ok   bool
	}{
		{[]string{"0-"}, 0, true},
		{[]string{"10485760-"}, 10485760, true},
		{[]string{"26-128", "200-"}, 26, true},
		{nil, 0, false},
		{[]string{"x-"}, 0, false},
		{[]string{"-5"}, 0, false},
	}
	for _, tt := range tests {
		got, err := firstExpected(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("firstExpected(%q) = %d, %v", tt.in, got, err)
		}
	}
}
