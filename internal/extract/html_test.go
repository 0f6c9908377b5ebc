package extract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTMLGolden(t *testing.T) {
	data := fixture(t, "page.html", nil)
	res, err := extractHTML(context.Background(), officeInput(data, "text/html", "page.html"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractHTML: %v", err)
	}
	want := "Stadtwerke & Co – Rechnung\n\n" +
		"Ihre Rechnung für März\n" +
		"Sehr geehrte Kundin, sehr geehrter Kunde,\n" +
		"der Betrag von 42,00\u00a0€ wird am 1.\u00a0April abgebucht.\n" +
		"Strom\nGas <Grundversorgung>\n" +
		"Posten\tBetrag\nStrom\t30,00\n" +
		"  eingerückt\n    bleibt\n" +
		"Ende\nZeile zwei"
	if res.Text != want {
		t.Errorf("Text =\n%q\nwant\n%q", res.Text, want)
	}
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{"no title", "<p>a</p><p>b</p>", "a\nb"},
		{"unclosed script drops the rest", "<p>shown</p><script>hidden", "shown"},
		{"nested dropped", "<style><style>x</style>y</style>z", "yz"},
		{"charset meta", "<meta charset=\"windows-1252\"><p>caf\xe9</p>", "café"},
		{"entities", "&lt;&amp;&gt;&quot;&#x41;&unknown;", "<&>\"A&unknown;"},
		{"svg dropped", "<p>t<svg><text>SVG</text></svg></p>", "t"},
		{"inline joins", "a<b>b</b><i>c</i> d", "abc d"},
		{"garbage", "\x00\x01<<<>>>", "<<<>>>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := extractHTML(context.Background(), officeInput([]byte(tt.html), "text/html", "x.html"), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractHTML: %v", err)
			}
			if res.Text != tt.want || !validText(res.Text) {
				t.Errorf("Text = %q, want %q", res.Text, tt.want)
			}
		})
	}
}

func TestHTMLLimits(t *testing.T) {
	page := "<title>T</title>" + strings.Repeat("<div>", 200000) + strings.Repeat("<p>wort ", 10000)
	res, err := extractHTML(context.Background(), officeInput([]byte(page), "text/html", "x.html"), withDefaults(Limits{MaxTextBytes: 1000}))
	if err != nil {
		t.Fatalf("extractHTML: %v", err)
	}
	if len(res.Text) > 1000 || !strings.HasPrefix(res.Text, "T\n\nwort\nwort") || len(res.Notes) != 1 {
		t.Errorf("Text = %q (%d bytes), Notes = %q", res.Text[:min(50, len(res.Text))], len(res.Text), res.Notes)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := extractHTML(ctx, officeInput([]byte(page), "text/html", "x.html"), withDefaults(Limits{})); err != context.Canceled {
		t.Errorf("cancelled: err = %v", err)
	}
}

// addOfficeSeeds adds every testdata/office file with the extension.
func addOfficeSeeds(f *testing.F, ext string) {
	files, _ := filepath.Glob(filepath.Join("testdata", "office", "*"+ext))
	if len(files) == 0 {
		f.Fatalf("no testdata/office/*%s seeds", ext)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// fuzzFormat runs one extractor on arbitrary bytes: it must not panic,
// must fail only with the package's errors, and must produce valid text
// within the limit.
func fuzzFormat(f *testing.F, ext string, fn formatFunc) {
	addOfficeSeeds(f, ext)
	lim := officeFuzzLimits()
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := fn(context.Background(), officeInput(data, "", "fuzz"+ext), lim)
		if !officeFuzzOK(err) {
			t.Fatalf("unexpected error: %v", err)
		}
		if err == nil && (!validText(res.Text) || len(res.Text) > lim.MaxTextBytes || res.Pages < 1) {
			t.Fatalf("bad result: %d bytes, valid %v, pages %d", len(res.Text), validText(res.Text), res.Pages)
		}
	})
}

func FuzzHTML(f *testing.F) { fuzzFormat(f, ".html", extractHTML) }
