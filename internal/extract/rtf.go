package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// rtfSkipped are destinations whose content is not document text.
var rtfSkipped = set("fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "objdata",
	"fldinst", "themedata", "colorschememapping", "datastore", "latentstyles", "listtable",
	"listoverridetable", "rsidtbl", "generator", "xmlnstbl", "mmathPr", "filetbl", "revtbl",
	"pgdsctbl", "bkmkstart", "bkmkend", "datafield", "nonshppict", "fontemb", "fontfile",
	"private", "userprops", "docvar", "wgrffmtfilter", "pnseclvl", "listpicture", "blipuid",
	"shpinst", "panose", "falt", "background", "passwordhash", "protusertbl", "xmlopen")

// rtfState is the part of the RTF state that groups save and restore.
type rtfState struct {
	skip bool // inside a skipped destination
	uc   int  // characters to skip after \uN
}

// rtfParser turns RTF into text.
type rtfParser struct {
	data    []byte
	pos     int
	tb      *textBuilder
	enc     encoding.Encoding
	pending []byte // code page bytes not yet decoded
	high    rune   // pending high surrogate of \uN
	skipN   int    // fallback characters still to skip after \uN
	stack   []rtfState
	st      rtfState
}

// extractRTF reads Rich Text Format: control words and groups, \'hh bytes
// in the \ansicpg code page, \uN characters. Font tables, styles, pictures,
// document info and other \* destinations are skipped. Group nesting deeper
// than lim.MaxXMLDepth is refused.
func extractRTF(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	data, err := readInput(in, lim.MaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(`{\rtf`)) {
		return nil, fmt.Errorf("%w: RTF does not start with {\\rtf", ErrMalformed)
	}
	p := &rtfParser{data: data, tb: newTextBuilder(lim), enc: charmap.Windows1252, st: rtfState{uc: 1}}
	if err := p.run(ctx, lim.MaxXMLDepth); err != nil && !errors.Is(err, errTextFull) {
		return nil, err
	}
	return p.tb.result(1), nil
}

func (p *rtfParser) run(ctx context.Context, maxDepth int) error {
	for n := 0; p.pos < len(p.data); n++ {
		if n%(64<<10) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c := p.data[p.pos]
		p.pos++
		var err error
		switch c {
		case '{':
			if len(p.stack) >= maxDepth {
				return fmt.Errorf("%w: RTF groups nested deeper than %d", ErrLimit, maxDepth)
			}
			p.stack = append(p.stack, p.st)
			p.skipN = 0
		case '}':
			if len(p.stack) == 0 {
				return fmt.Errorf("%w: RTF has an unmatched }", ErrMalformed)
			}
			err = p.flush()
			p.st = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			p.skipN = 0
			if len(p.stack) == 0 {
				return err // the document group is closed; ignore trailing bytes
			}
		case '\\':
			err = p.control()
		case '\r', '\n':
		default:
			err = p.char(c)
		}
		if err != nil {
			return err
		}
	}
	if err := p.flush(); err != nil {
		return err
	}
	return nil // unclosed groups are common in cut files: keep the text so far
}

// char adds one code page byte of text.
func (p *rtfParser) char(c byte) error {
	if p.st.skip {
		return nil
	}
	if p.skipN > 0 {
		p.skipN--
		return nil
	}
	p.pending = append(p.pending, c)
	if len(p.pending) >= 4096 {
		return p.flush()
	}
	return nil
}

// flush decodes the pending code page bytes.
func (p *rtfParser) flush() error {
	if len(p.pending) == 0 {
		return nil
	}
	out, err := p.enc.NewDecoder().Bytes(p.pending)
	p.pending = p.pending[:0]
	if err != nil {
		return fmt.Errorf("%w: RTF text: %w", ErrMalformed, err)
	}
	return p.tb.write(string(out))
}

// emit writes decoded text (after pending bytes).
func (p *rtfParser) emit(s string) error {
	if p.st.skip {
		return nil
	}
	if err := p.flush(); err != nil {
		return err
	}
	return p.tb.write(s)
}

// control handles what follows a backslash.
func (p *rtfParser) control() error {
	if p.pos >= len(p.data) {
		return nil
	}
	c := p.data[p.pos]
	p.pos++
	switch {
	case c == '\\' || c == '{' || c == '}':
		return p.char(c)
	case c == '\'':
		if p.pos+2 > len(p.data) {
			return fmt.Errorf("%w: RTF \\' escape cut short", ErrMalformed)
		}
		v, err := strconv.ParseUint(string(p.data[p.pos:p.pos+2]), 16, 8)
		if err != nil {
			return fmt.Errorf("%w: RTF \\' escape %q", ErrMalformed, p.data[p.pos:p.pos+2])
		}
		p.pos += 2
		return p.char(byte(v))
	case c == '*':
		p.st.skip = true // ignorable destination we do not know
		return nil
	case c == '~':
		return p.emit("\u00a0")
	case c == '_':
		return p.emit("-")
	case c == '-':
		return nil
	case c == '\r' || c == '\n':
		return p.emit("\n")
	case isLetter(c):
		start := p.pos - 1
		for p.pos < len(p.data) && isLetter(p.data[p.pos]) && p.pos-start < 32 {
			p.pos++
		}
		word := string(p.data[start:p.pos])
		num, hasNum := 0, false
		nstart := p.pos
		if p.pos < len(p.data) && p.data[p.pos] == '-' {
			p.pos++
		}
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
		}
		if s := string(p.data[nstart:p.pos]); s != "" && s != "-" {
			n, err := strconv.Atoi(s)
			if err != nil || n > 1<<20 || n < -(1<<20) {
				n = 0 // out of range parameters are ignored
			}
			num, hasNum = n, true
		} else {
			p.pos = nstart
		}
		if p.pos < len(p.data) && p.data[p.pos] == ' ' {
			p.pos++
		}
		return p.word(word, num, hasNum)
	}
	return nil // other control symbols carry no text
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// word handles one control word.
func (p *rtfParser) word(w string, n int, hasNum bool) error {
	if w != "u" {
		p.skipN = 0
		if p.high != 0 {
			p.high = 0
		}
	}
	switch w {
	case "par", "line", "row", "sect", "page":
		if err := p.flush(); err != nil || p.st.skip {
			return err
		}
		return p.tb.newline()
	case "tab", "cell":
		return p.emit("\t")
	case "emdash":
		return p.emit("—")
	case "endash":
		return p.emit("–")
	case "bullet":
		return p.emit("•")
	case "lquote":
		return p.emit("‘")
	case "rquote":
		return p.emit("’")
	case "ldblquote":
		return p.emit("“")
	case "rdblquote":
		return p.emit("”")
	case "uc":
		if hasNum && n >= 0 && n < 10 {
			p.st.uc = n
		}
	case "u":
		if !hasNum {
			return nil
		}
		if n < 0 {
			n += 65536
		}
		r := rune(n)
		s := ""
		switch {
		case utf16.IsSurrogate(r) && r < 0xDC00:
			p.high = r
		case utf16.IsSurrogate(r) && p.high != 0:
			s = string(utf16.DecodeRune(p.high, r))
			p.high = 0
		default:
			p.high = 0
			s = string(r)
		}
		err := p.emit(s)
		p.skipN = p.st.uc
		return err
	case "ansicpg":
		if err := p.flush(); err != nil {
			return err
		}
		if enc := codePage(n); enc != nil {
			p.enc = enc
		}
	case "mac":
		p.enc = charmap.Macintosh
	case "pc":
		p.enc = charmap.CodePage437
	case "pca":
		p.enc = charmap.CodePage850
	default:
		if rtfSkipped[w] {
			p.st.skip = true
		}
	}
	return nil
}

// codePage maps a Windows code page number to its single-byte charmap; nil
// for unknown or multi-byte code pages (the text then stays Windows-1252).
func codePage(n int) encoding.Encoding {
	switch n {
	case 437:
		return charmap.CodePage437
	case 850:
		return charmap.CodePage850
	case 852:
		return charmap.CodePage852
	case 866:
		return charmap.CodePage866
	case 874:
		return charmap.Windows874
	case 1250:
		return charmap.Windows1250
	case 1251:
		return charmap.Windows1251
	case 1252:
		return charmap.Windows1252
	case 1253:
		return charmap.Windows1253
	case 1254:
		return charmap.Windows1254
	case 1255:
		return charmap.Windows1255
	case 1256:
		return charmap.Windows1256
	case 1257:
		return charmap.Windows1257
	case 1258:
		return charmap.Windows1258
	case 10000:
		return charmap.Macintosh
	case 20866:
		return charmap.KOI8R
	case 28591:
		return charmap.ISO8859_1
	case 28592:
		return charmap.ISO8859_2
	case 28595:
		return charmap.ISO8859_5
	case 28597:
		return charmap.ISO8859_7
	case 28605:
		return charmap.ISO8859_15
	}
	return nil
}
