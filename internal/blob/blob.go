// Package blob stores document bytes: files under DATA_DIR/blobs on the
// embedded default, or any S3-compatible store. Keys are slash-separated
// paths of safe segments ([A-Za-z0-9._-], no "." or ".."), so a key can never
// escape its root on either backend.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Errors returned by every Store.
var (
	ErrNotFound   = errors.New("blob: not found")
	ErrInvalidKey = errors.New("blob: invalid key")
	// ErrUnsupported: the backend cannot do this (e.g. presigning on local disk).
	ErrUnsupported = errors.New("blob: not supported by this backend")
)

// Info describes a stored object.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
	ETag    string
}

// Range selects bytes [Offset, Offset+Length) of an object; Length < 0 means
// to the end.
type Range struct {
	Offset int64
	Length int64
}

// Store is the interface every backend implements.
type Store interface {
	// Put streams r into key, replacing any object there. size is the exact
	// length, or -1 when unknown. The object is durable when Put returns nil,
	// and a failed Put leaves no partial object behind.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (Info, error)
	// Get opens key; rng nil means the whole object.
	Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error)
	// Stat describes key, or returns ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix.
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// Check is a cheap health probe.
	Check(ctx context.Context) error
	// Name is "local" or "s3", for health and logs.
	Name() string
}

// Presigner is the optional capability of handing clients a URL that reads
// or writes one object directly, without the bytes passing this server.
type Presigner interface {
	// PresignPut signs one PUT of exactly size bytes (the Content-Length
	// is part of the signature); headers are the ones the client must send.
	PresignPut(ctx context.Context, key string, size int64, expiry time.Duration) (url string, headers http.Header, err error)
	PresignGet(ctx context.Context, key string, expiry time.Duration, filename string) (url string, err error)
}

// ValidateKey reports whether key is a safe object key.
func ValidateKey(key string) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
		for _, r := range seg {
			ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
			if !ok {
				return fmt.Errorf("%w: %q", ErrInvalidKey, key)
			}
		}
	}
	return nil
}

// validatePrefix accepts "" and prefixes made of safe segments, optionally
// ending in "/".
func validatePrefix(prefix string) error {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return nil
	}
	return ValidateKey(p)
}
