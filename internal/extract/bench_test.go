package extract

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
)

// BenchmarkPDFExtract measures one whole PDF extraction (text of every page
// and the thumbnail, no OCR) on the shared, already started PDFium.
func BenchmarkPDFExtract(b *testing.B) {
	docs := []struct{ name, path, pkg string }{
		{"dotguide-40p", "/usr/share/doc/graphviz/pdf/dotguide.pdf.gz", "graphviz-doc"},
		{"libtasn1-36p", "/usr/share/doc/libtasn1-doc/libtasn1.pdf", "libtasn1-doc"},
	}
	e := newTestExtractor(b, false, Limits{})
	b.Run("generated-2p", func(b *testing.B) {
		benchExtract(b, e, textPDF([]string{"first page of text for the benchmark"}, []string{"second page"}))
	})
	for _, d := range docs {
		b.Run(d.name, func(b *testing.B) { benchExtract(b, e, debianFile(b, d.path, d.pkg)) })
	}
}

func benchExtract(b *testing.B, e *Extractor, data []byte) {
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := e.Extract(context.Background(), input(data, "application/pdf", "bench.pdf")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPDFiumStart measures starting PDFium: "compile" with no cache
// (what the first start costs) and "cached" with a warm cache directory.
func BenchmarkPDFiumStart(b *testing.B) {
	start := func(b *testing.B, dir string) {
		p, err := NewPDFium(context.Background(), dir, 1)
		if err != nil {
			b.Fatal(err)
		}
		// One document, so the instance is really usable.
		if _, err := p.read(context.Background(), textPDF([]string{"warm up"}), withDefaults(Limits{}), false); err != nil {
			b.Fatal(err)
		}
		_ = p.Close()
	}
	b.Run("compile", func(b *testing.B) {
		for b.Loop() {
			start(b, "")
		}
	})
	b.Run("cached", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "wazero")
		start(b, dir) // fill the cache
		b.ResetTimer()
		for b.Loop() {
			start(b, dir)
		}
	})
}

// BenchmarkOCRPage measures tesseract on one manual page rendered at the
// OCR resolution, as the PDF path sends it.
func BenchmarkOCRPage(b *testing.B) {
	requireTesseract(b)
	page := renderPage(b, debianFile(b, "/usr/share/doc/graphviz/pdf/dot.1.pdf.gz", "graphviz-doc"), 0, ocrDPI)
	img, err := encodePNG(page)
	if err != nil {
		b.Fatal(err)
	}
	o := NewOCR(context.Background(), "", nil, 1)
	for b.Loop() {
		if _, err := o.Recognize(context.Background(), img, 0, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPDFStages splits where one real PDF's extraction time goes: the
// text layer alone (TextPages, the raw baseline), the first page's
// thumbnail alone, one pass as the pipeline makes it (text, thumbnail,
// title), and the whole Extract (plus language detection).
func BenchmarkPDFStages(b *testing.B) {
	data := debianFile(b, "/usr/share/doc/graphviz/pdf/dotguide.pdf.gz", "graphviz-doc")
	e := newTestExtractor(b, false, Limits{})
	ctx := context.Background()
	b.Run("text", func(b *testing.B) {
		for b.Loop() {
			if _, err := testPDFium.TextPages(ctx, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("thumbnail", func(b *testing.B) {
		for b.Loop() {
			err := testPDFium.withInstance(ctx, func(inst pdfium.Pdfium) error {
				doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
				if err != nil {
					return err
				}
				defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
				if renderThumbnail(inst, doc.Document) == nil {
					return errors.New("no thumbnail")
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if _, err := testPDFium.read(ctx, data, withDefaults(Limits{}), false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("extract", func(b *testing.B) { benchExtract(b, e, data) })
}
