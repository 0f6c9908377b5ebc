package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3PartSize is the multipart part size used for uploads of unknown or large
// size. One part is buffered in memory per Put in progress, so it bounds the
// memory a Put needs.
const S3PartSize = 16 << 20

// S3Config says how to reach an S3-compatible store.
type S3Config struct {
	// Endpoint is "host:port" or a URL ("https://host:port"); a URL's scheme
	// overrides UseSSL.
	Endpoint string
	// PublicEndpoint is the host (or URL) put into presigned URLs, the one
	// browsers can reach; empty means Endpoint.
	PublicEndpoint string
	AccessKey      string
	SecretKey      string
	Bucket         string
	// Region is sent explicitly so no region lookup happens; empty means
	// "us-east-1".
	Region string
	UseSSL bool
}

// S3 keeps objects in one bucket of an S3-compatible store (MinIO, versitygw,
// AWS S3, ...). Presigned URLs are signed for PublicEndpoint.
type S3 struct {
	client  *minio.Client // talks to Endpoint
	signer  *minio.Client // presigns for PublicEndpoint; never sends requests
	bucket  string
	partSiz uint64
}

// NewS3 connects to the store and creates the bucket when it is missing. It
// returns an error when the store cannot be reached or the bucket cannot be
// created.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("blob: s3: endpoint and bucket are required")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.PublicEndpoint == "" {
		cfg.PublicEndpoint = cfg.Endpoint
	}
	client, err := newMinio(cfg.Endpoint, cfg)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 endpoint: %w", err)
	}
	signer, err := newMinio(cfg.PublicEndpoint, cfg)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 public endpoint: %w", err)
	}
	s := &S3{client: client, signer: signer, bucket: cfg.Bucket, partSiz: S3PartSize}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3: check bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if err != nil && !isCode(err, "BucketAlreadyOwnedByYou", "BucketAlreadyExists") {
			return nil, fmt.Errorf("blob: s3: create bucket %s: %w", cfg.Bucket, err)
		}
	}
	return s, nil
}

// newMinio builds a client for endpoint, which is "host:port" or a URL.
func newMinio(endpoint string, cfg S3Config) (*minio.Client, error) {
	host, secure := endpoint, cfg.UseSSL
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, err
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("%q: want host:port or http(s)://host:port", endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	return minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
	})
}

// Name implements Store.
func (s *S3) Name() string { return "s3" }

// Put implements Store. Objects up to S3PartSize go up in one PUT; larger or
// unknown sizes use a multipart upload that minio-go aborts on any error, so
// a failed Put leaves no object. A reader longer or shorter than size fails
// before the last byte is sent.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	body := io.Reader(ctxReader{ctx, r})
	if size >= 0 {
		er := &exactReader{r: body, left: size, size: size}
		if size == 0 {
			// minio-go never reads an empty body: check it here.
			if err := er.probeEOF(); err != nil {
				return Info{}, fmt.Errorf("blob: put %s: %w", key, err)
			}
		}
		body = er
	}
	up, err := s.client.PutObject(ctx, s.bucket, key, body, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    s.partSiz,
		NumThreads:  1,
	})
	if err != nil {
		return Info{}, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return Info{Key: key, Size: up.Size, ModTime: up.LastModified.UTC(), ETag: strings.Trim(up.ETag, `"`)}, nil
}

// Get implements Store. A missing key is reported at once as ErrNotFound.
func (s *S3) Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	var opts minio.GetObjectOptions
	var info Info
	if rng != nil {
		// The full size is needed to check the range and to report it.
		var err error
		if info, err = s.Stat(ctx, key); err != nil {
			return nil, Info{}, err
		}
		if rng.Offset < 0 || rng.Offset > info.Size {
			return nil, Info{}, fmt.Errorf("blob: get %s: range offset %d outside 0..%d", key, rng.Offset, info.Size)
		}
		length := info.Size - rng.Offset
		if rng.Length >= 0 && rng.Length < length {
			length = rng.Length
		}
		if length == 0 {
			return io.NopCloser(strings.NewReader("")), info, nil
		}
		if err := opts.SetRange(rng.Offset, rng.Offset+length-1); err != nil {
			return nil, Info{}, fmt.Errorf("blob: get %s: %w", key, err)
		}
		if info.ETag != "" {
			// Never splice bytes of an object replaced since the Stat.
			if err := opts.SetMatchETag(info.ETag); err != nil {
				return nil, Info{}, fmt.Errorf("blob: get %s: %w", key, err)
			}
		}
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, Info{}, s.mapErr("get", key, err)
	}
	// GetObject is lazy: Stat sends the request so errors surface here.
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, s.mapErr("get", key, err)
	}
	if rng == nil {
		info = infoOf(oi)
		info.Key = key
	}
	return obj, info, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.mapErr("stat", key, err)
	}
	info := infoOf(oi)
	info.Key = key
	return info, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !isCode(err, "NoSuchKey") {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// List implements Store. Keys come in lexical order.
func (s *S3) List(ctx context.Context, prefix string, fn func(Info) error) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops minio's listing goroutine when fn fails
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if oi.Err != nil {
			return fmt.Errorf("blob: list %q: %w", prefix, oi.Err)
		}
		if ValidateKey(oi.Key) != nil {
			continue // not ours: a key this package would never write
		}
		if err := fn(infoOf(oi)); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Check implements Store: the bucket must exist and answer.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: s3 check: %w", err)
	}
	if !ok {
		return fmt.Errorf("blob: s3 check: bucket %s does not exist", s.bucket)
	}
	return nil
}

// PresignPut implements Presigner: a URL for one plain HTTP PUT of the
// object's bytes. The host and the Content-Length are signed, so the server
// refuses a body of any other size; the returned headers (Content-Length)
// are the ones the client must send, which HTTP clients do by themselves.
func (s *S3) PresignPut(ctx context.Context, key string, size int64, expiry time.Duration) (string, http.Header, error) {
	if err := ValidateKey(key); err != nil {
		return "", nil, err
	}
	if size <= 0 {
		return "", nil, fmt.Errorf("blob: presign put %s: size %d must be positive", key, size)
	}
	hdr := http.Header{"Content-Length": {strconv.FormatInt(size, 10)}}
	u, err := s.signer.PresignHeader(ctx, http.MethodPut, s.bucket, key, expiry, nil, hdr)
	if err != nil {
		return "", nil, fmt.Errorf("blob: presign put %s: %w", key, err)
	}
	return u.String(), hdr, nil
}

// PresignGet implements Presigner. With a filename the response carries
// Content-Disposition: attachment with an RFC 6266 filename.
func (s *S3) PresignGet(ctx context.Context, key string, expiry time.Duration, filename string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	params := url.Values{}
	if filename != "" {
		params.Set("response-content-disposition", ContentDisposition(filename))
	}
	u, err := s.signer.PresignedGetObject(ctx, s.bucket, key, expiry, params)
	if err != nil {
		return "", fmt.Errorf("blob: presign get %s: %w", key, err)
	}
	return u.String(), nil
}

// ContentDisposition returns an RFC 6266 "attachment" value for filename:
// an ASCII fallback filename="..." and the exact name in the RFC 5987
// extended form (filename*).
func ContentDisposition(filename string) string {
	var fallback strings.Builder
	for _, r := range filename {
		switch {
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '/' || r == '%':
			fallback.WriteByte('_')
		default:
			fallback.WriteRune(r)
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + rfc5987(filename)
}

// rfc5987 percent-encodes everything but RFC 5987 attr-chars.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func infoOf(oi minio.ObjectInfo) Info {
	return Info{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified.UTC(), ETag: strings.Trim(oi.ETag, `"`)}
}

func (s *S3) mapErr(op, key string, err error) error {
	if isCode(err, "NoSuchKey", "NotFound") || minio.ToErrorResponse(err).StatusCode == http.StatusNotFound && !isCode(err, "NoSuchBucket") {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

func isCode(err error, codes ...string) bool {
	code := minio.ToErrorResponse(err).Code
	for _, c := range codes {
		if code == c {
			return true
		}
	}
	return false
}

// errSizeMismatch reports a body that is not the declared size.
var errSizeMismatch = errors.New("blob: body size differs from declared size")

// exactReader passes through exactly size bytes and fails (instead of
// returning the final bytes or EOF) when the underlying reader is shorter or
// longer, so the upload never completes with the wrong content.
type exactReader struct {
	r          io.Reader
	left, size int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		if err := e.probeEOF(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case err == io.EOF && e.left > 0:
		return 0, fmt.Errorf("%w: got %d bytes, expected %d", errSizeMismatch, e.size-e.left, e.size)
	case err != nil && err != io.EOF:
		return 0, err
	case e.left == 0:
		// Hold the last bytes back until we know nothing follows them.
		if err := e.probeEOF(); err != nil {
			return 0, err
		}
		return n, io.EOF
	}
	return n, nil
}

// probeEOF checks that the underlying reader has nothing more.
func (e *exactReader) probeEOF() error {
	var one [1]byte
	for range 100 {
		n, err := e.r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("%w: more than %d bytes", errSizeMismatch, e.size)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}
