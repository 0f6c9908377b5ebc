package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
)

// Suite checks the behaviour every blob.Store promises. newStore must return
// a new, empty store for each call. Stores that implement blob.Presigner
// also get their presigned URLs checked with plain net/http.
func Suite(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"UnknownSize", testUnknownSize},
		{"Overwrite", testOverwrite},
		{"SizeMismatch", testSizeMismatch},
		{"Ranges", testRanges},
		{"Missing", testMissing},
		{"List", testList},
		{"InvalidKeys", testInvalidKeys},
		{"Cancelled", testCancelled},
		{"Concurrent", testConcurrent},
		{"Presign", testPresign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// RandomBytes returns n random bytes.
func RandomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// plainReader hides every interface but io.Reader (no Seek, ReadAt, Len),
// as a network body would.
type plainReader struct{ r io.Reader }

func (p plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

func put(t *testing.T, s blob.Store, key string, data []byte) blob.Info {
	t.Helper()
	info, err := s.Put(context.Background(), key, plainReader{bytes.NewReader(data)}, int64(len(data)), "application/octet-stream")
	if err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
	return info
}

func get(t *testing.T, s blob.Store, key string, rng *blob.Range) ([]byte, blob.Info) {
	t.Helper()
	rc, info, err := s.Get(context.Background(), key, rng)
	if err != nil {
		t.Fatalf("Get(%s, %+v): %v", key, rng, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%s, %+v): read: %v", key, rng, err)
	}
	return b, info
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("%s: got %d bytes (sha256 %x), want %d bytes (sha256 %x)",
			what, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want))
	}
}

func wantNotFound(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if _, err := s.Stat(context.Background(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat(%s) = %v, want ErrNotFound", key, err)
	}
	rc, _, err := s.Get(context.Background(), key, nil)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get(%s) = %v, want ErrNotFound", key, err)
	}
}

func keys(t *testing.T, s blob.Store, prefix string) []string {
	t.Helper()
	var ks []string
	err := s.List(context.Background(), prefix, func(i blob.Info) error {
		ks = append(ks, i.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return ks
}

func testRoundTrip(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := RandomBytes(t, 5<<20)
	const key = "user1/doc1/file.pdf"
	info := put(t, s, key, data)
	if info.Key != key || info.Size != int64(len(data)) {
		t.Fatalf("Put info = %+v, want key %s size %d", info, key, len(data))
	}
	got, ginfo := get(t, s, key, nil)
	sameBytes(t, "Get", got, data)
	if ginfo.Key != key || ginfo.Size != int64(len(data)) {
		t.Fatalf("Get info = %+v", ginfo)
	}
	st, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if st.Key != key || st.Size != int64(len(data)) || st.ModTime.IsZero() {
		t.Fatalf("Stat = %+v", st)
	}
	if d := time.Since(st.ModTime); d < -time.Hour || d > time.Hour {
		t.Fatalf("Stat ModTime %v is not about now", st.ModTime)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, key)
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("List after Delete = %v", ks)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if n := s.Name(); n != "local" && n != "s3" {
		t.Fatalf("Name = %q", n)
	}
}

func testUnknownSize(t *testing.T, s blob.Store) {
	// 20 MiB is more than one S3 multipart part.
	for _, n := range []int{0, 1, 1 << 20, 20 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := RandomBytes(t, n)
			key := fmt.Sprintf("unknown/%d", n)
			info, err := s.Put(context.Background(), key, plainReader{bytes.NewReader(data)}, -1, "")
			if err != nil {
				t.Fatalf("Put size -1: %v", err)
			}
			if info.Size != int64(n) {
				t.Fatalf("Put info size = %d, want %d", info.Size, n)
			}
			got, _ := get(t, s, key, nil)
			sameBytes(t, "Get", got, data)
			if st, err := s.Stat(context.Background(), key); err != nil || st.Size != int64(n) {
				t.Fatalf("Stat = %+v, %v", st, err)
			}
		})
	}
}

func testOverwrite(t *testing.T, s blob.Store) {
	put(t, s, "k", []byte("first version, longer"))
	put(t, s, "k", []byte("second"))
	got, _ := get(t, s, "k", nil)
	sameBytes(t, "Get after overwrite", got, []byte("second"))
}

func testSizeMismatch(t *testing.T, s blob.Store) {
	ctx := context.Background()
	old := []byte("the old content stays")
	tests := []struct {
		name     string
		actual   int
		declared int64
	}{
		{"short", 1000, 1001},
		{"long", 1001, 1000},
		{"empty-declared", 10, 0},
		{"short-multipart", 17 << 20, 18 << 20},
		{"long-multipart", 18 << 20, 17 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := RandomBytes(t, tc.actual)
			key := "mismatch/" + tc.name
			if _, err := s.Put(ctx, key, plainReader{bytes.NewReader(data)}, tc.declared, ""); err == nil {
				t.Fatalf("Put of %d bytes declared as %d succeeded", tc.actual, tc.declared)
			}
			wantNotFound(t, s, key)
			if ks := keys(t, s, key); len(ks) != 0 {
				t.Fatalf("List after failed Put = %v", ks)
			}
			// A failed Put over an existing object keeps the old one.
			put(t, s, key, old)
			if _, err := s.Put(ctx, key, plainReader{bytes.NewReader(data)}, tc.declared, ""); err == nil {
				t.Fatal("second mismatched Put succeeded")
			}
			got, _ := get(t, s, key, nil)
			sameBytes(t, "object after failed replace", got, old)
		})
	}
}

func testRanges(t *testing.T, s blob.Store) {
	data := RandomBytes(t, 100_000)
	put(t, s, "r/obj", data)
	size := int64(len(data))
	tests := []struct {
		name string
		rng  blob.Range
		want []byte
	}{
		{"start", blob.Range{Offset: 0, Length: 10}, data[:10]},
		{"middle", blob.Range{Offset: 4_321, Length: 5_000}, data[4_321:9_321]},
		{"to-end", blob.Range{Offset: 99_000, Length: -1}, data[99_000:]},
		{"past-end-clamped", blob.Range{Offset: 99_990, Length: 100}, data[99_990:]},
		{"last-byte", blob.Range{Offset: size - 1, Length: -1}, data[size-1:]},
		{"whole", blob.Range{Offset: 0, Length: -1}, data},
		{"empty-at-end", blob.Range{Offset: size, Length: -1}, nil},
		{"zero-length", blob.Range{Offset: 5, Length: 0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, info := get(t, s, "r/obj", &tc.rng)
			sameBytes(t, "range", got, tc.want)
			if info.Size != size {
				t.Fatalf("ranged Get info size = %d, want the object size %d", info.Size, size)
			}
		})
	}
	for _, rng := range []blob.Range{{Offset: -1, Length: 5}, {Offset: size + 1, Length: -1}} {
		rc, _, err := s.Get(context.Background(), "r/obj", &rng)
		if err == nil {
			rc.Close()
			t.Fatalf("Get with range %+v outside the object succeeded", rng)
		}
	}
	if _, _, err := s.Get(context.Background(), "r/none", &blob.Range{Offset: 0, Length: 1}); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("ranged Get of missing key = %v, want ErrNotFound", err)
	}
}

func testMissing(t *testing.T, s blob.Store) {
	wantNotFound(t, s, "no/such/key")
	if err := s.Delete(context.Background(), "no/such/key"); err != nil {
		t.Fatalf("Delete of missing key = %v, want nil", err)
	}
	put(t, s, "once", []byte("x"))
	for range 2 {
		if err := s.Delete(context.Background(), "once"); err != nil {
			t.Fatalf("Delete = %v", err)
		}
	}
	wantNotFound(t, s, "once")
}

func testList(t *testing.T, s blob.Store) {
	for _, k := range []string{"a/1", "a/2", "a/sub/3", "ab/4", "b/5", "top"} {
		put(t, s, k, []byte(k))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a/1", "a/2", "a/sub/3", "ab/4", "b/5", "top"}},
		{"a/", []string{"a/1", "a/2", "a/sub/3"}},
		{"a/sub/", []string{"a/sub/3"}},
		{"a", []string{"a/1", "a/2", "a/sub/3", "ab/4"}},
		{"b/", []string{"b/5"}},
		{"b/5", []string{"b/5"}},
		{"zz/", nil},
	}
	for _, tc := range tests {
		got := keys(t, s, tc.prefix)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) = %v, want %v", tc.prefix, got, tc.want)
		}
	}
	err := s.List(context.Background(), "a/", func(i blob.Info) error {
		if i.Size != int64(len(i.Key)) {
			return fmt.Errorf("%s: size %d", i.Key, i.Size)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List sizes: %v", err)
	}
	stop := errors.New("stop")
	n := 0
	err = s.List(context.Background(), "", func(blob.Info) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("List with a failing fn = %v after %d calls, want stop after 1", err, n)
	}
}

// InvalidKeys are keys every Store must refuse with ErrInvalidKey.
var InvalidKeys = []string{"", "../x", "x/../y", "..", ".", "/abs", "a//b", "a/./b", "a/", "ä", `a\b`, "a b", "a\x00b", strings.Repeat("k", 513)}

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := context.Background()
	p, _ := s.(blob.Presigner)
	for _, key := range InvalidKeys {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			check := func(method string, err error) {
				t.Helper()
				if !errors.Is(err, blob.ErrInvalidKey) {
					t.Errorf("%s(%q) = %v, want ErrInvalidKey", method, key, err)
				}
			}
			_, err := s.Put(ctx, key, strings.NewReader("x"), 1, "")
			check("Put", err)
			rc, _, err := s.Get(ctx, key, nil)
			if err == nil {
				rc.Close()
			}
			check("Get", err)
			_, err = s.Stat(ctx, key)
			check("Stat", err)
			check("Delete", s.Delete(ctx, key))
			if key != "" && key != "a/" { // valid prefixes
				check("List", s.List(ctx, key, func(blob.Info) error { return nil }))
			}
			if p != nil {
				_, _, err = p.PresignPut(ctx, key, 1, time.Minute)
				check("PresignPut", err)
				_, err = p.PresignGet(ctx, key, time.Minute, "f.pdf")
				check("PresignGet", err)
			}
		})
	}
	if ks := keys(t, s, ""); len(ks) != 0 {
		t.Fatalf("objects after invalid Puts: %v", ks)
	}
}

// cancelReader yields random bytes and cancels its context after limit.
type cancelReader struct {
	left, limit int64
	cancel      func()
}

func (c *cancelReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, _ := rand.Read(p)
	c.left -= int64(n)
	if c.limit -= int64(n); c.limit <= 0 {
		c.cancel()
	}
	return n, nil
}

func testCancelled(t *testing.T, s blob.Store) {
	tests := []struct {
		name               string
		total, cancelAfter int64
		declared           bool
	}{
		{"single", 4 << 20, 1 << 20, true},
		{"unknown-size-after-first-part", 40 << 20, 20 << 20, false},
		{"known-size-after-first-part", 40 << 20, 20 << 20, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &cancelReader{left: tc.total, limit: tc.cancelAfter, cancel: cancel}
			size := int64(-1)
			if tc.declared {
				size = tc.total
			}
			key := "cancel/" + tc.name
			if _, err := s.Put(ctx, key, r, size, ""); err == nil {
				t.Fatal("Put with a cancelled context succeeded")
			}
			wantNotFound(t, s, key)
			if ks := keys(t, s, ""); len(ks) != 0 {
				t.Fatalf("objects after cancelled Put: %v", ks)
			}
		})
	}
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := s.Put(ctx, "cancel/before", strings.NewReader("abc"), 3, ""); err == nil {
			t.Fatal("Put with a cancelled context succeeded")
		}
		wantNotFound(t, s, "cancel/before")
	})
}

func testConcurrent(t *testing.T, s blob.Store) {
	const n = 8
	data := make([][]byte, n)
	for i := range data {
		data[i] = RandomBytes(t, 256<<10+i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("conc/%d/obj", i)
			if _, err := s.Put(context.Background(), key, bytes.NewReader(data[i]), int64(len(data[i])), ""); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Put: %v", err)
	}
	for i := range n {
		got, _ := get(t, s, fmt.Sprintf("conc/%d/obj", i), nil)
		sameBytes(t, fmt.Sprint("object ", i), got, data[i])
	}
	if ks := keys(t, s, "conc/"); len(ks) != n {
		t.Fatalf("List = %v, want %d keys", ks, n)
	}
}
