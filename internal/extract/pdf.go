package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// PDF tuning. A page whose text layer has fewer than minTextRunes letters
// or digits is treated as a scan and rendered for OCR at ocrDPI (less when
// the page is so large that the image would exceed ocrMaxPixels).
const (
	minTextRunes   = 16
	ocrDPI         = 300
	ocrMaxPixels   = 40_000_000
	pdfMemoryPages = 16384 // wasm pages of 64 KiB: 1 GiB per PDFium instance
)

// PDFium reads PDFs with PDFium compiled to WebAssembly and run by wazero:
// pure Go, no cgo, and a crash or a hang in PDFium is contained in its
// instance. One PDFium holds a pool of instances shared by every document;
// each document gets a fresh instance, so no state survives from one
// (possibly hostile) file to the next.
//
// The engine (the compiled module and its runtime, some tens of MB) can be
// kept in memory only while documents come: see SetIdleRelease.
type PDFium struct {
	workers  int
	cacheDir string
	idle     time.Duration // release the engine after this long unused; 0 keeps it

	mu     sync.Mutex
	eng    *pdfEngine // nil when released
	users  int        // documents using eng now
	timer  *time.Timer
	closed bool
}

// pdfEngine is a started PDFium: the instance pool and the compilation
// cache it was compiled through.
type pdfEngine struct {
	pool  pdfium.Pool
	cache wazero.CompilationCache
}

func (e *pdfEngine) close() error {
	err := e.pool.Close()
	closeCache(e.cache)
	return err
}

// NewPDFium compiles the PDFium module (about 2 s here, more on slow CPUs,
// on the first start) and starts a pool of at most workers instances
// (runtime.NumCPU() when workers <= 0). With a non-empty cacheDir the
// machine code is kept there (the app passes DATA_DIR/cache/wazero) and
// later starts take well under a second. ctx bounds only the start; the
// engine stays in memory until Close, or see SetIdleRelease.
func NewPDFium(ctx context.Context, cacheDir string, workers int) (*PDFium, error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	eng, err := startEngine(ctx, cacheDir, workers)
	if err != nil {
		return nil, err
	}
	// Compiling the module (on a first start, without the cache) leaves
	// a few hundred MB of garbage that the runtime would otherwise keep
	// from the system until later collections: give it back now.
	debug.FreeOSMemory()
	return &PDFium{workers: workers, cacheDir: cacheDir, eng: eng}, nil
}

// SetIdleRelease makes the engine leave memory d after its last document,
// and at once if no document uses it now; the next document starts it again
// from the compilation cache. d <= 0, or a PDFium without a cache dir
// (every start would compile again), keeps the engine in memory, which is
// what NewPDFium does until this is called.
func (p *PDFium) SetIdleRelease(d time.Duration) {
	p.mu.Lock()
	if p.cacheDir == "" || d <= 0 {
		p.idle = 0
		if p.timer != nil {
			p.timer.Stop()
		}
		p.mu.Unlock()
		return
	}
	p.idle = d
	p.mu.Unlock()
	p.releaseIdle()
}

func startEngine(ctx context.Context, cacheDir string, workers int) (*pdfEngine, error) {
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pdfMemoryPages)
	var cache wazero.CompilationCache
	if cacheDir != "" {
		if err := os.MkdirAll(cacheDir, 0o700); err != nil {
			return nil, fmt.Errorf("pdfium: cache dir: %w", err)
		}
		c, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return nil, fmt.Errorf("pdfium: compilation cache %s: %w", cacheDir, err)
		}
		cache = c
		rc = rc.WithCompilationCache(c)
	}
	type started struct {
		pool pdfium.Pool
		err  error
	}
	done := make(chan started, 1)
	go func() {
		pool, err := webassembly.Init(webassembly.Config{
			Context:  context.Background(),
			MinIdle:  0,
			MaxIdle:  workers,
			MaxTotal: workers,
			// PDFium sees no file system at all: documents are passed as bytes.
			FSConfig:      wazero.NewFSConfig(),
			RuntimeConfig: rc,
			Stdout:        io.Discard,
			Stderr:        io.Discard,
		})
		done <- started{pool, err}
	}()
	select {
	case s := <-done:
		if s.err != nil {
			closeCache(cache)
			return nil, fmt.Errorf("pdfium: start: %w", s.err)
		}
		return &pdfEngine{pool: s.pool, cache: cache}, nil
	case <-ctx.Done():
		go func() { // finish in the background, then release everything
			if s := <-done; s.err == nil {
				_ = s.pool.Close()
			}
			closeCache(cache)
		}()
		return nil, fmt.Errorf("pdfium: start: %w", ctx.Err())
	}
}

func closeCache(c wazero.CompilationCache) {
	if c != nil {
		_ = c.Close(context.Background())
	}
}

// Workers is the number of documents read at the same time.
func (p *PDFium) Workers() int { return p.workers }

// Close stops every instance. Documents being read fail.
func (p *PDFium) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
	}
	if p.eng == nil {
		return nil
	}
	err := p.eng.close()
	p.eng = nil
	return err
}

// errPDFiumClosed is returned for documents read after Close.
var errPDFiumClosed = errors.New("pdfium: closed")

// acquire returns the engine, started again if it was released, for one
// document; release gives it back.
func (p *PDFium) acquire(ctx context.Context) (*pdfEngine, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errPDFiumClosed
	}
	if p.eng == nil {
		eng, err := startEngine(ctx, p.cacheDir, p.workers)
		if err != nil {
			return nil, err
		}
		p.eng = eng
	}
	p.users++
	if p.timer != nil {
		p.timer.Stop()
	}
	return p.eng, nil
}

func (p *PDFium) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users--
	p.scheduleRelease()
}

// scheduleRelease arms the idle timer when nothing uses the engine. The
// caller holds p.mu (or has p to itself).
func (p *PDFium) scheduleRelease() {
	if p.users > 0 || p.idle <= 0 || p.closed {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.timer = time.AfterFunc(p.idle, p.releaseIdle)
}

// releaseIdle stops the engine if it is still unused, and returns the
// memory it held to the system.
func (p *PDFium) releaseIdle() {
	p.mu.Lock()
	if p.users > 0 || p.eng == nil || p.closed {
		p.mu.Unlock()
		return
	}
	eng := p.eng
	p.eng = nil
	_ = eng.close()
	p.mu.Unlock()
	debug.FreeOSMemory()
}

// Started reports whether the engine is in memory now (false once it was
// released for being idle, until the next document).
func (p *PDFium) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.eng != nil
}

// withInstance runs fn on a fresh instance. When ctx ends, the instance is
// killed mid-call and withInstance returns ctx.Err().
func (p *PDFium) withInstance(ctx context.Context, fn func(inst pdfium.Pdfium) error) error {
	eng, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release()
	inst, err := eng.pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("pdfium: instance: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = inst.Kill() })
	defer func() {
		if stop() { // not killed: return the instance normally
			_ = inst.Close()
		}
	}()
	err = fn(inst)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// pdfDoc is what one pass over a PDF produced.
type pdfDoc struct {
	pages     []string // text layer per page read
	pageCount int      // pages in the document (may exceed len(pages))
	thumbnail []byte   // PNG of page 1, nil if it could not be rendered
	ocr       []ocrJob // rendered pages without a text layer
	scanned   int      // pages without a text layer (including those not rendered)
	notes     []string
	title     string // the PDF's own title, cleaned; "" when none
}

// read opens data in a fresh instance and reads up to lim.MaxPages pages.
// Pages without a text layer are rendered for OCR when renderOCR is true
// (at most lim.OCRMaxPages of them). When ctx ends, the instance is killed
// mid-call and read returns ctx.Err().
func (p *PDFium) read(ctx context.Context, data []byte, lim Limits, renderOCR bool) (*pdfDoc, error) {
	var doc *pdfDoc
	err := p.withInstance(ctx, func(inst pdfium.Pdfium) (err error) {
		doc, err = readPDF(inst, data, lim, renderOCR)
		return err
	})
	return doc, err
}

// TextPages reads the text layer of every page of data in a fresh instance
// and nothing else: no thumbnail, no title, no OCR. It is the bare PDFium
// cost that `docuvault bench http` compares document processing with. It
// returns ErrMalformed for a file PDFium cannot open.
func (p *PDFium) TextPages(ctx context.Context, data []byte) ([]string, error) {
	var pages []string
	err := p.withInstance(ctx, func(inst pdfium.Pdfium) error {
		opened, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
		if err != nil {
			return fmt.Errorf("%w: not a readable PDF: %w", ErrMalformed, err)
		}
		defer func() { _, _ = inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: opened.Document}) }()
		count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: opened.Document})
		if err != nil {
			return fmt.Errorf("%w: page count: %w", ErrMalformed, err)
		}
		pages = make([]string, count.PageCount)
		for i := range pages {
			txt, err := inst.GetPageText(&requests.GetPageText{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: opened.Document, Index: i}}})
			if err != nil {
				return fmt.Errorf("%w: page %d: %w", ErrMalformed, i+1, err)
			}
			pages[i] = txt.Text
		}
		return nil
	})
	return pages, err
}

func readPDF(inst pdfium.Pdfium, data []byte, lim Limits, renderOCR bool) (*pdfDoc, error) {
	opened, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		switch {
		case errors.Is(err, pdfiumerrors.ErrPassword):
			return nil, fmt.Errorf("%w: the PDF is protected by a password", ErrMalformed)
		case errors.Is(err, pdfiumerrors.ErrSecurity):
			return nil, fmt.Errorf("%w: the PDF uses an unsupported encryption", ErrMalformed)
		default:
			return nil, fmt.Errorf("%w: not a readable PDF: %w", ErrMalformed, err)
		}
	}
	docRef := opened.Document
	defer func() { _, _ = inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: docRef}) }()

	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: docRef})
	if err != nil {
		return nil, fmt.Errorf("%w: page count: %w", ErrMalformed, err)
	}
	doc := &pdfDoc{pageCount: count.PageCount}
	if doc.pageCount <= 0 {
		return nil, fmt.Errorf("%w: the PDF has no pages", ErrMalformed)
	}
	n := doc.pageCount
	if lim.MaxPages > 0 && n > lim.MaxPages {
		n = lim.MaxPages
		doc.notes = append(doc.notes, fmt.Sprintf("only the first %d of %d pages were read", n, doc.pageCount))
	}
	doc.thumbnail = renderThumbnail(inst, docRef)
	doc.title = pdfTitle(inst, docRef, data)
	doc.pages = make([]string, n)
	var failed []int
	for i := range n {
		page := requests.Page{ByIndex: &requests.PageByIndex{Document: docRef, Index: i}}
		txt, err := inst.GetPageText(&requests.GetPageText{Page: page})
		if err != nil {
			failed = append(failed, i+1)
			continue
		}
		doc.pages[i] = normalizePageText(txt.Text)
		if hasTextLayer(doc.pages[i]) {
			continue
		}
		doc.scanned++
		if !renderOCR || len(doc.ocr) >= lim.OCRMaxPages {
			continue
		}
		img, err := renderForOCR(inst, page, lim)
		if err != nil {
			doc.notes = append(doc.notes, fmt.Sprintf("page %d could not be rendered for OCR: %v", i+1, err))
			continue
		}
		doc.ocr = append(doc.ocr, ocrJob{page: i, img: img})
	}
	if len(failed) == n {
		return nil, fmt.Errorf("%w: no page could be read", ErrMalformed)
	}
	if len(failed) > 0 {
		doc.notes = append(doc.notes, fmt.Sprintf("%d page(s) could not be read, the first is page %d", len(failed), failed[0]))
	}
	if renderOCR && doc.scanned > len(doc.ocr) && len(doc.ocr) >= lim.OCRMaxPages {
		doc.notes = append(doc.notes, fmt.Sprintf("only %d of %d pages without text were sent to OCR", len(doc.ocr), doc.scanned))
	}
	return doc, nil
}

// normalizePageText turns PDFium's CRLF line ends into \n, joins words
// PDFium marks as hyphenated at a line end (U+0002) and drops other control
// characters, including form feeds, which separate pages in Result.Text.
func normalizePageText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r' || r == '\f':
			return '\n'
		case unicode.IsControl(r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// hasTextLayer reports whether a page's text is more than a stray page
// number: at least minTextRunes letters or digits.
func hasTextLayer(s string) bool {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
			if n >= minTextRunes {
				return true
			}
		}
	}
	return false
}

// renderThumbnail renders page 1 at thumbnail width; nil when it fails.
func renderThumbnail(inst pdfium.Pdfium, docRef references.FPDF_DOCUMENT) []byte {
	r, err := inst.RenderPageInPixels(&requests.RenderPageInPixels{
		Page:   requests.Page{ByIndex: &requests.PageByIndex{Document: docRef, Index: 0}},
		Width:  thumbMaxWidth,
		Height: thumbMaxHeight,
	})
	if err != nil {
		return nil
	}
	defer r.Cleanup() // the pixels live in wasm memory until then
	png, err := thumbnailPNG(r.Result.RenderedImage)
	if err != nil {
		return nil
	}
	return png
}

// renderForOCR renders a page in grayscale at ocrDPI, or less for huge
// pages, and encodes it as PNG for tesseract.
func renderForOCR(inst pdfium.Pdfium, page requests.Page, lim Limits) ([]byte, error) {
	size, err := inst.GetPageSize(&requests.GetPageSize{Page: page})
	if err != nil {
		return nil, err
	}
	maxPixels := float64(ocrMaxPixels)
	if lim.MaxImagePixels > 0 {
		maxPixels = min(maxPixels, float64(lim.MaxImagePixels))
	}
	dpi := float64(ocrDPI)
	w, h := size.Width/72*dpi, size.Height/72*dpi // points to pixels
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("empty page (%gx%g points)", size.Width, size.Height)
	}
	if w*h > maxPixels {
		dpi *= math.Sqrt(maxPixels / (w * h))
	}
	if dpi < 1 {
		return nil, fmt.Errorf("page too large (%gx%g points)", size.Width, size.Height)
	}
	r, err := inst.RenderPageInDPI(&requests.RenderPageInDPI{
		Page:        page,
		DPI:         int(dpi),
		ImageFormat: requests.RenderImageFormatGrayscale,
	})
	if err != nil {
		return nil, err
	}
	defer r.Cleanup()
	return encodePNG(r.Result.RenderedImage)
}

// extractPDF reads a PDF and recognises its pages without a text layer.
func (e *Extractor) extractPDF(ctx context.Context, in Input, lim Limits) (*Result, error) {
	data, err := readInput(in, lim.MaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	doc, err := e.pdf.read(ctx, data, lim, e.ocr.Available())
	if err != nil {
		return nil, err
	}
	res := &Result{Pages: doc.pageCount, Thumbnail: doc.thumbnail, Notes: doc.notes, Title: doc.title}
	if doc.scanned > 0 && !e.ocr.Available() {
		res.Notes = append(res.Notes, e.ocr.missingNote())
	}
	if len(doc.ocr) > 0 {
		texts, notes, err := e.ocr.recognizeAll(ctx, doc.ocr, lim)
		if err != nil {
			return nil, err
		}
		for i, t := range texts {
			if len([]rune(t)) > len([]rune(doc.pages[i])) {
				doc.pages[i] = t
			}
		}
		res.Notes = append(res.Notes, notes...)
	}
	res.Text = strings.Join(doc.pages, "\f")
	return res, nil
}

// pdfStartTimeout bounds PDFium's start from New, which has no context.
const pdfStartTimeout = 5 * time.Minute
