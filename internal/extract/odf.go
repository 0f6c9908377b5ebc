package extract

import (
	"context"
	"encoding/xml"
	"fmt"
)

// extractODF reads content.xml of an OpenDocument text, spreadsheet or
// presentation. Sheets and slides are separated by form feeds and counted
// as pages; a text document has one page.
func extractODF(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	z, err := openZip(in, lim)
	if err != nil {
		return nil, err
	}
	if !z.has("content.xml") {
		return nil, fmt.Errorf("%w: OpenDocument without content.xml", ErrMalformed)
	}
	var (
		kind   string // "text", "spreadsheet", "presentation", ...
		pages  int    // sheets or slides seen
		inBody bool
	)
	rules := odfRules()
	rules.onStart = func(se xml.StartElement) {
		switch {
		case se.Name.Local == "body":
			inBody = true
		case inBody && kind == "":
			kind = se.Name.Local
		case inBody && (kind == "spreadsheet" && se.Name.Local == "table" ||
			kind == "presentation" && se.Name.Local == "page"):
			pages++
		}
	}
	rules.onEnd = func(name string, tb *textBuilder) error {
		if kind == "spreadsheet" && name == "table" || kind == "presentation" && name == "page" {
			if pages >= lim.MaxPages {
				return errPagesDone
			}
			return tb.pageBreak()
		}
		return nil
	}
	tb := newTextBuilder(lim)
	var notes []string
	if err := xmlPart(ctx, z, "content.xml", lim, &rules, tb); err == errPagesDone {
		notes = append(notes, fmt.Sprintf("only the first %d sheets or slides were read", lim.MaxPages))
	} else if err != nil {
		return nil, fmt.Errorf("odf content.xml: %w", err)
	}
	res := tb.result(pages)
	if kind == "text" {
		res.Pages = 1
	}
	res.Notes = append(res.Notes, notes...)
	return res, nil
}

// errPagesDone stops reading once MaxPages sheets or slides are in.
var errPagesDone = fmt.Errorf("extract: page limit reached")

// odfRules read ODF content.xml: all character data of the body, styles and
// scripts left out.
func odfRules() xmlRules {
	return xmlRules{
		skip: set("automatic-styles", "font-face-decls", "scripts", "tracked-changes",
			"forms", "binary-data", "named-expressions", "database-ranges", "calculation-settings"),
		paragraph: set("p", "h", "list-item"),
		tab:       set("tab"),
		lineBreak: set("line-break"),
		cell:      set("table-cell", "covered-table-cell"),
		row:       set("table-row"),
		spaces:    "s",
	}
}
