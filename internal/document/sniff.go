package document

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"github.com/docuvault/docuvault/internal/extract"
)

// sniffBytes is how much of a file the type check reads; zipSniffBytes is
// how much it reads of a ZIP archive whose office type is not in its first
// entry (ODF files without a leading "mimetype" entry, OOXML files whose
// [Content_Types].xml comes late).
const (
	sniffBytes    = 3072
	zipSniffBytes = 64 << 10
)

// sniff reads the head of r and decides the document type from its content.
// The filename may only refine plain text into Markdown or CSV; it never
// makes a binary acceptable. It returns a reader that still yields every byte.
func sniff(r io.Reader, filename string) (mimeType, ext string, all io.Reader, err error) {
	br := bufio.NewReaderSize(r, zipSniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", "", nil, err
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		if head, err = br.Peek(zipSniffBytes); err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return "", "", nil, err
		}
	}
	mt, ext := Classify(head, filename)
	return mt, ext, br, nil
}

// Classify returns the allowed MIME type and key extension of content whose
// first bytes are head, or "" when the type is not accepted.
func Classify(head []byte, filename string) (string, string) {
	// Only the detected type itself counts, not its parents: SVG, JSON or
	// XML are text too, but they are not accepted as plain text.
	base := mimetype.Detect(head[:min(len(head), sniffBytes)]).String()
	if i := strings.IndexByte(base, ';'); i >= 0 {
		base = base[:i]
	}
	if base == "application/zip" {
		base = zipOfficeType(head)
	}
	f, ok := extract.FormatOf(base)
	if !ok {
		return "", ""
	}
	base, ext := f.MIME, f.Ext
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

// odfRootType finds the media type of the package root in an ODF manifest.
var odfRootType = regexp.MustCompile(`<manifest:file-entry\b[^>]*\bmanifest:full-path="/"[^>]*>`)
var odfMediaType = regexp.MustCompile(`\bmanifest:media-type="([^"]+)"`)

// zipOfficeType reads the local file headers in a ZIP archive's first bytes
// and returns the office type they announce: the stored "mimetype" entry or
// the root of META-INF/manifest.xml (ODF), or the part names and
// [Content_Types].xml (OOXML). It returns "" for any other archive. Entries
// whose sizes follow in a data descriptor are read up to the end of their
// deflate stream, or for a stored one up to the next header.
func zipOfficeType(head []byte) string {
	const maxEntry = 32 << 10 // most bytes of one entry inflated while sniffing
	sig := []byte("PK\x03\x04")
	for off := 0; ; {
		i := bytes.Index(head[off:], sig)
		if i < 0 {
			return ""
		}
		h := head[off+i:]
		off += i + len(sig)
		if len(h) < 30 {
			return ""
		}
		flags := binary.LittleEndian.Uint16(h[6:])
		method := binary.LittleEndian.Uint16(h[8:])
		csize := int(binary.LittleEndian.Uint32(h[18:]))
		nameLen := int(binary.LittleEndian.Uint16(h[26:]))
		extraLen := int(binary.LittleEndian.Uint16(h[28:]))
		if 30+nameLen+extraLen > len(h) {
			return ""
		}
		name := string(h[30 : 30+nameLen])
		body := h[30+nameLen+extraLen:]
		switch {
		case strings.HasPrefix(name, "word/"):
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case strings.HasPrefix(name, "xl/"):
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case strings.HasPrefix(name, "ppt/"):
			return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
		}
		if flags&0x8 == 0 && csize < len(body) {
			body = body[:csize]
		}
		read := func() []byte {
			switch method {
			case 0:
				if j := bytes.Index(body, []byte("PK")); flags&0x8 != 0 && j >= 0 {
					return body[:min(j, maxEntry)]
				}
				return body[:min(len(body), maxEntry)]
			case 8:
				b, _ := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(body)), maxEntry))
				return b
			}
			return nil
		}
		switch name {
		case "mimetype":
			if t := strings.TrimSpace(string(read())); strings.HasPrefix(t, "application/vnd.oasis.opendocument.") {
				return t
			}
		case "META-INF/manifest.xml":
			if m := odfRootType.Find(read()); m != nil {
				if t := odfMediaType.FindSubmatch(m); t != nil && bytes.HasPrefix(t[1], []byte("application/vnd.oasis.opendocument.")) {
					return string(t[1])
				}
			}
		case "[Content_Types].xml":
			ct := string(read())
			for _, p := range []struct{ marker, typ string }{
				{"wordprocessingml.document.main+xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
				{"spreadsheetml.sheet.main+xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
				{"presentationml.presentation.main+xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
			} {
				if strings.Contains(ct, p.marker) {
					return p.typ
				}
			}
		}
	}
}
