package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
		res.Notes = append(res.Notes, fmt.Sprintf("text truncated to %d bytes", t.max))
	}
	return res
}

// extractText reads text/plain, text/markdown and text/csv. The encoding is
// found from a byte order mark (UTF-8, UTF-16LE, UTF-16BE), else the bytes
// are UTF-8 when valid, else Windows-1252 (a superset of ISO-8859-1).
func extractText(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	data, err := readInput(in, lim.MaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, note, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	tb := newTextBuilder(lim)
	_ = tb.write(s) // errTextFull is recorded in tb
	res := tb.result(1)
	if note != "" {
		res.Notes = append(res.Notes, note)
	}
	return res, nil
}

// decodeText turns bytes of unknown encoding into UTF-8; invalid sequences
// become U+FFFD. note names a guessed legacy encoding.
func decodeText(data []byte) (text, note string, err error) {
	var enc encoding.Encoding
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return strings.ToValidUTF8(string(data[3:]), "\uFFFD"), "", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case utf8.Valid(data):
		return string(data), "", nil
	default:
		enc, note = charmap.Windows1252, "text is not UTF-8; read as Windows-1252"
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", fmt.Errorf("%w: decode text: %w", ErrMalformed, err)
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), note, nil
}
