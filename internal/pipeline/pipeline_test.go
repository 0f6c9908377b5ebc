package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

var (
	exOnce sync.Once
	pdfium *extract.PDFium
	ex     *extract.Extractor
	exErr  error
)

// extractor is one real Extractor (PDFium in WebAssembly) per test binary,
// its compiled code cached across runs.
func extractor(t *testing.T) *extract.Extractor {
	exOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if pdfium, exErr = extract.NewPDFium(ctx, filepath.Join(os.TempDir(), "docuvault-test-wazero"), 0); exErr != nil {
			return
		}
		ex, exErr = extract.New(extract.Config{PDFium: pdfium})
	})
	if exErr != nil {
		t.Fatal(exErr)
	}
	return ex
}

// extractorWith is an Extractor under other limits, on the same PDFium.
func extractorWith(t *testing.T, lim extract.Limits) *extract.Extractor {
	extractor(t)
	e, err := extract.New(extract.Config{PDFium: pdfium, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type classifyRecorder struct{ ids []string }

func (c *classifyRecorder) Processed(ctx context.Context, tx *store.Store, id string) error {
	if tx.Tx() == nil {
		return errors.New("the next steps must be queued in the transaction that marks the document ready")
	}
	c.ids = append(c.ids, id)
	return nil
}

func addDoc(t *testing.T, st *store.Store, blobs blob.Store, owner, name, mime string, content []byte) *model.Document {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256(content)
	d := &model.Document{ID: store.NewID(), OwnerID: owner, Title: name, OriginalFilename: name, MIMEType: mime,
		SizeBytes: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	d.BlobKey = owner + "/" + d.ID + "/original"
	if _, err := blobs.Put(ctx, d.BlobKey, bytes.NewReader(content), int64(len(content)), mime); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProcessDocuments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		cl := &classifyRecorder{}
		p := pipeline.New(st, blobs, extractor(t), cl, nil, t.TempDir(), pipeline.Limits{})

		txt := addDoc(t, st, blobs, u.ID, "note.txt", "text/plain", []byte("Meeting notes: the Zanzibar contract renews in March.\n"))
		if err := p.Process(ctx, txt.ID, false); err != nil {
			t.Fatal(err)
		}
		got, err := st.Document(ctx, u.ID, txt.ID)
		if err != nil || got.Status != model.StatusReady || got.PageCount == nil || *got.PageCount != 1 || got.ThumbnailKey == "" {
			t.Fatalf("text document: %+v %v", got, err)
		}
		text, _ := st.DocumentText(ctx, u.ID, txt.ID)
		if !strings.Contains(text, "Zanzibar contract") {
			t.Fatalf("text %q", text)
		}
		if len(cl.ids) != 1 || cl.ids[0] != txt.ID {
			t.Fatalf("classification queued for %v", cl.ids)
		}
		if _, err := blobs.Stat(ctx, got.ThumbnailKey); err != nil {
			t.Fatalf("thumbnail: %v", err)
		}
		// Running again changes nothing more (idempotent), even when forced.
		if err := p.Process(ctx, txt.ID, false); err != nil || len(cl.ids) != 1 {
			t.Fatalf("second run: %v, classify %v", err, cl.ids)
		}
		if err := p.Process(ctx, txt.ID, true); err != nil {
			t.Fatal(err)
		}
		again, _ := st.Document(ctx, u.ID, txt.ID)
		if again.Status != model.StatusReady || again.ThumbnailKey != got.ThumbnailKey {
			t.Fatalf("forced run: %+v", again)
		}

		pdf, err := os.ReadFile("../extract/testdata/hello.pdf")
		if err != nil {
			t.Fatal(err)
		}
		pd := addDoc(t, st, blobs, u.ID, "hello.pdf", "application/pdf", pdf)
		if err := p.Process(ctx, pd.ID, false); err != nil {
			t.Fatal(err)
		}
		gp, _ := st.Document(ctx, u.ID, pd.ID)
		if gp.Status != model.StatusReady || gp.PageCount == nil || *gp.PageCount < 1 || gp.ThumbnailKey == "" {
			t.Fatalf("pdf: %+v", gp)
		}

		bad := addDoc(t, st, blobs, u.ID, "broken.pdf", "application/pdf", []byte("%PDF-1.4\nthis is not really a pdf\n%%EOF"))
		err = p.Process(ctx, bad.ID, false)
		if !errors.Is(err, pipeline.ErrPermanent) {
			t.Fatalf("broken pdf: %v", err)
		}
		gb, _ := st.Document(ctx, u.ID, bad.ID)
		if gb.Status != model.StatusFailed || !strings.Contains(gb.Error, "could not read this file") {
			t.Fatalf("broken pdf document: %+v", gb)
		}

		// A document purged before its job runs is simply skipped.
		gone := addDoc(t, st, blobs, u.ID, "gone.txt", "text/plain", []byte("soon gone"))
		if err := st.DeleteDocumentRow(ctx, gone); err != nil {
			t.Fatal(err)
		}
		if err := p.Process(ctx, gone.ID, false); err != nil {
			t.Fatalf("purged document: %v", err)
		}
	})
}
