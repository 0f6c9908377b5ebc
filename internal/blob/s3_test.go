package blob_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/blob/blobtest"
)

func TestMain(m *testing.M) { os.Exit(blobtest.Run(m)) }

func newS3(t testing.TB) (*blob.S3, blob.S3Config) {
	t.Helper()
	cfg := blobtest.StartS3(t)
	s, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	return s, cfg
}

func TestS3Suite(t *testing.T) {
	blobtest.Suite(t, func(t *testing.T) blob.Store {
		s, _ := newS3(t)
		return s
	})
	t.Logf("versitygw answered %v after start", blobtest.StartDuration())
}

// rawClient talks to the test server directly, to look behind the Store.
func rawClient(t *testing.T, cfg blob.S3Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A failed multipart Put must abort its upload, not leave parts behind.
func TestS3FailedMultipartLeavesNoUpload(t *testing.T) {
	s, cfg := newS3(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := io.LimitReader(&cancelAfter{n: 20 << 20, cancel: cancel}, 40<<20)
	if _, err := s.Put(ctx, "mp/cancelled", r, -1, ""); err == nil {
		t.Fatal("cancelled Put succeeded")
	}
	failing := io.MultiReader(io.LimitReader(rand.NewChaCha8([32]byte{1}), 20<<20), errReader{})
	if _, err := s.Put(context.Background(), "mp/failing", failing, 40<<20, ""); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	c := rawClient(t, cfg)
	for u := range c.ListIncompleteUploads(context.Background(), cfg.Bucket, "mp/", true) {
		if u.Err != nil {
			t.Fatalf("ListIncompleteUploads: %v", u.Err)
		}
		t.Errorf("upload %s of %s was not aborted", u.UploadID, u.Key)
	}
	for _, k := range []string{"mp/cancelled", "mp/failing"} {
		if _, err := s.Stat(context.Background(), k); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%s) = %v, want ErrNotFound", k, err)
		}
	}
}

func TestS3NewCreatesBucketOnce(t *testing.T) {
	_, cfg := newS3(t)
	// Opening the same bucket again finds it and keeps its objects.
	s1, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Put(context.Background(), "k", strings.NewReader("v"), 1, "text/plain"); err != nil {
		t.Fatal(err)
	}
	s2, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewS3 on an existing bucket: %v", err)
	}
	if info, err := s2.Stat(context.Background(), "k"); err != nil || info.Size != 1 {
		t.Fatalf("Stat through a second NewS3 = %+v, %v", info, err)
	}
}

func TestS3Config(t *testing.T) {
	cfg := blobtest.StartS3(t)
	ctx := context.Background()
	tests := []struct {
		name string
		mod  func(*blob.S3Config)
		ok   bool
	}{
		{"url-endpoint", func(c *blob.S3Config) { c.Endpoint = "http://" + c.Endpoint }, true},
		{"public-url-endpoint", func(c *blob.S3Config) { c.PublicEndpoint = "https://files.example.com" }, true},
		{"no-endpoint", func(c *blob.S3Config) { c.Endpoint = "" }, false},
		{"no-bucket", func(c *blob.S3Config) { c.Bucket = "" }, false},
		{"bad-scheme", func(c *blob.S3Config) { c.Endpoint = "ftp://" + c.Endpoint }, false},
		{"endpoint-with-path", func(c *blob.S3Config) { c.Endpoint = "http://" + c.Endpoint + "/x" }, false},
		{"wrong-secret", func(c *blob.S3Config) { c.SecretKey = "wrong" }, false},
		{"server-down", func(c *blob.S3Config) { c.Endpoint = "127.0.0.1:1" }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			tc.mod(&c)
			_, err := blob.NewS3(ctx, c)
			if (err == nil) != tc.ok {
				t.Fatalf("NewS3(%+v) = %v, want ok=%v", c, err, tc.ok)
			}
		})
	}
}

// Presigned URLs carry the public endpoint, not the internal one.
func TestS3PresignUsesPublicEndpoint(t *testing.T) {
	cfg := blobtest.StartS3(t)
	cfg.PublicEndpoint = "https://files.example.com:8443"
	s, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := s.PresignPut(context.Background(), "a/b", 0)
	if err == nil {
		t.Fatalf("PresignPut with zero expiry = %s, want an error", u)
	}
	for _, presign := range []func() (string, error){
		func() (string, error) { u, _, err := s.PresignPut(context.Background(), "a/b", 60e9); return u, err },
		func() (string, error) { return s.PresignGet(context.Background(), "a/b", 60e9, "x.pdf") },
	} {
		u, err := presign()
		if err != nil {
			t.Fatal(err)
		}
		if want := "https://files.example.com:8443/" + cfg.Bucket + "/a/b?"; !strings.HasPrefix(u, want) {
			t.Fatalf("presigned URL %s does not start with %s", u, want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a.pdf", `attachment; filename="a.pdf"; filename*=UTF-8''a.pdf`},
		{"März 2024.pdf", `attachment; filename="M_rz 2024.pdf"; filename*=UTF-8''M%C3%A4rz%202024.pdf`},
		{`a"b\c/d%e.txt`, `attachment; filename="a_b_c_d_e.txt"; filename*=UTF-8''a%22b%5Cc%2Fd%25e.txt`},
		{"evil\r\nX-Header: 1", `attachment; filename="evil__X-Header: 1"; filename*=UTF-8''evil%0D%0AX-Header%3A%201`},
	}
	for _, tc := range tests {
		if got := blob.ContentDisposition(tc.in); got != tc.want {
			t.Errorf("ContentDisposition(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

type cancelAfter struct {
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i)
	}
	if c.n -= len(p); c.n <= 0 {
		c.cancel()
	}
	return len(p), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
