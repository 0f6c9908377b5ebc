package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzLimits keep one fuzz input cheap.
func fuzzLimits() Limits {
	return withDefaults(Limits{MaxPages: 20, MaxImagePixels: 4 << 20, Timeout: 20 * time.Second, MaxTextBytes: 1 << 20})
}

// addSeeds adds every testdata file with one of the extensions.
func addSeeds(f *testing.F, exts ...string) [][]byte {
	var seeds [][]byte
	for _, ext := range exts {
		files, _ := filepath.Glob(filepath.Join("testdata", "*"+ext))
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	if len(seeds) == 0 {
		f.Fatalf("no seeds for %v in testdata", exts)
	}
	return seeds
}

// acceptable is the set of errors a hostile input may produce.
func acceptable(err error) bool {
	return err == nil || errors.Is(err, ErrMalformed) || errors.Is(err, ErrLimit) ||
		errors.Is(err, context.DeadlineExceeded)
}

// FuzzPDF feeds arbitrary bytes to the PDF extractor (without the panic
// guard of Extract, so a panic is a finding).
func FuzzPDF(f *testing.F) {
	for _, s := range addSeeds(f, ".pdf") {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"))
	e := newTestExtractor(f, false, Limits{})
	lim := fuzzLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), lim.Timeout)
		defer cancel()
		res, err := e.extractPDF(ctx, input(data, "application/pdf", "fuzz.pdf"), lim)
		if !acceptable(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err != nil {
			return
		}
		if res.Pages < 1 || strings.Count(res.Text, "\f")+1 > min(res.Pages, lim.MaxPages) {
			t.Fatalf("Pages = %d with %d text pages", res.Pages, strings.Count(res.Text, "\f")+1)
		}
		if !utf8.ValidString(res.Text) {
			t.Fatalf("text is not UTF-8: %q", res.Text)
		}
	})
}

// FuzzImage feeds arbitrary bytes to the image extractor as each format.
func FuzzImage(f *testing.F) {
	mimes := []string{"image/png", "image/jpeg", "image/gif", "image/tiff", "image/webp"}
	for _, s := range addSeeds(f, ".png", ".jpg", ".gif", ".tiff", ".webp") {
		for i := range mimes {
			f.Add(s, uint8(i))
		}
	}
	f.Add(pngHeader(100000, 100000), uint8(0))
	e := newTestExtractor(f, false, Limits{})
	lim := fuzzLimits()
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		mime := mimes[int(kind)%len(mimes)]
		res, err := e.extractImage(context.Background(), input(data, mime, "fuzz"), lim)
		if !acceptable(err) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil && (res.Pages != 1 || res.Thumbnail == nil) {
			t.Fatalf("Pages = %d, thumbnail %d bytes", res.Pages, len(res.Thumbnail))
		}
	})
}
