package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// recordingJobs is the job engine's stand-in for these tests: it records the
// documents whose processing was queued inside the commit transaction.
type recordingJobs struct {
	mu  sync.Mutex
	ids []string
}

func (j *recordingJobs) EnqueueClassify(ctx context.Context, tx *store.Store, id string) error {
	return nil
}

func (j *recordingJobs) EnqueueProcess(ctx context.Context, tx *store.Store, id string, force bool) error {
	if tx.Tx() == nil {
		return fmt.Errorf("processing must be queued inside the commit transaction")
	}
	j.mu.Lock()
	j.ids = append(j.ids, id)
	j.mu.Unlock()
	return nil
}

type docEnv struct {
	t     *testing.T
	st    *store.Store
	blobs blob.Store
	docs  *document.Service
	jobs  *recordingJobs
	srv   *httptest.Server
}

func newDocEnv(t *testing.T, st *store.Store, maxUpload int64) *docEnv {
	t.Helper()
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e := &docEnv{t: t, st: st, blobs: blobs, jobs: &recordingJobs{}}
	// The signed upload URLs must point at this test server, whose address
	// is known only once it runs.
	var handler http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.docs = newDocuments(t, st, blobs, e.jobs, nil, document.Config{MaxUploadBytes: maxUpload,
		BackendURL: e.srv.URL, OrphanGrace: time.Nanosecond, PageCacheDir: filepath.Join(t.TempDir(), "pages")})
	handler = docAPI(st, blobs, e.docs, bearerUser{st}, nil)
	return e
}

func (e *docEnv) user(email string, quotaBytes, quotaDocs int64) string {
	u := &model.User{Email: email, PasswordHash: "x", QuotaBytes: quotaBytes, QuotaDocuments: quotaDocs}
	if err := e.st.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func (e *docEnv) do(user, method, path string, body io.Reader, contentType string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer user:"+user)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func (e *docEnv) upload(user, filename string, content []byte, query string, fields ...string) (*http.Response, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+strings.NewReplacer(`"`, `\"`, "\n", `\n`).Replace(filename)+`"`)
	h.Set("Content-Type", "application/octet-stream")
	pw, _ := mw.CreatePart(h)
	_, _ = pw.Write(content)
	mw.Close()
	res, b := e.do(user, "POST", "/api/documents"+query, &buf, mw.FormDataContentType())
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	return res, body
}

func (e *docEnv) blobCount() int {
	n := 0
	_ = e.blobs.List(context.Background(), "", func(blob.Info) error { n++; return nil })
	return n
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func TestUploadDownloadRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		content := append([]byte("Invoice INV-2024-0042\n"), bytes.Repeat([]byte("line of text\n"), 500)...)
		res, body := e.upload(alice, "invoice.txt", content, "", "title", "March invoice")
		if res.StatusCode != 201 {
			t.Fatalf("upload: %d %v", res.StatusCode, body)
		}
		doc := body["document"].(map[string]any)
		sum := sha256.Sum256(content)
		if doc["status"] != "processing" || doc["title"] != "March invoice" || doc["mime_type"] != "text/plain" ||
			doc["size_bytes"] != float64(len(content)) || doc["sha256"] != hex.EncodeToString(sum[:]) {
			t.Fatalf("document: %v", doc)
		}
		id := doc["id"].(string)
		if len(e.jobs.ids) != 1 || e.jobs.ids[0] != id {
			t.Fatalf("processing not queued: %v", e.jobs.ids)
		}
		res, got := e.do(alice, "GET", "/api/documents/"+id+"/download", nil, "")
		if res.StatusCode != 200 || !bytes.Equal(got, content) {
			t.Fatalf("download: %d, %d bytes", res.StatusCode, len(got))
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="invoice.txt"`) {
			t.Fatalf("content-disposition %q", cd)
		}
		etag := res.Header.Get("ETag")
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/documents/"+id+"/download", nil)
		req.Header.Set("Authorization", "Bearer user:"+alice)
		req.Header.Set("Range", "bytes=8-20")
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(r2.Body)
		r2.Body.Close()
		if r2.StatusCode != 206 || string(part) != string(content[8:21]) || r2.Header.Get("Content-Range") != fmt.Sprintf("bytes 8-20/%d", len(content)) {
			t.Fatalf("range: %d %q %q", r2.StatusCode, part, r2.Header.Get("Content-Range"))
		}
		req.Header.Del("Range")
		req.Header.Set("If-None-Match", etag)
		r3, _ := http.DefaultClient.Do(req)
		r3.Body.Close()
		if r3.StatusCode != 304 {
			t.Fatalf("if-none-match: %d", r3.StatusCode)
		}
		req.Header.Del("If-None-Match")
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", len(content)+5))
		r4, _ := http.DefaultClient.Do(req)
		r4.Body.Close()
		if r4.StatusCode != 416 {
			t.Fatalf("unsatisfiable range: %d", r4.StatusCode)
		}
		// The object key never contains the human filename.
		d, _ := st.Document(context.Background(), alice, id)
		if !strings.HasPrefix(d.BlobKey, alice+"/"+id+"/") || strings.Contains(d.BlobKey, "invoice") {
			t.Fatalf("blob key %q", d.BlobKey)
		}
		audit, _, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "document.create"}, store.Page{})
		if len(audit) != 1 || audit[0].TargetID != id || audit[0].ActorID != alice {
			t.Fatalf("audit: %+v", audit)
		}
	})
}

func TestUploadRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 4096)
		alice := e.user("alice@x.test", 0, 0)
		cases := []struct {
			name, filename string
			content        []byte
			status         int
			code           string
		}{
			{"svg with script", "pic.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 415, "unsupported_type"},
			{"executable named pdf", "report.pdf", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...), 415, "unsupported_type"},
			{"plain zip", "a.docx", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00" + strings.Repeat("x", 50)), 415, "unsupported_type"},
			{"too large", "big.txt", bytes.Repeat([]byte("a"), 5000), 413, "file_too_large"},
			{"empty", "empty.txt", nil, 400, "invalid_input"},
		}
		for _, tc := range cases {
			res, body := e.upload(alice, tc.filename, tc.content, "")
			if res.StatusCode != tc.status || body["code"] != tc.code {
				t.Errorf("%s: %d %v", tc.name, res.StatusCode, body)
			}
		}
		if n := e.blobCount(); n != 0 {
			t.Fatalf("%d blobs left behind by refused uploads", n)
		}
		res, b := e.do(alice, "POST", "/api/documents", strings.NewReader("{}"), "application/json")
		if res.StatusCode != 400 {
			t.Fatalf("json instead of multipart: %d %s", res.StatusCode, b)
		}
		res, _ = e.do("", "POST", "/api/documents", strings.NewReader("x"), "multipart/form-data; boundary=x")
		if res.StatusCode != 401 {
			t.Fatalf("anonymous upload: %d", res.StatusCode)
		}
	})
}

func TestQuotaAndDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		bob := e.user("bob@x.test", 0, 2)
		res, first := e.upload(bob, "a.txt", []byte("first document"), "")
		if res.StatusCode != 201 {
			t.Fatal(res.StatusCode, first)
		}
		res, body := e.upload(bob, "again.txt", []byte("first document"), "")
		existing := first["document"].(map[string]any)["id"]
		if res.StatusCode != 409 || body["code"] != "conflict" || body["existing_id"] != existing {
			t.Fatalf("duplicate: %d %v", res.StatusCode, body)
		}
		res, body = e.upload(bob, "again.txt", []byte("first document"), "?allow_duplicate=true")
		if res.StatusCode != 201 {
			t.Fatalf("allowed duplicate: %d %v", res.StatusCode, body)
		}
		res, body = e.upload(bob, "third.txt", []byte("third document"), "")
		if res.StatusCode != 403 || body["code"] != "quota_exceeded" {
			t.Fatalf("quota: %d %v", res.StatusCode, body)
		}
		if n := e.blobCount(); n != 2 {
			t.Fatalf("%d blobs, want 2", n)
		}
		q, _, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: "quota.exceeded"}, store.Page{})
		if len(q) != 1 {
			t.Fatalf("quota.exceeded audit entries: %d", len(q))
		}
		u, _ := st.UserByID(context.Background(), bob)
		if u.DocumentCount != 2 || u.UsedBytes != int64(2*len("first document")) {
			t.Fatalf("usage %d/%d", u.UsedBytes, u.DocumentCount)
		}
	})
}

func TestHostileFilenames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		for i, tc := range []struct{ in, stored string }{
			{"../../etc/passwd.txt", "passwd.txt"},
			{`say "hi".txt`, `say "hi".txt`},
			{"tab\tseparated.txt", "tabseparated.txt"},
			{"evil\u202Etxt.exe.txt", "eviltxt.exe.txt"},
			{"rapport 📄 été.txt", "rapport 📄 été.txt"},
			{"<img src=x onerror=alert(1)>.txt", "<img src=x onerror=alert(1)>.txt"},
		} {
			res, body := e.upload(alice, tc.in, []byte(fmt.Sprintf("content %d", i)), "")
			if res.StatusCode != 201 {
				t.Fatalf("%q: %d %v", tc.in, res.StatusCode, body)
			}
			doc := body["document"].(map[string]any)
			if doc["original_filename"] != tc.stored {
				t.Errorf("%q stored as %q, want %q", tc.in, doc["original_filename"], tc.stored)
			}
			res, _ = e.do(alice, "GET", "/api/documents/"+doc["id"].(string)+"/download", nil, "")
			cd := res.Header.Get("Content-Disposition")
			if strings.ContainsAny(cd, "\r\n") || !strings.HasPrefix(cd, "attachment; ") || !strings.Contains(cd, "filename*=UTF-8''") {
				t.Errorf("%q: content-disposition %q", tc.in, cd)
			}
		}
	})
}

func TestDirectUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		content := pdfBytes
		sum := sha256.Sum256(content)
		start := func(size int, sha string) map[string]any {
			res, b := e.do(alice, "POST", "/api/uploads", strings.NewReader(fmt.Sprintf(`{"filename":"scan.pdf","size":%d,"sha256":%q}`, size, sha)), "application/json")
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			if res.StatusCode != 201 {
				t.Fatalf("start: %d %s", res.StatusCode, b)
			}
			return m
		}
		tk := start(len(content), hex.EncodeToString(sum[:]))
		if tk["method"] != "PUT" || !strings.HasPrefix(tk["url"].(string), e.srv.URL+"/api/uploads/") {
			t.Fatalf("ticket %v", tk)
		}
		// Completing before the bytes arrived is refused.
		res, _ := e.do(alice, "POST", "/api/uploads/"+tk["upload_id"].(string)+"/complete", nil, "")
		if res.StatusCode != 409 {
			t.Fatalf("complete without bytes: %d", res.StatusCode)
		}
		put := func(url string, body []byte) int {
			req, _ := http.NewRequest("PUT", url, bytes.NewReader(body))
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			return r.StatusCode
		}
		u := tk["url"].(string)
		tampered := u[:len(u)-1] + map[bool]string{true: "0", false: "1"}[u[len(u)-1] != '0']
		if code := put(tampered, content); code != 403 {
			t.Fatalf("tampered signature: %d", code)
		}
		if code := put(u, append(content, 'x')); code != 413 {
			t.Fatalf("longer than announced: %d", code)
		}
		if code := put(u, content[:len(content)-1]); code != 400 {
			t.Fatalf("shorter than announced: %d", code)
		}
		if code := put(u, content); code != 200 {
			t.Fatalf("put: %d", code)
		}
		// Bob cannot complete Alice's upload.
		bob := e.user("bob@x.test", 0, 0)
		res, _ = e.do(bob, "POST", "/api/uploads/"+tk["upload_id"].(string)+"/complete", nil, "")
		if res.StatusCode != 404 {
			t.Fatalf("other user completes: %d", res.StatusCode)
		}
		res, b := e.do(alice, "POST", "/api/uploads/"+tk["upload_id"].(string)+"/complete", nil, "")
		if res.StatusCode != 200 {
			t.Fatalf("complete: %d %s", res.StatusCode, b)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		doc := out["document"].(map[string]any)
		if doc["id"] != tk["document_id"] || doc["mime_type"] != "application/pdf" {
			t.Fatalf("document %v", doc)
		}
		// A wrong announced checksum is caught at completion.
		tk2 := start(len("plain words here"), strings.Repeat("ab", 32))
		if code := put(tk2["url"].(string), []byte("plain words here")); code != 200 {
			t.Fatal(code)
		}
		res, b = e.do(alice, "POST", "/api/uploads/"+tk2["upload_id"].(string)+"/complete", nil, "")
		if res.StatusCode != 409 || !strings.Contains(string(b), "SHA-256") {
			t.Fatalf("checksum mismatch: %d %s", res.StatusCode, b)
		}
	})
}

func TestCleanupAndOrphanSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		ctx := context.Background()
		alice := e.user("alice@x.test", 0, 0)
		res, body := e.upload(alice, "keep.txt", []byte("keep me"), "")
		if res.StatusCode != 201 {
			t.Fatal(body)
		}
		// An orphan: bytes written, row never committed (a crash in between).
		if _, err := e.blobs.Put(ctx, alice+"/crashed/obj.txt", strings.NewReader("orphan"), 6, ""); err != nil {
			t.Fatal(err)
		}
		// An expired direct upload.
		up := &model.Upload{OwnerID: alice, DocumentID: store.NewID(), Filename: "x", SizeBytes: 1, BlobKey: alice + "/up/1",
			ExpiresAt: time.Now().Add(-time.Minute)}
		if err := st.CreateUpload(ctx, up, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := e.blobs.Put(ctx, up.BlobKey, strings.NewReader("u"), 1, ""); err != nil {
			t.Fatal(err)
		}
		n, err := e.docs.CleanupAbandonedUploads(ctx)
		if err != nil || n != 1 {
			t.Fatalf("cleanup: %d %v", n, err)
		}
		time.Sleep(5 * time.Millisecond)
		removed, err := e.docs.SweepOrphans(ctx)
		if err != nil || len(removed) != 1 || removed[0] != alice+"/crashed/obj.txt" {
			t.Fatalf("sweep: %v %v", removed, err)
		}
		if n := e.blobCount(); n != 1 {
			t.Fatalf("%d blobs left, want the document's 1", n)
		}
	})
}

func TestTrashRestorePurgeAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		_, body := e.upload(alice, "a.txt", []byte("to be deleted"), "")
		id := body["document"].(map[string]any)["id"].(string)
		if res, _ := e.do(alice, "DELETE", "/api/documents/"+id, nil, ""); res.StatusCode != 204 {
			t.Fatal(res.StatusCode)
		}
		if res, _ := e.do(alice, "GET", "/api/documents/"+id, nil, ""); res.StatusCode != 404 {
			t.Fatal("trashed document still readable")
		}
		res, b := e.do(alice, "GET", "/api/trash", nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(b), id) {
			t.Fatalf("trash: %s", b)
		}
		if res, _ := e.do(alice, "POST", "/api/trash/"+id+"/restore", nil, ""); res.StatusCode != 200 {
			t.Fatal(res.StatusCode)
		}
		if res, _ := e.do(alice, "DELETE", "/api/trash/"+id, nil, ""); res.StatusCode != 404 {
			t.Fatal("purging a document that is not in the trash must be 404")
		}
		e.do(alice, "DELETE", "/api/documents/"+id, nil, "")
		if res, _ := e.do(alice, "DELETE", "/api/trash/"+id, nil, ""); res.StatusCode != 204 {
			t.Fatal(res.StatusCode)
		}
		if n := e.blobCount(); n != 0 {
			t.Fatalf("purge left %d blobs", n)
		}
		u, _ := st.UserByID(context.Background(), alice)
		if u.UsedBytes != 0 || u.DocumentCount != 0 {
			t.Fatalf("usage after purge %d/%d", u.UsedBytes, u.DocumentCount)
		}
		for _, action := range []string{"document.delete", "document.restore", "document.purge"} {
			a, _, _ := st.ListAudit(context.Background(), store.AuditFilter{Action: action}, store.Page{})
			if len(a) == 0 {
				t.Errorf("no %s audit entry", action)
			}
		}
	})
}

func TestCrossUserIsNotFoundEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		mallory := e.user("mallory@x.test", 0, 0)
		_, body := e.upload(alice, "secret.txt", []byte("alice's secret"), "")
		id := body["document"].(map[string]any)["id"].(string)
		res, b := e.do(alice, "POST", "/api/topics", strings.NewReader(`{"name":"Private"}`), "application/json")
		if res.StatusCode != 201 {
			t.Fatal(string(b))
		}
		var tp map[string]any
		_ = json.Unmarshal(b, &tp)
		topicID := tp["topic"].(map[string]any)["id"].(string)
		for _, rt := range []struct{ method, path, body string }{
			{"GET", "/api/documents/" + id, ""},
			{"PATCH", "/api/documents/" + id, `{"title":"mine"}`},
			{"DELETE", "/api/documents/" + id, ""},
			{"GET", "/api/documents/" + id + "/download", ""},
			{"POST", "/api/trash/" + id + "/restore", ""},
			{"DELETE", "/api/trash/" + id, ""},
			{"PATCH", "/api/topics/" + topicID, `{"name":"x"}`},
			{"DELETE", "/api/topics/" + topicID, ""},
		} {
			var rd io.Reader
			ct := ""
			if rt.body != "" {
				rd, ct = strings.NewReader(rt.body), "application/json"
			}
			res, b := e.do(mallory, rt.method, rt.path, rd, ct)
			if res.StatusCode != 404 || strings.Contains(string(b), "secret") {
				t.Errorf("%s %s as another user: %d %s", rt.method, rt.path, res.StatusCode, b)
			}
		}
		// Mallory cannot attach Alice's topic to her own document either.
		_, mb := e.upload(mallory, "m.txt", []byte("mallory's file"), "")
		mid := mb["document"].(map[string]any)["id"].(string)
		res, _ = e.do(mallory, "PATCH", "/api/documents/"+mid, strings.NewReader(`{"topic_ids":["`+topicID+`"]}`), "application/json")
		if res.StatusCode != 422 {
			t.Fatalf("foreign topic: %d", res.StatusCode)
		}
		_, lb := e.do(mallory, "GET", "/api/documents", nil, "")
		if strings.Contains(string(lb), id) {
			t.Fatal("list shows another user's document")
		}
		// Alice's document is untouched.
		res, got := e.do(alice, "GET", "/api/documents/"+id+"/download", nil, "")
		if res.StatusCode != 200 || string(got) != "alice's secret" {
			t.Fatalf("alice's document changed: %d %q", res.StatusCode, got)
		}
	})
}

func TestTopicsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		post := func(body string) (int, map[string]any) {
			res, b := e.do(alice, "POST", "/api/topics", strings.NewReader(body), "application/json")
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			return res.StatusCode, m
		}
		if code, m := post(`{"name":"Taxes","color":"#aa0000","description":"tax papers"}`); code != 201 || m["topic"].(map[string]any)["name"] != "Taxes" {
			t.Fatalf("create: %d %v", code, m)
		}
		if code, m := post(`{"name":"TAXES"}`); code != 409 || m["code"] != "conflict" {
			t.Fatalf("duplicate: %d %v", code, m)
		}
		if code, m := post(`{"name":"x","color":"red"}`); code != 422 || m["errors"].(map[string]any)["color"] == nil {
			t.Fatalf("bad colour: %d %v", code, m)
		}
		if code, _ := post(`{"name":"x","owner_id":"someone"}`); code != 400 {
			t.Fatalf("unknown field must be refused: %d", code)
		}
		if code, _ := post(`{"name":123}`); code != 400 {
			t.Fatalf("wrong type must be refused: %d", code)
		}
		res, b := e.do(alice, "GET", "/api/topics", nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(b), `"name":"Taxes"`) {
			t.Fatalf("list: %s", b)
		}
	})
}
