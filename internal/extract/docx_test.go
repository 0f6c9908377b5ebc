package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const (
	nsW   = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	nsRel = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
)

// docxBody is a minimal document.xml with one paragraph per line.
func docxBody(lines ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + nsW + `><w:body>`)
	for _, l := range lines {
		b.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + l + `</w:t></w:r></w:p>`)
	}
	b.WriteString(`</w:body></w:document>`)
	return b.String()
}

// handDOCX is a DOCX built by hand in the layout Word writes: the main part
// found through _rels/.rels, a header, a footer, footnotes, a table, tabs,
// line breaks, tracked deletions and field codes.
func handDOCX(t testing.TB) []byte {
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + nsW + `><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>Rechnung</w:t></w:r><w:r><w:tab/><w:t>Nr. 4711</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Sehr geehrte </w:t></w:r><w:r><w:t>Damen und Herren,</w:t></w:r><w:r><w:br/><w:t>zweite Zeile</w:t></w:r></w:p>
<w:p><w:del><w:r><w:delText>GELÖSCHT</w:delText></w:r></w:del><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE \* MERGEFORMAT</w:instrText></w:r><w:r><w:t>Seite eins</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Position</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Betrag</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Beratung</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>100,00 €</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>Text mit Fußnote</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>
</w:body></w:document>`
	return buildZip(t,
		zipEntry{name: "[Content_Types].xml", body: `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		zipEntry{name: "_rels/.rels", body: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="word/main.xml"/></Relationships>`},
		zipEntry{name: "word/main.xml", body: doc},
		zipEntry{name: "word/header1.xml", body: `<w:hdr ` + nsW + `><w:p><w:r><w:t>Kopfzeile Firma GmbH</w:t></w:r></w:p></w:hdr>`},
		zipEntry{name: "word/footer1.xml", body: `<w:ftr ` + nsW + `><w:p><w:r><w:t>Fußzeile Bankverbindung</w:t></w:r></w:p></w:ftr>`},
		zipEntry{name: "word/footnotes.xml", body: `<w:footnotes ` + nsW + `><w:footnote w:id="1"><w:p><w:r><w:t>Die Fußnote selbst.</w:t></w:r></w:p></w:footnote></w:footnotes>`},
		zipEntry{name: "docProps/app.xml", body: `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Pages>3</Pages></Properties>`},
	)
}

func TestDOCXGolden(t *testing.T) {
	tests := []struct {
		file    string
		gen     func() []byte
		pages   int
		phrases []string
		absent  []string
	}{
		{
			// Written by python-docx (Debian python3-docx) from its own Word template.
			file:  "python-docx.docx",
			pages: 1,
			phrases: []string{
				"Quarterly report on the harbour project\n",
				"The harbour project finished the second phase on time",
				"Grüße aus München: naïve café",
				"First item of the list",
				"Invoice\tAmount\nINV-2024-0042\t1234.56 EUR",
				"Second page with the closing remarks.",
				"ACME Corporation confidential",
				"Page footer of the quarterly report",
			},
		},
		{
			file:  "hand.docx",
			gen:   func() []byte { return handDOCX(t) },
			pages: 3,
			phrases: []string{
				"Rechnung\tNr. 4711\n",
				"Sehr geehrte Damen und Herren,\nzweite Zeile",
				"Seite eins",
				"Position\tBetrag\nBeratung\t100,00 €\n",
				"Kopfzeile Firma GmbH",
				"Fußzeile Bankverbindung",
				"Die Fußnote selbst.",
			},
			absent: []string{"GELÖSCHT", "MERGEFORMAT", "\t\t"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := fixture(t, tt.file, tt.gen)
			res, err := extractDOCX(context.Background(), officeInput(data, "", tt.file), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractDOCX: %v", err)
			}
			wantPhrases(t, res.Text, tt.phrases...)
			for _, a := range tt.absent {
				if strings.Contains(res.Text, a) {
					t.Errorf("text contains %q:\n%s", a, res.Text)
				}
			}
			if res.Pages != tt.pages {
				t.Errorf("Pages = %d, want %d", res.Pages, tt.pages)
			}
			if strings.Index(res.Text, tt.phrases[0]) > strings.Index(res.Text, tt.phrases[len(tt.phrases)-1]) {
				t.Errorf("main document text does not come before the notes:\n%s", res.Text)
			}
		})
	}
}

// TestDOCXHostileXML: deep nesting, entity bombs and broken XML in the main
// part fail with specific errors.
func TestDOCXHostileXML(t *testing.T) {
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><w:document ` + nsW + `><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>`
	tests := []struct {
		name, body string
		want       error
		message    string
	}{
		{"deep nesting", strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000), ErrLimit, "nested deeper than 256"},
		{"billion laughs", laughs, ErrMalformed, "DOCTYPE"},
		{"undefined entity", `<w:document ` + nsW + `><w:t>&lol;</w:t></w:document>`, ErrMalformed, "XML"},
		{"unclosed", `<w:document ` + nsW + `><w:body><w:p>`, ErrMalformed, "XML"},
		{"mismatched", `<w:document ` + nsW + `></w:body>`, ErrMalformed, "XML"},
		{"not xml", "\x00\x01\x02 binary", ErrMalformed, "XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := buildZip(t, zipEntry{name: "word/document.xml", body: tt.body})
			_, err := extractDOCX(context.Background(), officeInput(data, "", "x.docx"), withDefaults(Limits{}))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.message)
			}
		})
	}
}

// TestDOCXBrokenHeaderKeepsBody: a broken optional part is noted, the
// document text is kept.
func TestDOCXBrokenHeaderKeepsBody(t *testing.T) {
	data := buildZip(t,
		zipEntry{name: "word/document.xml", body: docxBody("body text")},
		zipEntry{name: "word/header1.xml", body: "<w:hdr><broken"},
	)
	res, err := extractDOCX(context.Background(), officeInput(data, "", "x.docx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractDOCX: %v", err)
	}
	if res.Text != "body text" || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "word/header1.xml skipped") {
		t.Errorf("Text = %q, Notes = %q", res.Text, res.Notes)
	}
}

// TestDOCXTextLimit: text past MaxTextBytes is cut on a rune boundary with
// a note.
func TestDOCXTextLimit(t *testing.T) {
	data := buildZip(t, zipEntry{name: "word/document.xml", body: docxBody(strings.Repeat("äöü ", 1000))})
	res, err := extractDOCX(context.Background(), officeInput(data, "", "x.docx"), withDefaults(Limits{MaxTextBytes: 101}))
	if err != nil {
		t.Fatalf("extractDOCX: %v", err)
	}
	if len(res.Text) > 101 || len(res.Text) < 95 || !strings.HasPrefix(res.Text, "äöü äöü") || !validText(res.Text) {
		t.Errorf("Text = %q (%d bytes)", res.Text, len(res.Text))
	}
	if len(res.Notes) != 1 || res.Notes[0] != "text truncated to 101 bytes" {
		t.Errorf("Notes = %q", res.Notes)
	}
}

func FuzzDOCX(f *testing.F) { fuzzFormat(f, ".docx", extractDOCX) }

// BenchmarkDOCX extracts the python-docx fixture (styles of 800 KB).
func BenchmarkDOCX(b *testing.B) {
	data := fixture(b, "python-docx.docx", nil)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := extractDOCX(context.Background(), officeInput(data, "", "x.docx"), withDefaults(Limits{})); err != nil {
			b.Fatal(err)
		}
	}
}
