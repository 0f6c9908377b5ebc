package document

import (
	"bufio"
	"io"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// sniffBytes is how much of a file the type check reads.
const sniffBytes = 3072

// allowed maps sniffed MIME types to the type stored and the extension of
// the object key. Anything else is refused with 415.
var allowed = map[string]string{
	"application/pdf": ".pdf",
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	"image/tiff":      ".tiff",
	"image/webp":      ".webp",
	"image/gif":       ".gif",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/vnd.oasis.opendocument.text":                                   ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            ".ods",
	"application/vnd.oasis.opendocument.presentation":                           ".odp",
	"text/rtf":       ".rtf",
	"text/html":      ".html",
	"text/plain":     ".txt",
	"text/markdown":  ".md",
	"text/csv":       ".csv",
	"message/rfc822": ".eml",
}

// sniff reads the head of r and decides the document type from its content.
// The filename may only refine plain text into Markdown or CSV; it never
// makes a binary acceptable. It returns a reader that still yields every byte.
func sniff(r io.Reader, filename string) (mimeType, ext string, all io.Reader, err error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", "", nil, err
	}
	mt, ext := Classify(head, filename)
	return mt, ext, br, nil
}

// Classify returns the allowed MIME type and key extension of content whose
// first bytes are head, or "" when the type is not accepted.
func Classify(head []byte, filename string) (string, string) {
	// Only the detected type itself counts, not its parents: SVG, JSON or
	// XML are text too, but they are not accepted as plain text.
	base := mimetype.Detect(head).String()
	if i := strings.IndexByte(base, ';'); i >= 0 {
		base = base[:i]
	}
	if base == "application/rtf" {
		base = "text/rtf"
	}
	ext, ok := allowed[base]
	if !ok {
		return "", ""
	}
	if base == "text/plain" {
		switch strings.ToLower(path.Ext(filename)) {
		case ".md", ".markdown":
			return "text/markdown", ".md"
		case ".csv":
			return "text/csv", ".csv"
		}
	}
	return base, ext
}
