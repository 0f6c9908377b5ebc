package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"regexp"
	"strings"
	"unicode"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"golang.org/x/image/draw"
)

// Page widths RenderPage accepts: a request outside is clamped.
const (
	MinPageWidth     = 200
	MaxPageWidth     = 2000
	DefaultPageWidth = 1000
	pageMaxHeight    = 4 * MaxPageWidth // a very long page is cut, not rendered huge
)

// ErrNoSuchPage is returned by RenderPage for a page beyond the last.
var ErrNoSuchPage = errors.New("extract: no such page")

// ClampPageWidth brings w into [MinPageWidth, MaxPageWidth]; 0 means
// DefaultPageWidth.
func ClampPageWidth(w int) int {
	if w == 0 {
		return DefaultPageWidth
	}
	return min(max(w, MinPageWidth), MaxPageWidth)
}

// CanRenderPages reports whether RenderPage draws the pages of this type
// (PDFs and images); other types have only their thumbnail.
func (e *Extractor) CanRenderPages(mime string) bool {
	mime = baseMIME(mime)
	if mime == "application/pdf" {
		return true
	}
	_, ok := codecFor(mime)
	return ok
}

// RenderPage draws page n (1-based) of a PDF, or an image (page 1 only),
// as a PNG width pixels wide (clamped with ClampPageWidth), under the same
// limits as extraction: the input size, the image's pixel count, and
// Limits.Timeout. A page beyond the last is ErrNoSuchPage; a type that has
// no pages to draw is ErrUnsupported.
func (e *Extractor) RenderPage(ctx context.Context, in Input, n, width int) ([]byte, error) {
	width = ClampPageWidth(width)
	lim := e.limits
	mime := baseMIME(in.MIMEType)
	if !e.CanRenderPages(mime) {
		return nil, fmt.Errorf("%w: %q has no pages to render", ErrUnsupported, in.MIMEType)
	}
	if n < 1 {
		return nil, ErrNoSuchPage
	}
	tctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	data, err := readInput(in, lim.MaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	var out []byte
	if mime == "application/pdf" {
		out, err = e.pdf.renderPage(tctx, data, n, width)
	} else {
		if n != 1 {
			return nil, ErrNoSuchPage
		}
		var img image.Image
		if img, _, err = decodeImage(data, mime, lim); err == nil {
			out, err = scaleToWidth(img, width)
		}
	}
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("render page: %w", ctx.Err())
	case tctx.Err() != nil:
		return nil, fmt.Errorf("%w: rendering took longer than %s", ErrLimit, lim.Timeout)
	}
	return out, err
}

// scaleToWidth scales img to width pixels (never up) on white and encodes it.
func scaleToWidth(img image.Image, width int) ([]byte, error) {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("%w: empty image", ErrMalformed)
	}
	w, h := b.Dx(), b.Dy()
	if w > width {
		h = max(1, h*width/w)
		w = width
	}
	src := b
	if h > pageMaxHeight {
		src.Max.Y = src.Min.Y + max(1, b.Dy()*pageMaxHeight/h)
		h = pageMaxHeight
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Over, nil)
	return encodePNG(dst)
}

// renderPage opens data in a fresh instance and renders page n (1-based).
func (p *PDFium) renderPage(ctx context.Context, data []byte, n, width int) ([]byte, error) {
	var out []byte
	err := p.withInstance(ctx, func(inst pdfium.Pdfium) (err error) {
		out, err = renderPDFPage(inst, data, n, width)
		return err
	})
	return out, err
}

func renderPDFPage(inst pdfium.Pdfium, data []byte, n, width int) ([]byte, error) {
	opened, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		return nil, fmt.Errorf("%w: not a readable PDF: %w", ErrMalformed, err)
	}
	docRef := opened.Document
	defer func() { _, _ = inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: docRef}) }()
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: docRef})
	if err != nil {
		return nil, fmt.Errorf("%w: page count: %w", ErrMalformed, err)
	}
	if n > count.PageCount {
		return nil, ErrNoSuchPage
	}
	r, err := inst.RenderPageInPixels(&requests.RenderPageInPixels{
		Page:   requests.Page{ByIndex: &requests.PageByIndex{Document: docRef, Index: n - 1}},
		Width:  width,
		Height: pageMaxHeight,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: page %d could not be rendered: %w", ErrMalformed, n, err)
	}
	defer r.Cleanup()
	return encodePNG(r.Result.RenderedImage)
}

// pdfTitle is the document's own title: the information dictionary's
// Title, else XMP's dc:title, cleaned; "" when none or junk.
func pdfTitle(inst pdfium.Pdfium, docRef references.FPDF_DOCUMENT, data []byte) string {
	if m, err := inst.FPDF_GetMetaText(&requests.FPDF_GetMetaText{Document: docRef, Tag: "Title"}); err == nil {
		if t := CleanTitle(m.Value); t != "" {
			return t
		}
	}
	return CleanTitle(xmpTitle(data))
}

// xmpDCTitle finds the first dc:title value in an uncompressed XMP packet.
var xmpDCTitle = regexp.MustCompile(`(?s)<dc:title>.{0,200}?<rdf:li[^>]*>([^<]{1,600})</rdf:li>`)

func xmpTitle(data []byte) string {
	i := bytes.Index(data, []byte("<dc:title>"))
	if i < 0 {
		return ""
	}
	m := xmpDCTitle.FindSubmatch(data[i:min(len(data), i+2000)])
	if m == nil {
		return ""
	}
	return xmlUnescape(string(m[1]))
}

var xmlEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'")

func xmlUnescape(s string) string { return xmlEntities.Replace(s) }

// junkTitles are titles producers write when the author gave none.
var junkTitles = map[string]bool{"untitled": true, "untitled document": true, "title": true, "document": true,
	"no title": true, "unknown": true, "none": true, "microsoft word": true, "slide 1": true, "pdf": true}

// junkPrefixes are producer names some tools put before the file name.
var junkPrefixes = []string{"Microsoft Word - ", "Microsoft PowerPoint - ", "Microsoft Excel - ", "Word - ", "PowerPoint - "}

// CleanTitle turns a title found in a file into one fit to show, or ""
// when it says nothing: control characters and surrounding space dropped,
// a producer prefix ("Microsoft Word - ") and an office file extension
// removed, placeholders ("Untitled") and titles without a letter or digit
// refused, and at most 200 characters kept.
func CleanTitle(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	for _, p := range junkPrefixes {
		if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) {
			s = strings.TrimSpace(s[len(p):])
			for _, ext := range []string{".docx", ".doc", ".pptx", ".ppt", ".xlsx", ".xls", ".rtf"} {
				if len(s) > len(ext) && strings.EqualFold(s[len(s)-len(ext):], ext) {
					s = strings.TrimSpace(s[:len(s)-len(ext)])
				}
			}
			break
		}
	}
	if junkTitles[strings.ToLower(s)] || !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return ""
	}
	if r := []rune(s); len(r) > 200 {
		s = strings.TrimSpace(string(r[:200]))
	}
	return strings.ToValidUTF8(s, "")
}
