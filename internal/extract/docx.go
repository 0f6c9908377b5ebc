package extract

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

// wordRules read WordprocessingML: text lives in w:t (and a:t of drawings),
// deleted text and field codes are left out.
var wordRules = xmlRules{
	textIn:    set("t"),
	skip:      set("delText", "instrText", "fldData", "binData", "pict", "object", "tabs"),
	paragraph: set("p"),
	tab:       set("tab", "ptab"),
	lineBreak: set("br", "cr"),
	cell:      set("tc"),
	row:       set("tr"),
}

// extractDOCX reads the main document, then headers, footers, footnotes and
// endnotes. Pages comes from docProps/app.xml when Word recorded it.
func extractDOCX(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	z, err := openZip(in, lim)
	if err != nil {
		return nil, err
	}
	main := officeDocument(ctx, z, "word/document.xml")
	if !z.has(main) {
		return nil, fmt.Errorf("%w: DOCX without %s", ErrMalformed, main)
	}
	dir := path.Dir(main)
	parts := []string{main}
	for _, prefix := range []string{"header", "footer", "footnotes", "endnotes"} {
		var found []string
		for _, name := range z.order {
			base := path.Base(name)
			if path.Dir(name) == dir && strings.HasPrefix(base, prefix) && strings.HasSuffix(base, ".xml") {
				found = append(found, name)
			}
		}
		sortNumbered(found)
		parts = append(parts, found...)
	}
	tb := newTextBuilder(lim)
	var notes []string
	for i, name := range parts {
		if err := xmlPart(ctx, z, name, lim, &wordRules, tb); err != nil {
			if i == 0 || isStop(err) {
				return nil, fmt.Errorf("docx %s: %w", name, err)
			}
			notes = append(notes, fmt.Sprintf("%s skipped: %v", name, err))
		}
		if tb.full() {
			break
		}
		_ = tb.paragraph()
	}
	res := tb.result(appPages(ctx, z))
	res.Notes = append(res.Notes, notes...)
	return res, nil
}

// xmlPart streams one zip entry through xmlText.
func xmlPart(ctx context.Context, z *safeZip, name string, lim Limits, rules *xmlRules, tb *textBuilder) error {
	rc, err := z.open(ctx, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xmlText(ctx, rc, lim, rules, tb)
}

// officeDocument finds the main part from _rels/.rels, falling back to def.
func officeDocument(ctx context.Context, z *safeZip, def string) string {
	rels, err := readRels(ctx, z, "_rels/.rels", "")
	if err != nil {
		return def
	}
	for _, r := range rels {
		if strings.HasSuffix(r.Type, "/officeDocument") && z.has(r.Target) {
			return r.Target
		}
	}
	return def
}

// relationship is one entry of an OPC .rels part, Target resolved to a zip
// entry name.
type relationship struct {
	ID, Type, Target string
}

// readRels parses a .rels part. base is the directory targets are relative
// to. External and unsafe targets are dropped.
func readRels(ctx context.Context, z *safeZip, name, base string) ([]relationship, error) {
	data, err := z.readAll(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := rejectDoctype(data); err != nil {
		return nil, err
	}
	var doc struct {
		Rels []struct {
			ID         string `xml:"Id,attr"`
			Type       string `xml:"Type,attr"`
			Target     string `xml:"Target,attr"`
			TargetMode string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
	}
	var out []relationship
	for _, r := range doc.Rels {
		if r.TargetMode == "External" {
			continue
		}
		target := r.Target
		if strings.HasPrefix(target, "/") {
			target = target[1:]
		} else {
			target = path.Join(base, target)
		}
		if clean, ok := safeName(target); ok {
			out = append(out, relationship{ID: r.ID, Type: r.Type, Target: clean})
		}
	}
	return out, nil
}

// rejectDoctype refuses XML that declares a DOCTYPE, for the small parts
// read with xml.Unmarshal. Element depth there is bounded by the part size
// and encoding/xml's own unmarshal depth limit.
func rejectDoctype(data []byte) error {
	if bytes.Contains(data, []byte("<!DOCTYPE")) {
		return fmt.Errorf("%w: XML with a DOCTYPE is refused (entity expansion)", ErrMalformed)
	}
	return nil
}

// appPages reads the page or slide count Office stores in docProps/app.xml;
// 0 when absent.
func appPages(ctx context.Context, z *safeZip) int {
	if !z.has("docProps/app.xml") {
		return 0
	}
	data, err := z.readAll(ctx, "docProps/app.xml")
	if err != nil || rejectDoctype(data) != nil {
		return 0
	}
	var app struct {
		Pages int `xml:"Pages"`
	}
	if xml.Unmarshal(data, &app) != nil || app.Pages < 0 {
		return 0
	}
	return app.Pages
}

// sortNumbered orders names like header1.xml, header2.xml, header10.xml by
// their number.
func sortNumbered(names []string) {
	num := func(s string) int {
		base := strings.TrimSuffix(path.Base(s), ".xml")
		i := len(base)
		for i > 0 && base[i-1] >= '0' && base[i-1] <= '9' {
			i--
		}
		n, err := strconv.Atoi(base[i:])
		if err != nil {
			return -1
		}
		return n
	}
	sort.SliceStable(names, func(i, j int) bool {
		if a, b := num(names[i]), num(names[j]); a != b {
			return a < b
		}
		return names[i] < names[j]
	})
}

// isStop reports errors that end extraction (limits, ctx) as opposed to
// one broken optional part.
func isStop(err error) bool {
	return errors.Is(err, ErrLimit) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
