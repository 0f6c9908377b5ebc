package extract

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Real PDFs shipped by Debian documentation packages, with facts that do not
// depend on the renderer: page count and phrases from given pages.
func TestPDFGolden(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	tests := []struct {
		path, pkg string
		pages     int
		phrases   map[int][]string // page index -> phrases on that page
	}{
		{
			path: "/usr/share/doc/graphviz/pdf/dotguide.pdf.gz", pkg: "graphviz-doc", pages: 40,
			phrases: map[int][]string{
				0: {"Drawing graphs with dot", "Emden R. Gansner", "It runs as a command line program"},
				1: {"1 Basic Graph Drawing", "dot draws directed graphs"},
			},
		},
		{
			path: "/usr/share/doc/graphviz/pdf/dot.1.pdf.gz", pkg: "graphviz-doc", pages: 9,
			phrases: map[int][]string{
				0: {"filter for drawing directed graphs", "filter for radial layouts of graphs"},
				1: {"OUTPUT FORMATS"},
			},
		},
		{
			path: "/usr/share/doc/libtasn1-doc/libtasn1.pdf", pkg: "libtasn1-doc", pages: 36,
			phrases: map[int][]string{
				0: {"Libtasn1", "Abstract Syntax Notation One (ASN.1) library for the GNU system"},
				1: {"Distinguished Encoding Rules (DER)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			data := debianFile(t, tt.path, tt.pkg)
			res, err := e.Extract(context.Background(), input(data, "application/pdf", "doc.pdf"))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if res.Pages != tt.pages {
				t.Errorf("Pages = %d, want %d", res.Pages, tt.pages)
			}
			pages := strings.Split(res.Text, "\f")
			if len(pages) != tt.pages {
				t.Fatalf("text has %d form-feed separated pages, want %d", len(pages), tt.pages)
			}
			for i, phrases := range tt.phrases {
				for _, p := range phrases {
					if !strings.Contains(pages[i], p) {
						t.Errorf("page %d lacks %q; it starts %.200q", i+1, p, pages[i])
					}
				}
			}
			for i, p := range pages {
				if !hasTextLayer(p) {
					t.Errorf("page %d has no text layer: %q", i+1, p)
				}
			}
			if len(res.Notes) != 0 {
				t.Errorf("Notes = %q, want none for a text PDF", res.Notes)
			}
			if res.Language != "en" {
				t.Errorf("Language = %q, want en", res.Language)
			}
			checkThumbnail(t, res.Thumbnail)
		})
	}
}

// checkThumbnail asserts a PNG at most thumbMaxWidth wide with some ink.
func checkThumbnail(t *testing.T, th []byte) image.Image {
	t.Helper()
	if th == nil {
		t.Fatal("no thumbnail")
	}
	img, err := png.Decode(bytes.NewReader(th))
	if err != nil {
		t.Fatalf("thumbnail is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() > thumbMaxWidth || b.Dx() < 50 || b.Dy() < 50 {
		t.Errorf("thumbnail is %dx%d, want 50..%d wide", b.Dx(), b.Dy(), thumbMaxWidth)
	}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
				dark++
			}
		}
	}
	if dark < 100 {
		t.Errorf("thumbnail has only %d dark pixels: blank", dark)
	}
	return img
}

func TestPDFGenerated(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	data := textPDF(
		[]string{"Invoice number 4711 for the vault", "Total amount due: 99 EUR"},
		[]string{"Second page of the generated document"},
	)
	res, err := e.Extract(context.Background(), input(data, "application/pdf", "gen.pdf"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Invoice number 4711 for the vault\nTotal amount due: 99 EUR\fSecond page of the generated document"
	if res.Text != want {
		t.Errorf("Text = %q, want %q", res.Text, want)
	}
	if res.Pages != 2 {
		t.Errorf("Pages = %d, want 2", res.Pages)
	}
	checkThumbnail(t, res.Thumbnail)
}

func TestPDFMaxPages(t *testing.T) {
	e := newTestExtractor(t, false, Limits{MaxPages: 2})
	data := textPDF([]string{"page one has enough text"}, []string{"page two has enough text"}, []string{"page three has enough text"})
	res, err := e.Extract(context.Background(), input(data, "application/pdf", "three.pdf"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if res.Pages != 3 {
		t.Errorf("Pages = %d, want the real count 3", res.Pages)
	}
	if strings.Contains(res.Text, "three") || strings.Count(res.Text, "\f") != 1 {
		t.Errorf("Text = %q, want only the first two pages", res.Text)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "first 2 of 3 pages") {
		t.Errorf("Notes = %q, want a note about the page limit", res.Notes)
	}
}

func TestPDFMalformed(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	good := textPDF([]string{"a perfectly normal page of text"})
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("this is not a PDF at all, just words")},
		{"header only", []byte("%PDF-1.7\n")},
		{"truncated", good[:len(good)/3]},
		{"random bytes", bytes.Repeat([]byte{0x00, 0xff, 0x13, 0x37}, 4096)},
		{"no pages", writePDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Extract(context.Background(), input(tt.data, "application/pdf", "bad.pdf"))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Extract = %+v, %v; want ErrMalformed", res, err)
			}
		})
	}
	// The pool is still healthy afterwards.
	if _, err := e.Extract(context.Background(), input(good, "application/pdf", "good.pdf")); err != nil {
		t.Fatalf("good PDF after bad ones: %v", err)
	}
}

func TestPDFTimeout(t *testing.T) {
	data := textPDF([]string{"some text that would be extracted in time"})
	e := newTestExtractor(t, false, Limits{Timeout: 1}) // 1 ns: expired before any work
	_, err := e.Extract(context.Background(), input(data, "application/pdf", "slow.pdf"))
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "took longer than") {
		t.Fatalf("Extract = %v, want ErrLimit for the time limit", err)
	}

	// A caller's cancellation is not a limit.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = newTestExtractor(t, false, Limits{}).Extract(ctx, input(data, "application/pdf", "x.pdf"))
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrLimit) {
		t.Fatalf("Extract with cancelled ctx = %v, want context.Canceled", err)
	}
}

// TestPDFKilledMidway cancels while PDFium is (most likely) working: the
// instance is killed, the error is the context's, and the pool keeps
// working. Whether the cancellation lands mid-call or before the first call
// depends on scheduling; both must give context.Canceled.
func TestPDFKilledMidway(t *testing.T) {
	data := debianFile(t, "/usr/share/doc/graphviz/pdf/dotguide.pdf.gz", "graphviz-doc")
	ctx, cancel := context.WithCancel(context.Background())
	lim := withDefaults(Limits{})
	done := make(chan error, 1)
	go func() {
		_, err := testPDFium.read(ctx, data, lim, true)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel = %v, want context.Canceled", err)
	}
	doc, err := testPDFium.read(context.Background(), data, lim, false)
	if err != nil || doc.pageCount != 40 {
		t.Fatalf("read after a killed instance = %v, %v; want 40 pages", doc, err)
	}
}

// TestPDFScanWithoutOCR: an image-only page is detected and the document
// still gets a result, with the note that OCR is unavailable.
func TestPDFScanWithoutOCR(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	if e.OCR().Available() {
		t.Fatal("OCR available with a missing program")
	}
	if got := e.OCR().Reason(); got != "tesseract is not installed" {
		t.Errorf("Reason = %q", got)
	}
	scan := imagePDF(grayJPEG(t, 200, 100), 200, 100, 72)
	res, err := e.Extract(context.Background(), input(scan, "application/pdf", "scan.pdf"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if res.Pages != 1 || res.Text != "" {
		t.Errorf("Pages, Text = %d, %q; want 1, empty", res.Pages, res.Text)
	}
	if len(res.Notes) != 1 || res.Notes[0] != noteOCRMissing {
		t.Errorf("Notes = %q, want %q", res.Notes, noteOCRMissing)
	}
}

// TestPDFScanOCR renders a real manual page to an image, wraps it in a PDF
// with no text layer and checks that OCR recovers its words.
func TestPDFScanOCR(t *testing.T) {
	e := newTestExtractor(t, true, Limits{})
	src := debianFile(t, "/usr/share/doc/graphviz/pdf/dot.1.pdf.gz", "graphviz-doc")
	const dpi = 200
	page := renderPage(t, src, 0, dpi)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, page, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	b := page.Bounds()
	scan := imagePDF(jpg.Bytes(), b.Dx(), b.Dy(), dpi)
	res, err := e.Extract(context.Background(), input(scan, "application/pdf", "scan.pdf"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	for _, p := range []string{"filter for drawing directed graphs", "filter for circular layout of graphs"} {
		if !strings.Contains(res.Text, p) {
			t.Errorf("OCR text lacks %q; got %.400q", p, res.Text)
		}
	}
	if len(res.Notes) != 0 {
		t.Errorf("Notes = %q, want none", res.Notes)
	}
	checkThumbnail(t, res.Thumbnail)
	if os.Getenv("DOCUVAULT_KEEP_SCAN") != "" {
		_ = os.WriteFile(os.Getenv("DOCUVAULT_KEEP_SCAN"), scan, 0o644)
	}
}

func grayJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i % 251)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TextPages reads every page's raw text layer, as the benchmark's baseline.
func TestPDFTextPages(t *testing.T) {
	pages, err := testPDFium.TextPages(context.Background(), textPDF(
		[]string{"Invoice number 4711 for the vault"},
		[]string{"Second page of the generated document"},
	))
	if err != nil {
		t.Fatalf("TextPages: %v", err)
	}
	if len(pages) != 2 || !strings.Contains(pages[0], "Invoice number 4711") || !strings.Contains(pages[1], "Second page") {
		t.Errorf("pages = %q", pages)
	}
	if _, err := testPDFium.TextPages(context.Background(), []byte("not a pdf")); !errors.Is(err, ErrMalformed) {
		t.Errorf("TextPages(junk) = %v, want ErrMalformed", err)
	}
}

// With SetIdleRelease, the unused engine is released at once and after its
// idle time, and started again from the cache for the next document; Close
// stops it for good.
func TestPDFiumReleasedWhenIdle(t *testing.T) {
	p, err := NewPDFium(context.Background(), filepath.Join(os.TempDir(), "docuvault-test-wazero"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.Started() {
		t.Fatal("the engine is not in memory after the start")
	}
	p.SetIdleRelease(50 * time.Millisecond)
	if p.Started() {
		t.Error("the unused engine is still in memory after SetIdleRelease")
	}
	waitReleased := func() {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); p.Started(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the idle engine was not released")
			}
		}
	}
	waitReleased()
	data := textPDF([]string{"Started again after being released"})
	for range 2 {
		pages, err := p.TextPages(context.Background(), data)
		if err != nil || len(pages) != 1 || !strings.Contains(pages[0], "Started again") {
			t.Fatalf("TextPages after release = %q, %v", pages, err)
		}
		if !p.Started() {
			t.Error("the engine is not running right after a document")
		}
		waitReleased()
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.TextPages(context.Background(), data); !errors.Is(err, errPDFiumClosed) {
		t.Errorf("TextPages after Close = %v, want errPDFiumClosed", err)
	}
}

// Without a compilation cache the engine stays: every start would compile.
func TestPDFiumWithoutCacheStays(t *testing.T) {
	p := &PDFium{workers: 1, eng: testPDFium.eng}
	p.SetIdleRelease(time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if !p.Started() {
		t.Error("the engine without a cache was released")
	}
}
