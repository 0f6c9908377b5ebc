package document

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/docuvault/docuvault/internal/blob"
)

// maxFilenameBytes bounds a stored filename.
const maxFilenameBytes = 255

// CleanFilename is the form a client's filename is stored in: NFC
// normalised, control and bidirectional-override characters removed, any
// directory part dropped, at most 255 bytes. It is only ever shown as text
// and sent back in Content-Disposition; it never names a file on disk.
func CleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r):
			continue
		case unicode.Is(unicode.Bidi_Control, r), r == '\u200B', r == '\uFEFF':
			continue
		case r == '/' || r == '\\':
			b.Reset() // keep only the last path element
			continue
		}
		b.WriteRune(r)
	}
	// Spaces and dots are trimmed together, and again after truncation, so
	// that cleaning a cleaned name changes nothing (" . a" and a cut that
	// ends in a space were not stable).
	// NFC after the characters are dropped: a control between a letter and
	// its combining mark kept them apart, and would compose on a second pass.
	edge := func(r rune) bool { return unicode.IsSpace(r) || r == '.' }
	out := strings.TrimFunc(norm.NFC.String(b.String()), edge)
	for len(out) > maxFilenameBytes {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	out = strings.TrimFunc(out, edge)
	if out == "" {
		out = "document"
	}
	return out
}

// TitleFromFilename is a document's default title.
func TitleFromFilename(name string) string {
	t := strings.TrimSpace(strings.TrimSuffix(name, path.Ext(name)))
	if t == "" {
		return name
	}
	return t
}

// ContentDisposition builds an RFC 6266 attachment header with an ASCII
// fallback and the exact UTF-8 name (the same header presigned downloads get).
func ContentDisposition(filename string) string { return blob.ContentDisposition(filename) }
