package extract

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// validText reports whether s is what every extractor must produce: valid
// UTF-8 without NUL bytes.
func validText(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

func TestText(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
		note string
	}{
		{"utf8", "Grüße\r\naus Köln\n", "Grüße\naus Köln", ""},
		{"utf8 bom", "\xEF\xBB\xBFBOM text é", "BOM text é", ""},
		{"utf16le bom", "\xFF\xFEH\x00\xE9\x00\x0A\x00\xAC\x20", "Hé\n€", ""},
		{"utf16be bom", "\xFE\xFF\x00H\x00\xE9\x20\xAC", "Hé€", ""},
		{"utf16le odd byte", "\xFF\xFEH\x00i\x00!", "Hi\uFFFD", ""},
		{"windows-1252", "Gr\xFC\xDFe \x80 5 \x93quoted\x94", "Grüße € 5 “quoted”", "text is not UTF-8; read as Windows-1252"},
		{"latin1", "caf\xE9 na\xEFve", "café naïve", "text is not UTF-8; read as Windows-1252"},
		{"nul bytes dropped", "a\x00b", "ab", ""},
		{"csv", "name,amount\n\"Müller, A.\",12.50\n", "name,amount\n\"Müller, A.\",12.50", ""},
		{"markdown", "# Title\n\n* item\n", "# Title\n\n* item", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := extractText(context.Background(), officeInput([]byte(tt.data), "text/plain", "x.txt"), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractText: %v", err)
			}
			if res.Text != tt.want || !validText(res.Text) {
				t.Errorf("Text = %q, want %q", res.Text, tt.want)
			}
			if got := strings.Join(res.Notes, "; "); got != tt.note {
				t.Errorf("Notes = %q, want %q", got, tt.note)
			}
			if res.Pages != 1 {
				t.Errorf("Pages = %d", res.Pages)
			}
		})
	}
}

func TestTextLimits(t *testing.T) {
	data := []byte(strings.Repeat("€", 100))
	res, err := extractText(context.Background(), officeInput(data, "text/plain", "x.txt"), withDefaults(Limits{MaxTextBytes: 10}))
	if err != nil {
		t.Fatalf("extractText: %v", err)
	}
	if res.Text != "€€€" || len(res.Notes) != 1 || res.Notes[0] != "text truncated to 10 bytes" {
		t.Errorf("Text = %q, Notes = %q", res.Text, res.Notes)
	}
	if !res.Truncated {
		t.Error("text cut at MaxTextBytes is not Truncated")
	}
	// A file larger than MaxDecompressedBytes is read in part, not failed.
	res, err = extractText(context.Background(), officeInput(data, "text/plain", "x.txt"), withDefaults(Limits{MaxDecompressedBytes: 100}))
	if err != nil || res.Text != strings.Repeat("€", 33) || !res.Truncated ||
		strings.Join(res.Notes, "; ") != "only the first 100 bytes of the file were read" {
		t.Errorf("file past the read limit: %v, %q, truncated %v, notes %q", err, res.Text, res.Truncated, res.Notes)
	}
}

func TestTextBuilder(t *testing.T) {
	tb := newTextBuilder(withDefaults(Limits{}))
	_ = tb.newline() // nothing before: no line
	_ = tb.text("  Hello \n\t world ")
	_ = tb.paragraph()
	_ = tb.paragraph()
	_ = tb.newline()
	_ = tb.text("next")
	_ = tb.write("\t")
	_ = tb.newline()
	_ = tb.text("bad \xff byte")
	if got, want := tb.result(0).Text, "Hello world\n\nnext\nbad \uFFFD byte"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func FuzzText(f *testing.F) { fuzzFormat(f, ".txt", extractText) }

// TestTextBuilderTrimsInPlace: ending a line after a trailing space cuts the
// space in place. Rebuilding the whole text there made a file of many short
// paragraphs ("word " each) quadratic: minutes of CPU for one DOCX.
func TestTextBuilderTrimsInPlace(t *testing.T) {
	tb := newTextBuilder(withDefaults(Limits{}))
	if err := tb.write(strings.Repeat("filler text ", 1<<16)); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		_ = tb.write("word ")
		_ = tb.newline()
		_ = tb.write("cell \t")
		_ = tb.pageBreak()
	})
	if allocs >= 1 {
		t.Errorf("%.1f allocations per paragraph on a text of %d bytes: the text is copied", allocs, tb.b.Len())
	}
	if got := tb.result(1).Text; !strings.Contains(got, "filler text word\ncell\fword\ncell\f") || !strings.HasSuffix(got, "\fword\ncell") {
		t.Errorf("text ends %q", got[len(got)-40:])
	}
}
