package extract

import (
	"context"
	"encoding/xml"
	"fmt"
	"path"
	"strings"
)

// drawingRules read the DrawingML text of slides: a:t runs in a:p
// paragraphs, table cells a:tc in rows a:tr.
var drawingRules = xmlRules{
	textIn:    set("t"),
	skip:      set("tabLst", "extLst"),
	paragraph: set("p"),
	lineBreak: set("br"),
	cell:      set("tc"),
	row:       set("tr"),
}

// extractPPTX reads the slides in presentation order (ppt/presentation.xml),
// or by slide number when that list is missing, separated by form feeds.
// Pages is the slide count; slides past lim.MaxPages are left out.
func extractPPTX(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	z, err := openZip(in, lim)
	if err != nil {
		return nil, err
	}
	slides, err := slideOrder(ctx, z)
	if err != nil {
		return nil, err
	}
	if len(slides) == 0 {
		return nil, fmt.Errorf("%w: PPTX without slides", ErrMalformed)
	}
	var notes []string
	total := len(slides)
	if total > lim.MaxPages {
		slides = slides[:lim.MaxPages]
		notes = append(notes, fmt.Sprintf("only the first %d of %d slides were read", lim.MaxPages, total))
	}
	tb := newTextBuilder(lim)
	for i, name := range slides {
		if i > 0 {
			if tb.pageBreak() != nil {
				break
			}
		}
		if err := xmlPart(ctx, z, name, lim, &drawingRules, tb); err != nil {
			return nil, fmt.Errorf("pptx %s: %w", name, err)
		}
		if tb.full() {
			break
		}
	}
	res := tb.result(total)
	res.Notes = append(res.Notes, notes...)
	return res, nil
}

// slideOrder lists the slide parts in the order of p:sldIdLst, resolved
// through the presentation's relationships; without them, every
// ppt/slides/slideN.xml by N.
func slideOrder(ctx context.Context, z *safeZip) ([]string, error) {
	pres := officeDocument(ctx, z, "ppt/presentation.xml")
	dir := path.Dir(pres)
	relsName := path.Join(dir, "_rels", path.Base(pres)+".rels")
	if z.has(pres) && z.has(relsName) {
		rels, err := readRels(ctx, z, relsName, dir)
		if isStop(err) {
			return nil, err
		}
		ids, perr := slideIDs(ctx, z, pres)
		if isStop(perr) {
			return nil, perr
		}
		if err == nil && perr == nil {
			byID := make(map[string]string, len(rels))
			for _, r := range rels {
				if strings.HasSuffix(r.Type, "/slide") {
					byID[r.ID] = r.Target
				}
			}
			var out []string
			for _, id := range ids {
				if t, ok := byID[id]; ok && z.has(t) {
					out = append(out, t)
				}
			}
			if len(out) > 0 {
				return out, nil
			}
		}
	}
	var out []string
	for _, name := range z.order {
		if path.Dir(name) == "ppt/slides" && strings.HasPrefix(path.Base(name), "slide") && strings.HasSuffix(name, ".xml") {
			out = append(out, name)
		}
	}
	sortNumbered(out)
	return out, nil
}

// slideIDs returns the r:id of every p:sldId in presentation.xml, in order.
func slideIDs(ctx context.Context, z *safeZip, name string) ([]string, error) {
	data, err := z.readAll(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := rejectDoctype(data); err != nil {
		return nil, err
	}
	var doc struct {
		IDs []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sldIdLst>sldId"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
	}
	var ids []string
	for _, s := range doc.IDs {
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && strings.Contains(a.Name.Space, "relationships") {
				ids = append(ids, a.Value)
			}
		}
	}
	return ids, nil
}
