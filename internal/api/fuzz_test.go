package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// multipartSeed builds a well-formed body: fields in order, then one part
// per file (name, filename, content).
func multipartSeed(boundary string, fields []string, files ...[3]string) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.SetBoundary(boundary)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+f[0]+`"; filename="`+f[1]+`"`)
		h.Set("Content-Type", "application/octet-stream")
		w, _ := mw.CreatePart(h)
		_, _ = w.Write([]byte(f[2]))
	}
	mw.Close()
	return buf.Bytes()
}

// FuzzMultipartUpload sends random multipart bodies (and boundaries) to
// POST /api/documents through the whole handler on a real SQLite store and
// local blob store: the server never answers 5xx or panics (the panic
// handler would answer 500), every refusal is RFC 9457 problem JSON whose
// status matches the response, and an accepted document's stored filename
// is already clean.
func FuzzMultipartUpload(f *testing.F) {
	const b = "fuzzboundary"
	pdf := string(pdfBytes)
	seeds := []struct {
		boundary string
		body     []byte
	}{
		{b, multipartSeed(b, nil, [3]string{"file", "notes.txt", "plain words in a file"})},
		{b, multipartSeed(b, []string{"title", "March", "topic_ids", "not-a-topic"}, [3]string{"file", "scan.pdf", pdf})},
		{b, multipartSeed(b, nil, [3]string{"file", "a.txt", "one"}, [3]string{"file", "b.txt", "two"})},
		{b, multipartSeed(b, []string{"owner_id", "someone"}, [3]string{"file", "a.txt", "x"})},
		{b, multipartSeed(b, []string{"title", "no file at all"})},
		{b, multipartSeed(b, nil, [3]string{"file", "../../etc/passwd\u202e.txt", "hostile name"})},
		{b, multipartSeed(b, nil, [3]string{"file", "empty.txt", ""})},
		{b, multipartSeed(b, nil, [3]string{"file", "big.txt", strings.Repeat("a", 70<<10)})},
		{b, multipartSeed(b, []string{"title", strings.Repeat("t", 5000)}, [3]string{"file", "a.txt", "x"})},
		{b, multipartSeed(b, nil, [3]string{"file", "pic.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`})},
		{b, multipartSeed(b, nil, [3]string{"file", "x.exe", "MZ\x90\x00\x03\x00\x00\x00"})},
		{b, []byte("--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.txt\"\r\n\r\ntruncated")},
		{b, []byte("--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E2%80%AEevil.txt\r\n\r\nhello\r\n--" + b + "--\r\n")},
		{b, []byte("--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\r\n.txt\"\r\n\r\nhello\r\n--" + b + "--\r\n")},
		{b, []byte("--" + b + "\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--" + b + "--\r\n")},
		{b, []byte("--" + b + "\r\nContent-Type: multipart/mixed; boundary=inner\r\nContent-Disposition: form-data; name=\"file\"; filename=\"n.txt\"\r\n\r\n--inner\r\n\r\nnested\r\n--inner--\r\n--" + b + "--\r\n")},
		{b, []byte("--" + b + "--\r\n")},
		{b, []byte{}},
		{"", multipartSeed("x", nil, [3]string{"file", "a.txt", "x"})},
		{`"quoted boundary"`, []byte("--quoted boundary\r\n\r\n--quoted boundary--\r\n")},
		{strings.Repeat("b", 80), []byte("--" + strings.Repeat("b", 80) + "--\r\n")},
		{b, bytes.Repeat([]byte("--"+b+"\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n"), 120)},
	}
	for _, s := range seeds {
		f.Add(s.boundary, s.body)
	}
	st := storetest.Open(f, store.SQLite)
	blobs, err := blob.NewLocal(filepath.Join(f.TempDir(), "blobs"))
	if err != nil {
		f.Fatal(err)
	}
	docs := newDocuments(f, st, blobs, &recordingJobs{}, nil, document.Config{MaxUploadBytes: 64 << 10,
		BackendURL: "http://vault.test", OrphanGrace: time.Hour})
	u := &model.User{Email: "fuzz@x.test", PasswordHash: "x"}
	if err := st.CreateUser(context.Background(), u); err != nil {
		f.Fatal(err)
	}
	h := docAPI(st, blobs, docs, bearerUser{st}, nil)

	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		req := httptest.NewRequest("POST", "/api/documents?allow_duplicate=true", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer user:"+u.ID)
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%d for boundary %q: %s", rec.Code, boundary, rec.Body.Bytes())
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d, not JSON: %q", rec.Code, rec.Body.Bytes())
		}
		if rec.Code == http.StatusCreated {
			d, _ := out["document"].(map[string]any)
			name, _ := d["original_filename"].(string)
			if d["id"] == nil || name == "" || document.CleanFilename(name) != name {
				t.Fatalf("created document %v", d)
			}
			return
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%d with Content-Type %q: %s", rec.Code, ct, rec.Body.Bytes())
		}
		if out["status"] != float64(rec.Code) || out["code"] == nil || out["code"] == "" || out["title"] == nil {
			t.Fatalf("%d: problem %v", rec.Code, out)
		}
	})
}
