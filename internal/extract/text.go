package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// errTextFull stops a parser once the text builder holds MaxTextBytes; it
// never leaves the package.
var errTextFull = errors.New("extract: text limit reached")

// textBuilder collects extracted text up to a byte limit. It keeps the text
// valid UTF-8 without NUL bytes (PostgreSQL refuses them), collapses runs of
// blank lines and remembers when it had to cut.
type textBuilder struct {
	b         bytes.Buffer // Truncate cuts trailing space in place: a rebuild per paragraph was quadratic
	max       int
	truncated bool
	newlines  int // trailing newlines written
	space     bool
}

func newTextBuilder(lim Limits) *textBuilder { return &textBuilder{max: lim.MaxTextBytes} }

// dropControls removes C0 control characters other than tab, newline,
// carriage return and form feed, and DEL. NUL in particular cannot be
// stored in PostgreSQL text.
func dropControls(s string) string {
	bad := func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' || r == 0x7f }
	if strings.IndexFunc(s, bad) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if bad(r) {
			return -1
		}
		return r
	}, s)
}

// full reports whether no more text fits.
func (t *textBuilder) full() bool { return t.truncated }

// write appends s as is (after sanitising). It returns errTextFull once the
// limit is reached.
func (t *textBuilder) write(s string) error {
	if t.truncated {
		return errTextFull
	}
	if s == "" {
		return nil
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = dropControls(s)
	if t.b.Len()+len(s) > t.max {
		t.b.WriteString(truncateUTF8(s, t.max-t.b.Len()))
		t.truncated = true
		return errTextFull
	}
	t.b.WriteString(s)
	if trimmed := strings.TrimRight(s, "\n"); trimmed != "" {
		t.newlines = len(s) - len(trimmed)
	} else {
		t.newlines += len(s)
	}
	t.space = strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\t")
	return nil
}

// text appends flowing text, turning every run of white space into one
// space, the way HTML and XML text runs are read.
func (t *textBuilder) text(s string) error {
	var out strings.Builder
	space := t.space || t.newlines > 0 || t.b.Len() == 0
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
			if !space {
				out.WriteByte(' ')
				space = true
			}
			continue
		}
		out.WriteRune(r)
		space = false
	}
	return t.write(out.String())
}

// newline ends the current line; at most one empty line is kept between
// paragraphs and none at the start.
func (t *textBuilder) newline() error { return t.breakLine(1) }

// paragraph ends the current paragraph with an empty line.
func (t *textBuilder) paragraph() error { return t.breakLine(2) }

func (t *textBuilder) breakLine(n int) error {
	if t.b.Len() == 0 {
		return nil
	}
	t.trimSpace()
	if t.newlines >= n {
		return nil
	}
	return t.write(strings.Repeat("\n", n-t.newlines))
}

// pageBreak ends the page with a form feed; the next page starts without
// empty lines.
func (t *textBuilder) pageBreak() error {
	t.b.Truncate(len(bytes.TrimRight(t.b.Bytes(), " \t\n")))
	if err := t.write("\f"); err != nil {
		return err
	}
	t.newlines = 2
	return nil
}

// trimSpace drops trailing spaces and tabs of the current line.
func (t *textBuilder) trimSpace() {
	s := t.b.Bytes()
	if trimmed := bytes.TrimRight(s, " \t"); len(trimmed) != len(s) {
		t.b.Truncate(len(trimmed))
		t.space = false
	}
}

// result builds the Result, noting a truncation.
func (t *textBuilder) result(pages int) *Result {
	res := &Result{Text: strings.TrimSpace(t.b.String()), Pages: max(pages, 1)}
	if t.truncated {
		res.Truncated = true
		res.Notes = append(res.Notes, fmt.Sprintf("text truncated to %d bytes", t.max))
	}
	return res
}

// textChunk is how much of a text file is read at a time, and textSniff
// how much of its start decides its encoding.
const (
	textChunk = 64 << 10
	textSniff = 1 << 20
)

// extractText reads text/plain, text/markdown and text/csv as a stream: it
// stops once MaxTextBytes of text are collected, and never reads more than
// MaxDecompressedBytes of the file, so a file of any size costs bounded
// memory and time. A file cut short that way gives the text of its start
// and Result.Truncated. The encoding is found from a byte order mark
// (UTF-8, UTF-16LE, UTF-16BE), else the file's first MiB decides: UTF-8
// when valid, else Windows-1252 (a superset of ISO-8859-1).
func extractText(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	size, cut := in.Size, false
	if size > lim.MaxDecompressedBytes {
		size, cut = lim.MaxDecompressedBytes, true
	}
	src := io.NewSectionReader(in.R, 0, size)
	head := make([]byte, min(size, textSniff))
	if _, err := io.ReadFull(src, head); err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	r, note := textDecoder(head, io.MultiReader(bytes.NewReader(head), src), !cut && size <= textSniff)
	tb := newTextBuilder(lim)
	if err := streamText(ctx, r, tb, cut); err != nil {
		return nil, err
	}
	res := tb.result(1)
	if cut && !tb.full() {
		res.Truncated = true
		res.Notes = append(res.Notes, fmt.Sprintf("only the first %d bytes of the file were read", lim.MaxDecompressedBytes))
	}
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	return res, nil
}

// textDecoder returns r decoded to UTF-8, choosing the encoding from head,
// the start of r (all of it when whole). note names a guessed legacy
// encoding.
func textDecoder(head []byte, r io.Reader, whole bool) (io.Reader, string) {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = io.CopyN(io.Discard, r, 3)
		return r, ""
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case validUTF8Prefix(head, whole):
		return r, ""
	default:
		return charmap.Windows1252.NewDecoder().Reader(r), "text is not UTF-8; read as Windows-1252"
	}
	return enc.NewDecoder().Reader(r), ""
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a character
// cut at its end unless b is the whole input.
func validUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			return utf8.Valid(b[:len(b)-i])
		}
	}
	return false
}

// streamText writes the UTF-8 text of r into tb chunk by chunk, with line
// ends made "\n", until r ends or tb is full. A character or a "\r\n"
// across two chunks is kept whole; invalid bytes become U+FFFD. When r is
// the start of a file that was cut, a character cut at its end is dropped.
func streamText(ctx context.Context, r io.Reader, tb *textBuilder, cut bool) error {
	buf := make([]byte, textChunk)
	var carry []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := io.ReadFull(r, buf[len(carry):])
		copy(buf, carry)
		chunk := buf[:len(carry)+n]
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !eof {
			return fmt.Errorf("%w: read text: %w", ErrMalformed, rerr)
		}
		keep := 0
		if !eof || cut {
			keep = textTail(chunk)
		}
		carry = append(carry[:0], chunk[len(chunk)-keep:]...)
		s := string(chunk[:len(chunk)-keep])
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		if tb.write(s) != nil || eof {
			return nil // errTextFull is recorded in tb
		}
	}
}

// textTail is how many bytes at the end of b belong with the next chunk: a
// character not yet complete, or a "\r" that may start a "\r\n".
func textTail(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return 1
	}
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if !utf8.RuneStart(c) {
			continue
		}
		if c >= utf8.RuneSelf && !utf8.FullRune(b[len(b)-i:]) {
			return i
		}
		return 0
	}
	return 0
}
