package extract

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
)

// testPDFium is the one PDFium every test in this binary shares. Its
// compiled code is cached under os.TempDir()/docuvault-test-wazero, so only
// the first run on a machine compiles.
var testPDFium *PDFium

func TestMain(m *testing.M) {
	dir := filepath.Join(os.TempDir(), "docuvault-test-wazero")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	p, err := NewPDFium(ctx, dir, 0)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start PDFium:", err)
		os.Exit(1)
	}
	testPDFium = p
	code := m.Run()
	if err := p.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "close PDFium:", err)
	}
	os.Exit(code)
}

// inCI reports whether missing external tools must fail the tests.
func inCI() bool { return os.Getenv("CI") == "true" }

// newTestExtractor builds an Extractor on the shared PDFium. ocr selects
// whether tesseract is used: with ocr false the program is deliberately
// missing, as on a machine without it.
func newTestExtractor(t testing.TB, ocr bool, lim Limits) *Extractor {
	t.Helper()
	cfg := Config{PDFium: testPDFium, Limits: lim}
	if ocr {
		requireTesseract(t)
	} else {
		cfg.OCRProgram = filepath.Join(t.TempDir(), "no-such-tesseract")
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// requireTesseract skips (or fails in CI) when tesseract with English data
// is not installed.
func requireTesseract(t testing.TB) {
	t.Helper()
	o := NewOCR(context.Background(), "", nil, 1)
	if o.Available() {
		return
	}
	if inCI() {
		t.Fatalf("tesseract with English data (apt-get install tesseract-ocr) is required in CI: %s", o.Reason())
	}
	t.Skipf("tesseract not usable (%s); apt-get install tesseract-ocr", o.Reason())
}

// debianFile reads a file shipped by a Debian package, gunzipping *.gz. It
// skips (or fails in CI) when the package is not installed.
func debianFile(t testing.TB, path, pkg string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		if inCI() {
			t.Fatalf("%s (apt-get install %s) is required in CI: %v", path, pkg, err)
		}
		t.Skipf("%s not found; apt-get install %s", path, pkg)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("gunzip %s: %v", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatalf("gunzip %s: %v", path, err)
		}
	}
	return data
}

func input(data []byte, mime, name string) Input {
	return Input{R: bytes.NewReader(data), Size: int64(len(data)), MIMEType: mime, Filename: name}
}

// renderPage renders one page of a PDF in grayscale at dpi with the shared
// PDFium, for tests that need a picture of real text.
func renderPage(t testing.TB, data []byte, index, dpi int) *image.Gray {
	t.Helper()
	var out *image.Gray
	err := testPDFium.withInstance(context.Background(), func(inst pdfium.Pdfium) error {
		doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
		if err != nil {
			return fmt.Errorf("open: %w", err)
		}
		r, err := inst.RenderPageInDPI(&requests.RenderPageInDPI{
			Page:        requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: index}},
			DPI:         dpi,
			ImageFormat: requests.RenderImageFormatGrayscale,
		})
		if err != nil {
			return fmt.Errorf("render: %w", err)
		}
		defer r.Cleanup()
		src := r.Result.RenderedImage.(*image.Gray)
		out = image.NewGray(src.Bounds())
		draw.Draw(out, out.Bounds(), src, src.Bounds().Min, draw.Src) // the source pixels live in wasm memory
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
