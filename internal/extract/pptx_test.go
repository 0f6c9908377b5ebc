package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const nsA = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="` + nsRel + `"`

// slideXML is a slide with a title and body paragraphs.
func slideXML(title string, body ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:sld ` + nsA + `><p:cSld><p:spTree>`)
	b.WriteString(`<p:sp><p:txBody><a:bodyPr/><a:lstStyle><a:lvl1pPr><a:tabLst><a:tab pos="1" algn="l"/></a:tabLst></a:lvl1pPr></a:lstStyle>`)
	b.WriteString(`<a:p><a:r><a:rPr lang="en-US"/><a:t>` + title + `</a:t></a:r></a:p></p:txBody></p:sp>`)
	b.WriteString(`<p:sp><p:txBody>`)
	for _, l := range body {
		b.WriteString(`<a:p><a:r><a:t>` + l + `</a:t></a:r></a:p>`)
	}
	b.WriteString(`</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`)
	return b.String()
}

// handPPTX has three slides whose presentation order (3, 1, 2) differs
// from their file numbers, as after moving slides in PowerPoint.
func handPPTX(t testing.TB) []byte {
	table := `<p:sld ` + nsA + `><p:cSld><p:spTree><p:graphicFrame><a:graphic><a:graphicData><a:tbl>` +
		`<a:tr><a:tc><a:txBody><a:p><a:r><a:t>Quarter</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>Revenue</a:t></a:r></a:p></a:txBody></a:tc></a:tr>` +
		`<a:tr><a:tc><a:txBody><a:p><a:r><a:t>Q1</a:t></a:r></a:p></a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>1.2 M</a:t></a:r></a:p></a:txBody></a:tc></a:tr>` +
		`</a:tbl></a:graphicData></a:graphic></p:graphicFrame></p:spTree></p:cSld></p:sld>`
	return buildZip(t,
		zipEntry{name: "[Content_Types].xml", body: `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		zipEntry{name: "_rels/.rels", body: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="ppt/presentation.xml"/></Relationships>`},
		zipEntry{name: "ppt/presentation.xml", body: `<p:presentation ` + nsA + `><p:sldIdLst>` +
			`<p:sldId id="256" r:id="rId4"/><p:sldId id="257" r:id="rId2"/><p:sldId id="258" r:id="rId3"/></p:sldIdLst></p:presentation>`},
		zipEntry{name: "ppt/_rels/presentation.xml.rels", body: `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId2" Type="` + nsRel + `/slide" Target="slides/slide1.xml"/>` +
			`<Relationship Id="rId3" Type="` + nsRel + `/slide" Target="slides/slide2.xml"/>` +
			`<Relationship Id="rId4" Type="` + nsRel + `/slide" Target="/ppt/slides/slide3.xml"/>` +
			`<Relationship Id="rId9" Type="` + nsRel + `/hyperlink" Target="https://example.com/" TargetMode="External"/></Relationships>`},
		zipEntry{name: "ppt/slides/slide1.xml", body: slideXML("Agenda", "Welcome", "Numbers")},
		zipEntry{name: "ppt/slides/slide2.xml", body: table},
		zipEntry{name: "ppt/slides/slide3.xml", body: slideXML("Annual meeting 2024", "Harbour project &amp; budget")},
	)
}

func TestPPTXGolden(t *testing.T) {
	data := fixture(t, "hand.pptx", func() []byte { return handPPTX(t) })
	res, err := extractPPTX(context.Background(), officeInput(data, "", "hand.pptx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractPPTX: %v", err)
	}
	want := "Annual meeting 2024\nHarbour project & budget\fAgenda\nWelcome\nNumbers\fQuarter\tRevenue\nQ1\t1.2 M"
	if res.Text != want {
		t.Errorf("Text = %q\nwant   %q", res.Text, want)
	}
	if res.Pages != 3 {
		t.Errorf("Pages = %d, want 3", res.Pages)
	}
}

// TestPPTXFallbackOrder: without presentation.xml the slides are read by
// number (slide2 before slide10).
func TestPPTXFallbackOrder(t *testing.T) {
	var entries []zipEntry
	for _, n := range []int{10, 2, 1} {
		entries = append(entries, zipEntry{name: fmt.Sprintf("ppt/slides/slide%d.xml", n), body: slideXML(fmt.Sprintf("Slide %d", n))})
	}
	res, err := extractPPTX(context.Background(), officeInput(buildZip(t, entries...), "", "x.pptx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractPPTX: %v", err)
	}
	if res.Text != "Slide 1\fSlide 2\fSlide 10" || res.Pages != 3 {
		t.Errorf("Text = %q, Pages = %d", res.Text, res.Pages)
	}
}

func TestPPTXMaxPages(t *testing.T) {
	data := fixture(t, "hand.pptx", nil)
	res, err := extractPPTX(context.Background(), officeInput(data, "", "hand.pptx"), withDefaults(Limits{MaxPages: 2}))
	if err != nil {
		t.Fatalf("extractPPTX: %v", err)
	}
	if strings.Contains(res.Text, "Quarter") || res.Pages != 3 || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "first 2 of 3 slides") {
		t.Errorf("Text = %q, Pages = %d, Notes = %q", res.Text, res.Pages, res.Notes)
	}
}

func TestPPTXMalformed(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"no slides", buildZip(t, zipEntry{name: "ppt/presentation.xml", body: "<p:presentation/>"}), ErrMalformed},
		{"broken slide", buildZip(t, zipEntry{name: "ppt/slides/slide1.xml", body: "<p:sld><a:p>"}), ErrMalformed},
		{"deep slide", buildZip(t, zipEntry{name: "ppt/slides/slide1.xml", body: strings.Repeat("<a:p>", 100000)}), ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractPPTX(context.Background(), officeInput(tt.data, "", "x.pptx"), withDefaults(Limits{}))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
