package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob/blobtest"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// client is a person using the API of a running server.
type client struct {
	t     *testing.T
	base  string
	hc    *http.Client
	token string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
}

func (c *client) call(method, path string, body io.Reader, ctype string) (int, []byte, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", "docuvault-journey-test")
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header
}

func (c *client) json(method, path string, in any, want int) map[string]any {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	code, b, _ := c.call(method, path, body, "application/json")
	if code != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, b)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func (c *client) upload(name string, content []byte) map[string]any {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("file", name)
	_, _ = w.Write(content)
	mw.Close()
	code, b, _ := c.call("POST", "/api/documents", &buf, mw.FormDataContentType())
	if code != 201 {
		c.t.Fatalf("upload %s: %d %s", name, code, b)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out["document"].(map[string]any)
}

func (c *client) waitReady(id string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		doc := c.json("GET", "/api/documents/"+id, nil, 200)["document"].(map[string]any)
		switch doc["status"] {
		case "ready":
			return doc
		case "failed":
			c.t.Fatalf("document %s failed: %v", id, doc["error"])
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("document %s still %v", id, doc["status"])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// journey: register, sign in, upload a text and a PDF, wait until they are
// processed, find them by search, download them byte-identical, trash and
// restore, through the real binary.
func journey(t *testing.T, base string) {
	c := newClient(t, base)
	c.json("POST", "/api/auth/register", map[string]any{"email": "journey@example.com", "password": "a long enough passphrase"}, 201)
	login := c.json("POST", "/api/auth/login", map[string]any{"email": "journey@example.com", "password": "a long enough passphrase"}, 200)
	c.token = login["access_token"].(string)

	letter := []byte("Invoice INV-2024-0042 from the Zanzibar Spice Company.\nTotal due: 1200 EUR.\n")
	pdf, err := os.ReadFile("../../internal/extract/testdata/hello.pdf")
	if err != nil {
		t.Fatal(err)
	}
	d1 := c.upload("invoice.txt", letter)
	d2 := c.upload("hello.pdf", pdf)
	c.waitReady(d1["id"].(string))
	ready := c.waitReady(d2["id"].(string))
	if ready["page_count"] == nil || ready["has_thumbnail"] != true {
		t.Fatalf("pdf not processed: %v", ready)
	}
	found := c.json("GET", "/api/documents?q="+url.QueryEscape("INV-2024"), nil, 200)["items"].([]any)
	if len(found) != 1 || found[0].(map[string]any)["id"] != d1["id"] || !strings.Contains(found[0].(map[string]any)["snippet"].(string), "<mark>INV</mark>") {
		t.Fatalf("search: %v", found)
	}
	for _, d := range []struct {
		id   string
		want []byte
	}{{d1["id"].(string), letter}, {d2["id"].(string), pdf}} {
		code, got, _ := c.call("GET", "/api/documents/"+d.id+"/download", nil, "")
		if code != 200 || !bytes.Equal(got, d.want) {
			t.Fatalf("download %s: %d, %d bytes", d.id, code, len(got))
		}
		if code, _, h := c.call("GET", "/api/documents/"+d.id+"/thumbnail", nil, ""); code != 200 || h.Get("Content-Type") != "image/png" {
			t.Fatalf("thumbnail %s: %d", d.id, code)
		}
	}
	if code, _, _ := c.call("DELETE", "/api/documents/"+d1["id"].(string), nil, ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, b, _ := c.call("GET", "/api/documents?q=zanzibar", nil, ""); code != 200 || strings.Contains(string(b), d1["id"].(string)) {
		t.Fatalf("trashed document still found: %s", b)
	}
	c.json("POST", "/api/trash/"+d1["id"].(string)+"/restore", nil, 200)
	if code, b, _ := c.call("GET", "/api/documents?q=zanzibar", nil, ""); code != 200 || !strings.Contains(string(b), d1["id"].(string)) {
		t.Fatalf("restored document not found: %s", b)
	}
	// Another person sees none of it.
	other := newClient(t, base)
	other.json("POST", "/api/auth/register", map[string]any{"email": "other@example.com", "password": "another long passphrase"}, 201)
	other.token = other.json("POST", "/api/auth/login", map[string]any{"email": "other@example.com", "password": "another long passphrase"}, 200)["access_token"].(string)
	if code, _, _ := other.call("GET", "/api/documents/"+d1["id"].(string)+"/download", nil, ""); code != 404 {
		t.Fatalf("another user downloads: %d", code)
	}
	if code, b, _ := other.call("GET", "/api/documents?q=zanzibar", nil, ""); code != 200 || strings.Contains(string(b), d1["id"].(string)) {
		t.Fatalf("another user finds it: %s", b)
	}
	fmt.Fprintln(os.Stderr, "journey done on", base)
}

func TestJourneyEmbedded(t *testing.T) {
	p := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	journey(t, p.addr)
	p.stop(t)
}

func TestJourneyPostgresS3(t *testing.T) {
	s3 := blobtest.StartS3(t)
	p := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "DATABASE_URL="+storetest.PostgresURL(t),
		"MINIO_ENDPOINT="+s3.Endpoint, "MINIO_ACCESS_KEY="+s3.AccessKey, "MINIO_SECRET_KEY="+s3.SecretKey,
		"MINIO_BUCKET="+s3.Bucket, "MINIO_REGION="+s3.Region)
	journey(t, p.addr)
	p.stop(t)
}
