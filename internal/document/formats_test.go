package document

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docuvault/docuvault/internal/extract"
)

// TestFormatListIsSingle: every format of extract.Formats, the one list of
// accepted types, is recognised by sniffing a real sample, and every type
// sniffing accepts is one extraction reads. A format added to the list
// without a sample here fails, so the list cannot grow a type uploads never
// produce; there is no second list to keep equal.
func TestFormatListIsSingle(t *testing.T) {
	td := "../extract/testdata"
	samples := map[string]struct{ file, name string }{
		"application/pdf": {"hello.pdf", "x.bin"},
		"image/png":       {"tiny.png", "x.bin"},
		"image/jpeg":      {"tiny.jpg", "x.bin"},
		"image/tiff":      {"tiny.tiff", "x.bin"},
		"image/webp":      {"gopher.webp", "x.bin"},
		"image/gif":       {"tiny.gif", "x.bin"},
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {"office/hand.docx", "x.bin"},
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {"office/excelize.xlsx", "x.bin"},
		"application/vnd.openxmlformats-officedocument.presentationml.presentation": {"office/hand.pptx", "x.bin"},
		"application/vnd.oasis.opendocument.text":                                   {"office/hand.odt", "x.bin"},
		"application/vnd.oasis.opendocument.spreadsheet":                            {"office/hand.ods", "x.bin"},
		"application/vnd.oasis.opendocument.presentation":                           {"office/hand.odp", "x.bin"},
		"text/rtf":       {"office/wordpad.rtf", "x.bin"},
		"text/html":      {"office/page.html", "x.bin"},
		"text/plain":     {"office/legacy.txt", "x.txt"},
		"text/markdown":  {"office/legacy.txt", "notes.md"},
		"text/csv":       {"office/legacy.txt", "table.csv"},
		"message/rfc822": {"office/invoice.eml", "x.bin"},
	}
	seen := map[string]bool{}
	for _, f := range extract.Formats {
		if seen[f.MIME] {
			t.Errorf("%s is listed twice", f.MIME)
		}
		seen[f.MIME] = true
		s, ok := samples[f.MIME]
		if !ok {
			t.Errorf("%s is in extract.Formats but has no sample here: add one so sniffing is known to produce it", f.MIME)
			continue
		}
		b, err := os.ReadFile(filepath.Join(td, s.file))
		if err != nil {
			t.Fatal(err)
		}
		got, ext := Classify(b[:min(len(b), zipSniffBytes)], s.name)
		if got != f.MIME || ext != f.Ext {
			t.Errorf("%s sniffed as %q %q, want %q %q", s.file, got, ext, f.MIME, f.Ext)
		}
		if _, ok := extract.FormatOf(got); !ok {
			t.Errorf("sniffing accepts %q but extraction has no reader for it", got)
		}
	}
	for mime := range samples {
		if !seen[mime] {
			t.Errorf("sample for %s, which extract.Formats does not list", mime)
		}
	}
}
