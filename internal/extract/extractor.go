package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"
)

// Config configures an Extractor. Zero values take sensible defaults.
type Config struct {
	CacheDir     string   // wazero compilation cache for PDFium (the app passes DATA_DIR/cache/wazero); "" compiles on every start
	Workers      int      // PDFium instances and tesseract processes at a time; <= 0 means runtime.NumCPU()
	OCRLanguages []string // tesseract languages, e.g. ["eng", "deu"]; empty means ["eng"]
	Limits       Limits   // zero fields take the DefaultLimits value

	OCRProgram string  // tesseract program name or path; "" means "tesseract" on PATH
	PDFium     *PDFium // an already started PDFium to share; nil starts one that Close stops

	// PDFIdleRelease, for the PDFium New starts: the engine leaves memory
	// this long after its last document (see PDFium.SetIdleRelease); 0
	// keeps it.
	PDFIdleRelease time.Duration
}

// formatFunc extracts one format. It must honour ctx and lim.
type formatFunc func(ctx context.Context, in Input, lim Limits) (*Result, error)

// Extractor turns documents into Results. It is safe for concurrent use.
type Extractor struct {
	pdf     *PDFium
	ownsPDF bool
	ocr     *OCR
	limits  Limits
}

// New starts PDFium (compiling it on the first start, about 15 s, unless
// CacheDir already holds the compiled code) and looks for tesseract. A
// missing tesseract is not an error: see OCR().Available().
func New(cfg Config) (*Extractor, error) {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	e := &Extractor{pdf: cfg.PDFium, limits: withDefaults(cfg.Limits)}
	if e.pdf == nil {
		ctx, cancel := context.WithTimeout(context.Background(), pdfStartTimeout)
		defer cancel()
		p, err := NewPDFium(ctx, cfg.CacheDir, workers)
		if err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
		p.SetIdleRelease(cfg.PDFIdleRelease)
		e.pdf, e.ownsPDF = p, true
	}
	e.ocr = NewOCR(context.Background(), cfg.OCRProgram, cfg.OCRLanguages, workers)
	return e, nil
}

// Close stops PDFium if New started it.
func (e *Extractor) Close() error {
	if e.ownsPDF {
		return e.pdf.Close()
	}
	return nil
}

// OCR reports whether OCR can run and why not, for /health.
func (e *Extractor) OCR() *OCR { return e.ocr }

// Limits returns the limits every document is extracted under.
func (e *Extractor) Limits() Limits { return e.limits }

// withDefaults fills zero fields of l from DefaultLimits.
func withDefaults(l Limits) Limits {
	d := DefaultLimits()
	set := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	seti := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxDecompressedBytes, d.MaxDecompressedBytes)
	seti(&l.MaxEntries, d.MaxEntries)
	seti(&l.MaxXMLDepth, d.MaxXMLDepth)
	seti(&l.MaxPages, d.MaxPages)
	seti(&l.MaxTextBytes, d.MaxTextBytes)
	set(&l.MaxImagePixels, d.MaxImagePixels)
	seti(&l.OCRMaxPages, d.OCRMaxPages)
	if l.Timeout <= 0 {
		l.Timeout = d.Timeout
	}
	if l.OCRPageTimeout <= 0 {
		l.OCRPageTimeout = d.OCRPageTimeout
	}
	return l
}

// formatFor returns the extractor for a sniffed MIME type, nil when none.
func (e *Extractor) formatFor(mime string) formatFunc {
	f, ok := FormatOf(mime)
	if !ok {
		return nil
	}
	return func(ctx context.Context, in Input, lim Limits) (*Result, error) { return f.read(e, ctx, in, lim) }
}

// PrefixBytes is how much of a file of the MIME type Extract reads: the
// first n bytes for a format read as a stream (text, Markdown, CSV, email:
// Limits.MaxDecompressedBytes), -1 for a format that needs the whole file.
// A caller may then hand Extract an Input whose R holds only those n bytes
// (with Size the whole file's).
func (e *Extractor) PrefixBytes(mime string) int64 {
	if f, ok := FormatOf(mime); ok && f.stream {
		return e.limits.MaxDecompressedBytes
	}
	return -1
}

// Supports reports whether Extract handles the MIME type.
func (e *Extractor) Supports(mime string) bool { return e.formatFor(baseMIME(mime)) != nil }

// baseMIME drops parameters and case: "Text/Plain; charset=utf-8" -> "text/plain".
func baseMIME(mime string) string {
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	return strings.ToLower(strings.TrimSpace(mime))
}

// Extract reads one document under the Extractor's limits. It returns an
// error wrapping ErrUnsupported for an unknown type, ErrMalformed for a
// broken file and ErrLimit when a limit (including Limits.Timeout) was hit;
// when the caller's ctx ends it returns ctx.Err() wrapped.
func (e *Extractor) Extract(ctx context.Context, in Input) (*Result, error) {
	mime := baseMIME(in.MIMEType)
	f := e.formatFor(mime)
	if f == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnsupported, in.MIMEType)
	}
	if in.R == nil || in.Size < 0 {
		return nil, fmt.Errorf("extract: no input for %q", in.Filename)
	}
	in.MIMEType = mime
	lim := e.limits
	tctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	res, err := callFormat(tctx, f, in, lim)
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("extract %s: %w", mime, ctx.Err())
	case tctx.Err() != nil:
		return nil, fmt.Errorf("%w: extracting %s took longer than %s", ErrLimit, mime, lim.Timeout)
	case err != nil:
		return nil, fmt.Errorf("extract %s: %w", mime, err)
	case res == nil:
		return nil, fmt.Errorf("extract %s: no result", mime)
	}
	if len(res.Text) > lim.MaxTextBytes {
		res.Text = truncateUTF8(res.Text, lim.MaxTextBytes)
		res.Truncated = true
		res.Notes = append(res.Notes, fmt.Sprintf("text truncated to %d bytes", lim.MaxTextBytes))
	}
	if res.Pages <= 0 {
		res.Pages = 1
	}
	if res.Language == "" {
		res.Language = detectLanguage(res.Text)
	}
	if res.Thumbnail == nil {
		if card, err := textCard(in.Filename, res.Text); err == nil {
			res.Thumbnail = card
		}
	}
	return res, nil
}

// callFormat runs f and turns a panic in a parser into an error, so that a
// hostile file fails only its own document.
func callFormat(ctx context.Context, f formatFunc, in Input, lim Limits) (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%w: parser panicked: %v", ErrMalformed, p)
		}
	}()
	return f(ctx, in, lim)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// readInput reads the whole input into memory, refusing inputs larger than
// maxBytes (when > 0).
func readInput(in Input, maxBytes int64) ([]byte, error) {
	if maxBytes > 0 && in.Size > maxBytes {
		return nil, fmt.Errorf("%w: file of %d bytes is larger than %d bytes", ErrLimit, in.Size, maxBytes)
	}
	data := make([]byte, in.Size)
	n, err := in.R.ReadAt(data, 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == in.Size) {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return data, nil
}
