// Package extract turns a stored document into searchable text, a page count,
// a language guess and a first-page thumbnail. There is one file per format;
// every extractor works under Limits on time, pages, entries and
// decompressed size, so a hostile file fails only its own document.
package extract

import (
	"errors"
	"io"
	"time"
)

// Errors returned by extractors. Callers check them with errors.Is.
var (
	// ErrUnsupported means no extractor handles the MIME type.
	ErrUnsupported = errors.New("extract: unsupported format")
	// ErrLimit means the input exceeded a configured limit (size, entries,
	// depth, pages or time). The error text says which one.
	ErrLimit = errors.New("extract: limit exceeded")
	// ErrMalformed means the input is not a valid file of its claimed format.
	ErrMalformed = errors.New("extract: malformed input")
)

// Limits bound the work spent on one document.
type Limits struct {
	MaxDecompressedBytes int64         // total bytes read out of containers (zip) and streams; text files and emails past it are read in part, other files fail
	MaxEntries           int           // entries in a zip container
	MaxXMLDepth          int           // element nesting depth in XML parts
	MaxPages             int           // pages read from paged formats
	MaxTextBytes         int           // extracted text kept (the rest is dropped)
	MaxImagePixels       int64         // width*height of a decoded image (decompression bombs)
	Timeout              time.Duration // wall-clock time for one document
	OCRMaxPages          int           // pages sent to OCR
	OCRPageTimeout       time.Duration // time for one OCR page
}

// DefaultLimits are generous for real papers and small for bombs.
func DefaultLimits() Limits {
	return Limits{
		MaxDecompressedBytes: 256 << 20,
		MaxEntries:           10000,
		MaxXMLDepth:          256,
		MaxPages:             2000,
		MaxTextBytes:         16 << 20,
		MaxImagePixels:       100_000_000,
		Timeout:              5 * time.Minute,
		OCRMaxPages:          50,
		OCRPageTimeout:       60 * time.Second,
	}
}

// Input is one document to extract.
type Input struct {
	R        io.ReaderAt // the file; for a format read as a stream, its first Extractor.PrefixBytes at least
	Size     int64       // the whole file's size
	MIMEType string      // sniffed type, e.g. "application/pdf"
	Filename string      // for messages only; never trusted for the type
}

// Result is what extraction learned about a document.
type Result struct {
	Text      string   // plain UTF-8 text, pages separated by form feeds where paged
	Pages     int      // page count (1 for unpaged formats)
	Language  string   // ISO 639-1 code ("en", "de", ...) or "" when unknown
	Thumbnail []byte   // PNG of the first page, nil when none could be made
	Notes     []string // human-readable notes, e.g. "OCR not available: tesseract is not installed"
	Title     string   // the document's own title (a PDF's Title or XMP dc:title), "" when none
	// Truncated says Text is the start of the document's text only: a
	// limit (MaxTextBytes, or MaxDecompressedBytes for a text file or an
	// email read as a stream) cut it. Notes say which.
	Truncated bool
}
