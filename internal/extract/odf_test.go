package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const nsODF = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ` +
	`xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" ` +
	`xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"`

// odfZip is an OpenDocument package with the given content.xml body.
func odfZip(t testing.TB, mimetype, body string) []byte {
	return buildZip(t,
		zipEntry{name: "mimetype", body: mimetype, store: true},
		zipEntry{name: "content.xml", body: `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + nsODF + `>` +
			`<office:automatic-styles><style:style style:name="P1"><style:text-properties>STYLE NOISE</style:text-properties></style:style></office:automatic-styles>` +
			`<office:body>` + body + `</office:body></office:document-content>`},
	)
}

// TestODFGolden reads the Live Systems manual as Debian ships it in
// live-manual-odf and checks phrases and the language. Only the English,
// French and Spanish manuals are translated throughout (the German and
// Portuguese bodies are mostly English, the Italian half and half), and
// Catalan is not a language we detect.
func TestODFGolden(t *testing.T) {
	tests := []struct {
		file    string
		lang    string // "-": not checked
		phrases []string
	}{
		{"en", "en", []string{"Live Systems Manual", "About this manual", "live-build"}},
		{"fr", "fr", []string{"Manuel Live Systems", "propos de ce manuel"}},
		{"es", "es", []string{"Manual de Live Systems", "Acerca de este manual"}},
		{"ca", "", []string{"Live Systems"}},
		{"de", "-", []string{"Live Systems Handbuch", "Über dieses Handbuch"}},
		{"it", "-", []string{"Manuale di Live Systems", "A proposito di questo manuale"}},
		{"pt_BR", "-", []string{"Manual Live Systems", "Sobre esse manual", "Instalação"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := officeDebianFile(t, "/usr/share/doc/live-manual/odt/live-manual."+tt.file+".odt", "live-manual-odf")
			res, err := extractODF(context.Background(), officeInput(data, "", tt.file+".odt"), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractODF: %v", err)
			}
			wantPhrases(t, res.Text, tt.phrases...)
			if res.Pages != 1 || !validText(res.Text) || len(res.Text) < 100_000 {
				t.Errorf("Pages = %d, %d bytes of text", res.Pages, len(res.Text))
			}
			if got := detectLanguage(res.Text); tt.lang != "-" && got != tt.lang {
				t.Errorf("detectLanguage = %q, want %q", got, tt.lang)
			}
		})
	}
}

func TestODFSpreadsheetAndPresentation(t *testing.T) {
	ods := odfZip(t, "application/vnd.oasis.opendocument.spreadsheet", `<office:spreadsheet>`+
		`<table:table table:name="Konten"><table:table-row><table:table-cell><text:p>Konto</text:p></table:table-cell><table:table-cell><text:p>Saldo</text:p></table:table-cell></table:table-row>`+
		`<table:table-row><table:table-cell><text:p>Giro</text:p><text:p>privat</text:p></table:table-cell><table:table-cell><text:p>1.000,00</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row></table:table>`+
		`<table:table table:name="Zwei"><table:table-row><table:table-cell><text:p>Second<text:s text:c="3"/>sheet</text:p></table:table-cell></table:table-row></table:table>`+
		`</office:spreadsheet>`)
	odp := odfZip(t, "application/vnd.oasis.opendocument.presentation", `<office:presentation>`+
		`<draw:page draw:name="p1"><draw:frame><draw:text-box><text:p>Title slide</text:p><text:p>with<text:tab/>tab<text:line-break/>and break</text:p></draw:text-box></draw:frame></draw:page>`+
		`<draw:page draw:name="p2"><draw:frame><draw:text-box><text:h>Second slide</text:h></draw:text-box></draw:frame></draw:page>`+
		`</office:presentation>`)
	tests := []struct {
		name  string
		data  []byte
		lim   Limits
		want  string
		pages int
	}{
		{"ods", ods, Limits{}, "Konto\tSaldo\nGiro privat\t1.000,00\fSecond   sheet", 2},
		{"odp", odp, Limits{}, "Title slide\nwith\ttab\nand break\fSecond slide", 2},
		{"odp max pages", odp, Limits{MaxPages: 1}, "Title slide\nwith\ttab\nand break", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := extractODF(context.Background(), officeInput(tt.data, "", tt.name), withDefaults(tt.lim))
			if err != nil {
				t.Fatalf("extractODF: %v", err)
			}
			if res.Text != tt.want || res.Pages != tt.pages {
				t.Errorf("Text = %q, Pages = %d\nwant   %q, %d", res.Text, res.Pages, tt.want, tt.pages)
			}
		})
	}
}

func TestODFMalformed(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"no content.xml", buildZip(t, zipEntry{name: "mimetype", body: "application/vnd.oasis.opendocument.text"}), ErrMalformed},
		{"broken content", buildZip(t, zipEntry{name: "content.xml", body: "<office:document-content><office:body>"}), ErrMalformed},
		{"entity bomb", buildZip(t, zipEntry{name: "content.xml", body: `<!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>`}), ErrMalformed},
		{"deep", buildZip(t, zipEntry{name: "content.xml", body: strings.Repeat("<text:span>", 100000)}), ErrLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractODF(context.Background(), officeInput(tt.data, "", "x.odt"), withDefaults(Limits{}))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// BenchmarkODF extracts the English Live Systems manual (a 270-page book).
func BenchmarkODF(b *testing.B) {
	data := officeDebianFile(b, "/usr/share/doc/live-manual/odt/live-manual.en.odt", "live-manual-odf")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := extractODF(context.Background(), officeInput(data, "", "en.odt"), withDefaults(Limits{})); err != nil {
			b.Fatal(err)
		}
	}
}
