package extract

import (
	"context"
	"fmt"
	"testing"
)

// TestPDFTextPagesNeverGoToOCR: with OCR available, only pages without a
// text layer are rendered for OCR. A real PDF with text on every page sends
// none; a PDF of a text page and a scanned page sends the scan alone.
func TestPDFTextPagesNeverGoToOCR(t *testing.T) {
	lim := withDefaults(Limits{})
	ctx := context.Background()

	real := debianFile(t, "/usr/share/doc/graphviz/pdf/dotguide.pdf.gz", "graphviz-doc")
	doc, err := testPDFium.read(ctx, real, lim, true)
	if err != nil {
		t.Fatal(err)
	}
	if doc.pageCount != 40 || doc.scanned != 0 || len(doc.ocr) != 0 {
		t.Fatalf("dotguide.pdf: %d pages, %d without text, %d rendered for OCR; want 40, 0, 0", doc.pageCount, doc.scanned, len(doc.ocr))
	}

	mixed := mixedPDF(grayJPEG(t, 200, 100))
	doc, err = testPDFium.read(ctx, mixed, lim, true)
	if err != nil {
		t.Fatal(err)
	}
	if doc.pageCount != 2 || doc.scanned != 1 || len(doc.ocr) != 1 || doc.ocr[0].page != 1 || !hasTextLayer(doc.pages[0]) {
		pages := []int{}
		for _, j := range doc.ocr {
			pages = append(pages, j.page)
		}
		t.Fatalf("text page + scan: %d pages, %d without text, pages %v rendered for OCR, page 1 text %q; want only page index 1",
			doc.pageCount, doc.scanned, pages, doc.pages[0])
	}
}

// mixedPDF is a two-page PDF: page 1 has a text layer, page 2 is only a
// grayscale JPEG of 200 x 100 pixels.
func mixedPDF(jpegData []byte) []byte {
	return writePDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R 6 0 R] /Count 2 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		pdfStream("", "BT /F1 12 Tf 72 720 Td (The invoice for March is attached to this letter.) Tj ET"),
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Resources << /XObject << /Im0 8 0 R >> >> /Contents 7 0 R >>",
		pdfStream("", "q 200 0 0 100 0 0 cm /Im0 Do Q"),
		pdfStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", 200, 100), string(jpegData)),
	})
}
