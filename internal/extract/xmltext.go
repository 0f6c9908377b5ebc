package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// xmlRules say how the elements of one XML vocabulary become text. Element
// names are local names (the namespace prefix is ignored).
type xmlRules struct {
	// textIn, when set, limits character data to the elements it names
	// (w:t in WordprocessingML, a:t in DrawingML); otherwise all character
	// data outside skip is text.
	textIn map[string]bool
	// skip names elements whose whole subtree is ignored.
	skip map[string]bool
	// paragraph names elements that end with a line break.
	paragraph map[string]bool
	// tab and lineBreak name empty elements that stand for "\t" and "\n".
	tab, lineBreak map[string]bool
	// cell and row name table elements: a cell ends with a tab, a row with
	// a line break; paragraphs inside a cell end with a space instead.
	cell, row map[string]bool
	// spaces names an element with a count attribute "c" (ODF text:s).
	spaces string
	// onStart, when set, sees every start element (for counting pages).
	onStart func(xml.StartElement)
	// onEnd, when set, runs after an element ends and may write separators.
	onEnd func(name string, tb *textBuilder) error
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// xmlText streams the XML in r into tb under the rules. It rejects a
// DOCTYPE (office XML never has one, and it is where entity bombs live),
// refuses nesting deeper than lim.MaxXMLDepth and stops quietly once tb is
// full. encoding/xml never expands external or custom entities: Decoder.Entity
// stays nil, so an undefined entity is a syntax error.
func xmlText(ctx context.Context, r io.Reader, lim Limits, rules *xmlRules, tb *textBuilder) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.Entity = nil
	var (
		depth     int
		skipDepth int // depth of the skipped element we are in, 0 when none
		textDepth int // depth of the innermost text element, 0 when none
		cellDepth int
		n         int
	)
	for {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := d.Token()
		if err == io.EOF {
			if depth != 0 {
				return fmt.Errorf("%w: XML ends inside an element", ErrMalformed)
			}
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrLimit) || errors.Is(err, ErrMalformed) || errors.Is(err, context.Canceled) ||
				errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return fmt.Errorf("%w: XML: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if strings.HasPrefix(strings.TrimSpace(string(t)), "DOCTYPE") {
				return fmt.Errorf("%w: XML with a DOCTYPE is refused (entity expansion)", ErrMalformed)
			}
		case xml.StartElement:
			depth++
			if depth > lim.MaxXMLDepth {
				return fmt.Errorf("%w: XML nested deeper than %d elements", ErrLimit, lim.MaxXMLDepth)
			}
			if skipDepth > 0 {
				continue
			}
			name := t.Name.Local
			if rules.onStart != nil {
				rules.onStart(t)
			}
			switch {
			case rules.skip[name]:
				skipDepth = depth
			case rules.textIn[name]:
				textDepth = depth
			case rules.tab[name]:
				err = tb.write("\t")
			case rules.lineBreak[name]:
				err = tb.newline()
			case rules.cell[name]:
				if cellDepth == 0 {
					cellDepth = depth
				}
			case name == rules.spaces:
				c := 1
				for _, a := range t.Attr {
					if a.Name.Local == "c" {
						if v, perr := strconv.Atoi(a.Value); perr == nil {
							c = min(max(v, 1), 80)
						}
					}
				}
				err = tb.write(strings.Repeat(" ", c))
			}
		case xml.EndElement:
			name := t.Name.Local
			switch {
			case depth == 0:
				return fmt.Errorf("%w: XML end element </%s> without start", ErrMalformed, name)
			case skipDepth > 0:
				if depth == skipDepth {
					skipDepth = 0
				}
			case rules.paragraph[name] && cellDepth > 0:
				err = tb.text(" ")
			case rules.paragraph[name]:
				err = tb.newline()
			case rules.cell[name] && depth == cellDepth:
				cellDepth = 0
				tb.trimSpace()
				err = tb.write("\t")
			case rules.row[name] && cellDepth == 0:
				err = tb.newline()
			}
			if err == nil && skipDepth == 0 && rules.onEnd != nil {
				err = rules.onEnd(name, tb)
			}
			if depth == textDepth {
				textDepth = 0
			}
			depth--
		case xml.CharData:
			if skipDepth == 0 && depth > 0 && (rules.textIn == nil || textDepth > 0) {
				if rules.textIn != nil {
					err = tb.write(string(t)) // text runs keep their spaces exactly
				} else {
					err = tb.text(string(t))
				}
			}
		}
		if errors.Is(err, errTextFull) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
