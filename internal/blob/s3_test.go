package blob_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

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
			// minio-go retries a refused connection for seconds; a second
			// is enough to tell.
			ctx, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
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
	u, _, err := s.PresignPut(context.Background(), "a/b", 1, 0)
	if err == nil {
		t.Fatalf("PresignPut with zero expiry = %s, want an error", u)
	}
	for _, presign := range []func() (string, error){
		func() (string, error) { u, _, err := s.PresignPut(context.Background(), "a/b", 1, 60e9); return u, err },
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

// genReader streams n pseudo-random bytes without holding them.
type genReader struct {
	left  int64
	state uint64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	for i := range p {
		if i%8 == 0 { // xorshift64
			g.state ^= g.state << 13
			g.state ^= g.state >> 7
			g.state ^= g.state << 17
		}
		p[i] = byte(g.state >> (8 * (i % 8)))
	}
	g.left -= int64(len(p))
	return len(p), nil
}

// peakHeap samples the live heap until stop is called and returns the
// highest value seen.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done, result := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// BenchmarkPutLarge streams a generated 256 MiB body (never held in memory)
// into each backend, with the size known and unknown. B/op and the peak
// live heap show that memory stays flat: one S3 part (16 MiB) at most.
func BenchmarkPutLarge(b *testing.B) {
	const size = 256 << 20
	stores := []struct {
		name string
		open func(b *testing.B) blob.Store
	}{
		{"local", func(b *testing.B) blob.Store { l, _ := newLocal(b); return l }},
		{"s3", func(b *testing.B) blob.Store { s, _ := newS3(b); return s }},
	}
	for _, st := range stores {
		for _, declared := range []int64{size, -1} {
			name := st.name + "/known-size"
			if declared < 0 {
				name = st.name + "/unknown-size"
			}
			b.Run(name, func(b *testing.B) {
				s := st.open(b)
				ctx := context.Background()
				b.SetBytes(size)
				b.ReportAllocs()
				runtime.GC()
				var base metrics.Sample
				base.Name = "/memory/classes/heap/objects:bytes"
				samples := []metrics.Sample{base}
				metrics.Read(samples)
				stop := peakHeap()
				for i := 0; b.Loop(); i++ {
					r := &genReader{left: size, state: uint64(i) + 1}
					info, err := s.Put(ctx, "bench/large", r, declared, "")
					if err != nil {
						b.Fatal(err)
					}
					if info.Size != size {
						b.Fatalf("stored %d bytes", info.Size)
					}
				}
				peak := stop()
				b.ReportMetric(float64(peak-min(peak, samples[0].Value.Uint64()))/(1<<20), "peak-heap-MiB")
				if err := s.Delete(ctx, "bench/large"); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
