package pipeline_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// countingBlobs counts the bytes read from the originals it hands out.
type countingBlobs struct {
	blob.Store
	read atomic.Int64
}

func (c *countingBlobs) Get(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Info, error) {
	rc, info, err := c.Store.Get(ctx, key, rng)
	if err != nil {
		return nil, info, err
	}
	return countingReader{rc, &c.read}, info, nil
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// TestProcessIndexesStartOfHugeText: a text file (and an email) three times
// the extraction read limit (MAX_EXTRACT_BYTES, 1 MiB here) ends ready, not
// failed, marked text_truncated: a word at its start is found by search, a
// word past the limit is not. Only the first MiB of the original is fetched
// from the blob store.
func TestProcessIndexesStartOfHugeText(t *testing.T) {
	const readLimit = 1 << 20
	filler := bytes.Repeat([]byte("quarterly figures and ledger lines\n"), 3*readLimit/35)
	txt := append(append([]byte("alphaword opens the file\n"), filler...), "omegaword closes it\n"...)
	eml := append(append([]byte("Subject: Huge export\r\nContent-Type: text/plain\r\n\r\nalphaword opens the mail\r\n"), filler...), "omegaword closes it\r\n"...)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		local, _ := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
		blobs := &countingBlobs{Store: local}
		u := newUser(t, st, "huge@x.test")
		p := pipeline.New(st, blobs, extractorWith(t, extract.Limits{MaxDecompressedBytes: readLimit}), nil, nil, t.TempDir(), pipeline.Limits{})
		search := func(word string) int {
			q, err := searchquery.Parse(word)
			if err != nil {
				t.Fatal(err)
			}
			hits, _, err := st.SearchDocuments(ctx, u.ID, store.SearchQuery{FTS5: q.FTS5(), TSQuery: q.TSQuery()},
				store.DocumentFilter{}, store.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return len(hits)
		}
		for _, f := range []struct {
			name, mime string
			data       []byte
		}{{"huge.txt", "text/plain", txt}, {"huge.eml", "message/rfc822", eml}} {
			d := addDoc(t, st, blobs, u.ID, f.name, f.mime, f.data)
			blobs.read.Store(0)
			if err := p.Process(ctx, d.ID, false); err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			if n := blobs.read.Load(); n != readLimit {
				t.Errorf("%s: %d bytes of the %d byte original fetched, want the first %d", f.name, n, len(f.data), readLimit)
			}
			got, _ := st.Document(ctx, u.ID, d.ID)
			text, _ := st.DocumentText(ctx, u.ID, d.ID)
			if got.Status != model.StatusReady || !got.TextTruncated || len(text) > readLimit || len(text) < readLimit/2 ||
				!strings.Contains(text, "alphaword opens the") || strings.Contains(text, "omegaword") {
				t.Fatalf("%s: status %s %q, truncated %v, %d bytes of text", f.name, got.Status, got.Error, got.TextTruncated, len(text))
			}
			if !strings.Contains(got.Notes, "only the") {
				t.Errorf("%s: notes %q do not say the file was read in part", f.name, got.Notes)
			}
		}
		if n := search("alphaword"); n != 2 {
			t.Fatalf("a word at the start: %d hits, want both documents", n)
		}
		if n := search("omegaword"); n != 0 {
			t.Fatalf("a word past the read limit: %d hits", n)
		}
		// A small file is whole and not marked.
		d := addDoc(t, st, blobs, u.ID, "small.txt", "text/plain", []byte("omegaword in a small file\n"))
		if err := p.Process(ctx, d.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Document(ctx, u.ID, d.ID); got.Status != model.StatusReady || got.TextTruncated || search("omegaword") != 1 {
			t.Fatalf("small file: %s, truncated %v", got.Status, got.TextTruncated)
		}
	})
}
