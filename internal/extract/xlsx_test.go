package extract

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// excelizeXLSX writes a two-sheet workbook with excelize: strings, numbers,
// a date, a formula with its cached value and a sparse row.
func excelizeXLSX(t testing.TB) []byte {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		if err != nil {
			t.Fatalf("excelize: %v", err)
		}
	}
	must(f.SetSheetName("Sheet1", "Rechnungen"))
	must(f.SetSheetRow("Rechnungen", "A1", &[]any{"Kunde", "Betrag", "Stadt"}))
	must(f.SetSheetRow("Rechnungen", "A2", &[]any{"Müller GmbH", 1234.5, "Köln"}))
	must(f.SetSheetRow("Rechnungen", "A3", &[]any{"Dupont SA", 99, "Paris"}))
	must(f.SetCellValue("Rechnungen", "E5", "far cell"))
	_, err := f.NewSheet("Summary")
	must(err)
	must(f.SetCellValue("Summary", "A1", "Total"))
	must(f.SetCellFormula("Summary", "B1", "SUM(Rechnungen!B2:B3)"))
	must(f.SetCellValue("Summary", "B1", 1333.5)) // cached value, as Excel stores it
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatalf("excelize write: %v", err)
	}
	return buf.Bytes()
}

func TestXLSXGolden(t *testing.T) {
	data := fixture(t, "excelize.xlsx", func() []byte { return excelizeXLSX(t) })
	res, err := extractXLSX(context.Background(), officeInput(data, "", "excelize.xlsx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractXLSX: %v", err)
	}
	wantPhrases(t, res.Text,
		"Kunde\tBetrag\tStadt\nMüller GmbH\t1234.5\tKöln\nDupont SA\t99\tParis\n\t\t\t\tfar cell\fTotal")
	if res.Pages != 2 {
		t.Errorf("Pages = %d, want 2", res.Pages)
	}
	res, err = extractXLSX(context.Background(), officeInput(data, "", "excelize.xlsx"), withDefaults(Limits{MaxPages: 1}))
	if err != nil {
		t.Fatalf("extractXLSX: %v", err)
	}
	if strings.Contains(res.Text, "Total") || res.Pages != 2 || len(res.Notes) != 1 {
		t.Errorf("MaxPages 1: Text = %q, Pages = %d, Notes = %q", res.Text, res.Pages, res.Notes)
	}
}

// TestXLSXBombBeforeExcelize: a workbook whose sheet is a zip bomb is
// refused by the zip guard, excelize never sees it.
func TestXLSXBombBeforeExcelize(t *testing.T) {
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		strings.Repeat(`<row/>`, 4<<20) + `</sheetData></worksheet>`
	data := buildZip(t,
		zipEntry{name: "xl/workbook.xml", body: `<workbook/>`},
		zipEntry{name: "xl/worksheets/sheet1.xml", body: sheet})
	_, err := extractXLSX(context.Background(), officeInput(data, "", "bomb.xlsx"), withDefaults(Limits{}))
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "zip bomb") {
		t.Fatalf("err = %v, want ErrLimit naming the zip bomb", err)
	}
}

func TestXLSXMalformed(t *testing.T) {
	data := buildZip(t, zipEntry{name: "xl/workbook.xml", body: "<workbook><broken"})
	_, err := extractXLSX(context.Background(), officeInput(data, "", "x.xlsx"), withDefaults(Limits{}))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}
