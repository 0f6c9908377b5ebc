package pipeline_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

const docxMIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// HostileDOCX is a DOCX of about 400 KB whose word/document.xml holds one
// run of mib MiB of the letter A: a single word of hundreds of megabytes.
func hostileDOCX(t testing.TB, mib int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body><w:p><w:r><w:t>`))
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for range mib {
		w.Write(chunk)
	}
	w.Write([]byte(`</w:t></w:r></w:p></w:body></w:document>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newUser(t *testing.T, st *store.Store, email string) *model.User {
	t.Helper()
	u := &model.User{Email: email, PasswordHash: "h"}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestProcessCapsText: the text stored and indexed is at most MaxTextBytes,
// every word is at most MaxWordRunes long, and the document's notes say what
// was cut. The hostile DOCX (one 400 MB word) ends, ready with a short text
// or failed, instead of keeping a worker for hours.
func TestProcessCapsText(t *testing.T) {
	bomb := hostileDOCX(t, 400)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
		u := newUser(t, st, "caps@x.test")
		p := pipeline.New(st, blobs, extractor(t), nil, nil, t.TempDir(), pipeline.Limits{MaxTextBytes: 64 << 10})

		long := strings.Repeat("x", 5000)
		body := "Zanzibar " + long + " contract\n" + strings.Repeat("filler words here ", 10000) + "tailword\n"
		d := addDoc(t, st, blobs, u.ID, "long.txt", "text/plain", []byte(body))
		if err := p.Process(ctx, d.ID, false); err != nil {
			t.Fatal(err)
		}
		got, _ := st.Document(ctx, u.ID, d.ID)
		text, _ := st.DocumentText(ctx, u.ID, d.ID)
		if got.Status != model.StatusReady || len(text) > 64<<10 || !strings.HasPrefix(text, "Zanzibar "+strings.Repeat("x", pipeline.MaxWordRunes)+" contract") ||
			strings.Contains(text, "tailword") {
			t.Fatalf("capped text: status %s, %d bytes, starts %.300q", got.Status, len(text), text)
		}
		if !got.TextTruncated || !strings.Contains(got.Notes, "1 words longer than 200 characters cut") || !strings.Contains(got.Notes, "text truncated to 65536 bytes") {
			t.Fatalf("truncated %v, notes %q", got.TextTruncated, got.Notes)
		}

		h := addDoc(t, st, blobs, u.ID, "bomb.docx", docxMIME, bomb)
		err := p.Process(ctx, h.ID, false)
		gh, _ := st.Document(ctx, u.ID, h.ID)
		t.Logf("hostile docx: %s, error %q, notes %q", gh.Status, gh.Error, gh.Notes)
		switch {
		case err == nil && gh.Status == model.StatusReady:
			ht, _ := st.DocumentText(ctx, u.ID, h.ID)
			if len(ht) > pipeline.MaxWordRunes {
				t.Fatalf("hostile docx kept %d bytes of one word", len(ht))
			}
		case errors.Is(err, pipeline.ErrPermanent) && gh.Status == model.StatusFailed && gh.Error != "":
		default:
			t.Fatalf("hostile docx: %v, %+v", err, gh)
		}
	})
}

// stuckExtractor never finishes on its own: it waits for its context.
type stuckExtractor struct{}

func (stuckExtractor) Extract(ctx context.Context, _ extract.Input) (*extract.Result, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestProcessDeadlineFailsDocument: a job past its Limits.Timeout fails its
// document with a message that says so, permanently (no retry), instead of
// being retried or left processing.
func TestProcessDeadlineFailsDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
		u := newUser(t, st, "slow@x.test")
		p := pipeline.New(st, blobs, stuckExtractor{}, nil, nil, t.TempDir(), pipeline.Limits{Timeout: 100 * time.Millisecond})
		d := addDoc(t, st, blobs, u.ID, "slow.txt", "text/plain", []byte("never read"))
		err := p.Process(ctx, d.ID, false)
		if !errors.Is(err, pipeline.ErrPermanent) {
			t.Fatalf("Process past its deadline: %v", err)
		}
		got, _ := st.Document(ctx, u.ID, d.ID)
		if got.Status != model.StatusFailed || got.Error != "processing took longer than 100ms" {
			t.Fatalf("document after the deadline: status %s, error %q", got.Status, got.Error)
		}

		// The caller's own end (a shutdown) is not the document's fault.
		d2 := addDoc(t, st, blobs, u.ID, "cut.txt", "text/plain", []byte("cut by shutdown"))
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		p2 := pipeline.New(st, blobs, stuckExtractor{}, nil, nil, t.TempDir(), pipeline.Limits{Timeout: time.Minute})
		if err := p2.Process(cctx, d2.ID, false); err == nil || errors.Is(err, pipeline.ErrPermanent) {
			t.Fatalf("Process cut by its caller: %v", err)
		}
		if got, _ := st.Document(ctx, u.ID, d2.ID); got.Status != model.StatusProcessing {
			t.Fatalf("document cut by its caller is %s", got.Status)
		}
	})
}
