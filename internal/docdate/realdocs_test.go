package docdate

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/extract"
)

// Real documents, read by the real extractor: the PDFs and ODFs of the Debian
// documentation packages that CI installs (.ci/run) and the extractor's own
// fixtures. The expected date is the one printed on the title page (or the
// mail's Date header); "" means none may be found.
func TestGoldenRealDocuments(t *testing.T) {
	const odt = "application/vnd.oasis.opendocument.text"
	tests := []struct {
		path, pkg, mime, want string
	}{
		{"/usr/share/doc/graphviz/pdf/dotguide.pdf.gz", "graphviz-doc", "application/pdf", "2015-01-05"},
		{"/usr/share/doc/graphviz/pdf/neatoguide.pdf.gz", "graphviz-doc", "application/pdf", "2004-04-26"},
		{"/usr/share/doc/graphviz/pdf/dot.1.pdf.gz", "graphviz-doc", "application/pdf", "2015-01-12"},
		{"/usr/share/doc/graphviz/pdf/dottyguide.pdf.gz", "graphviz-doc", "application/pdf", "1996-06-24"}, // "96b (06-24-96)": only a month-first reading exists
		{"/usr/share/doc/libtasn1-doc/libtasn1.pdf", "libtasn1-doc", "application/pdf", "2022-08-18"},
		// The manuals' only full date is a build log line, in every language.
		{"/usr/share/doc/live-manual/odt/live-manual.en.odt", "live-manual-odf", odt, "2015-01-06"},
		{"/usr/share/doc/live-manual/odt/live-manual.de.odt", "live-manual-odf", odt, "2015-01-06"},
		{"/usr/share/doc/live-manual/odt/live-manual.fr.odt", "live-manual-odf", odt, "2015-01-06"},
		{"/usr/share/doc/live-manual/odt/live-manual.es.odt", "live-manual-odf", odt, "2015-01-06"},
		{"/usr/share/doc/live-manual/odt/live-manual.it.odt", "live-manual-odf", odt, "2015-01-06"},
		{"../extract/testdata/office/invoice.eml", "", "message/rfc822", "2024-03-04"}, // "fällig am 1. April" has no year
		{"../extract/testdata/office/newsletter.eml", "", "message/rfc822", "2024-03-05"},
		{"../extract/testdata/office/hand.docx", "", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"../extract/testdata/office/hand.odt", "", odt, ""},
		{"../extract/testdata/office/wordpad.rtf", "", "application/rtf", ""},
	}
	ex := newExtractor(t)
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			data := readDoc(t, tt.path, tt.pkg)
			res, err := ex.Extract(context.Background(), extract.Input{R: bytes.NewReader(data), Size: int64(len(data)),
				MIMEType: tt.mime, Filename: strings.TrimSuffix(filepath.Base(tt.path), ".gz")})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			check(t, tt.path, res.Text, Options{Now: now}, tt.want)
		})
	}
}

func newExtractor(t *testing.T) *extract.Extractor {
	t.Helper()
	ex, err := extract.New(extract.Config{
		CacheDir:   filepath.Join(os.TempDir(), "docuvault-test-wazero"), // shared with internal/extract's tests
		Workers:    1,
		OCRProgram: filepath.Join(t.TempDir(), "no-such-tesseract"),
	})
	if err != nil {
		t.Fatalf("extract.New: %v", err)
	}
	t.Cleanup(func() { _ = ex.Close() })
	return ex
}

// readDoc reads a fixture, gunzipping .gz; a missing Debian file skips the
// test locally and fails it in CI.
func readDoc(t *testing.T, path, pkg string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		if pkg == "" || os.Getenv("CI") == "true" {
			t.Fatalf("%s is required (apt-get install %s): %v", path, pkg, err)
		}
		t.Skipf("%s not found; apt-get install %s", path, pkg)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return data
}
