package extract

import (
	"context"
	"testing"
)

// handODT is a small OpenDocument text: a heading, paragraphs with a tab,
// a line break and repeated spaces, a list and a table, plus the styles and
// tracked changes the extractor leaves out.
func handODT(t testing.TB) []byte {
	return odfZip(t, "application/vnd.oasis.opendocument.text", `<office:text>`+
		`<text:tracked-changes><text:changed-region><text:p>DELETED TEXT</text:p></text:changed-region></text:tracked-changes>`+
		`<text:h text:outline-level="1">Mietvertrag 2024</text:h>`+
		`<text:p>Vermieter:<text:tab/>Anna Schmidt<text:line-break/>Berlin</text:p>`+
		`<text:p>Miete<text:s text:c="2"/>1.200 EUR</text:p>`+
		`<text:list><text:list-item><text:p>Kaution</text:p></text:list-item><text:list-item><text:p>Schlüssel</text:p></text:list-item></text:list>`+
		`<table:table table:name="T1"><table:table-row><table:table-cell><text:p>Raum</text:p></table:table-cell><table:table-cell><text:p>m²</text:p></table:table-cell></table:table-row></table:table>`+
		`</office:text>`)
}

// handODS and handODP are the spreadsheet and presentation of
// TestODFSpreadsheetAndPresentation, kept as seed files.
func handODS(t testing.TB) []byte {
	return odfZip(t, "application/vnd.oasis.opendocument.spreadsheet", `<office:spreadsheet>`+
		`<table:table table:name="Konten"><table:table-row><table:table-cell><text:p>Konto</text:p></table:table-cell><table:table-cell><text:p>Saldo</text:p></table:table-cell></table:table-row>`+
		`<table:table-row><table:table-cell><text:p>Giro</text:p></table:table-cell><table:table-cell><text:p>1.000,00</text:p></table:table-cell></table:table-row></table:table>`+
		`<table:table table:name="Zwei"><table:table-row><table:table-cell><text:p>Second sheet</text:p></table:table-cell></table:table-row></table:table>`+
		`</office:spreadsheet>`)
}

func handODP(t testing.TB) []byte {
	return odfZip(t, "application/vnd.oasis.opendocument.presentation", `<office:presentation>`+
		`<draw:page draw:name="p1"><draw:frame><draw:text-box><text:p>Title slide</text:p></draw:text-box></draw:frame></draw:page>`+
		`<draw:page draw:name="p2"><draw:frame><draw:text-box><text:h>Second slide</text:h></draw:text-box></draw:frame></draw:page>`+
		`</office:presentation>`)
}

// TestODFFixtures checks the ODF seed files of FuzzODF (regenerate them
// with -update-office) so the fuzzer starts from documents that extract.
func TestODFFixtures(t *testing.T) {
	tests := []struct {
		file  string
		gen   func(testing.TB) []byte
		want  string
		pages int
	}{
		{"hand.odt", handODT, "Mietvertrag 2024\nVermieter:\tAnna Schmidt\nBerlin\nMiete  1.200 EUR\nKaution\nSchlüssel\nRaum\tm²", 1},
		{"hand.ods", handODS, "Konto\tSaldo\nGiro\t1.000,00\fSecond sheet", 2},
		{"hand.odp", handODP, "Title slide\fSecond slide", 2},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := fixture(t, tt.file, func() []byte { return tt.gen(t) })
			res, err := extractODF(context.Background(), officeInput(data, "", tt.file), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractODF: %v", err)
			}
			if res.Text != tt.want || res.Pages != tt.pages {
				t.Errorf("Text = %q, Pages = %d\nwant   %q, %d", res.Text, res.Pages, tt.want, tt.pages)
			}
		})
	}
}

// FuzzODF feeds arbitrary bytes to the OpenDocument extractor, seeded with
// a text, a spreadsheet and a presentation from testdata/office.
func FuzzODF(f *testing.F) {
	addOfficeSeeds(f, ".ods")
	addOfficeSeeds(f, ".odp")
	fuzzFormat(f, ".odt", extractODF)
}

// FuzzPPTX feeds arbitrary bytes to the PowerPoint extractor, seeded with
// testdata/office/*.pptx.
func FuzzPPTX(f *testing.F) { fuzzFormat(f, ".pptx", extractPPTX) }

// FuzzXLSX feeds arbitrary bytes to the Excel extractor (the zip guard,
// then excelize), seeded with testdata/office/*.xlsx.
func FuzzXLSX(f *testing.F) { fuzzFormat(f, ".xlsx", extractXLSX) }
