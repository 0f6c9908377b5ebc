package extract

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExtractRouting(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	routed := []string{
		"application/pdf", "image/png", "image/jpeg", "image/tiff", "image/webp", "image/gif",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
		"application/vnd.oasis.opendocument.presentation",
		"text/html", "text/rtf", "application/rtf", "text/plain", "text/markdown", "text/csv",
		"message/rfc822", "Text/Plain; charset=utf-8",
	}
	for _, m := range routed {
		if !e.Supports(m) {
			t.Errorf("Supports(%q) = false", m)
		}
	}
	for _, m := range []string{"application/zip", "application/octet-stream", "", "image/svg+xml", "video/mp4"} {
		if e.Supports(m) {
			t.Errorf("Supports(%q) = true", m)
		}
		_, err := e.Extract(context.Background(), input([]byte("x"), m, "x"))
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("Extract(%q) = %v, want ErrUnsupported", m, err)
		}
	}
	// Parameters and case in the MIME type do not matter.
	data := textPDF([]string{"routing with a parameterised type works"})
	res, err := e.Extract(context.Background(), input(data, "Application/PDF; version=1.4", "p.pdf"))
	if err != nil || !strings.Contains(res.Text, "parameterised") {
		t.Fatalf("Extract = %+v, %v", res, err)
	}
}

func TestExtractNoInput(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	if _, err := e.Extract(context.Background(), Input{MIMEType: "application/pdf"}); err == nil {
		t.Fatal("Extract without a reader succeeded")
	}
}

func TestExtractInputTooLarge(t *testing.T) {
	e := newTestExtractor(t, false, Limits{MaxDecompressedBytes: 100})
	data := textPDF([]string{"a PDF larger than one hundred bytes"})
	_, err := e.Extract(context.Background(), input(data, "application/pdf", "big.pdf"))
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("Extract = %v, want ErrLimit", err)
	}
}

func TestExtractTextTruncated(t *testing.T) {
	e := newTestExtractor(t, false, Limits{MaxTextBytes: 20})
	data := textPDF([]string{"Gr\xfc\xdfe aus M\xfcnchen und noch viel mehr Text"}) // WinAnsi: ü, ß
	res, err := e.Extract(context.Background(), input(data, "application/pdf", "t.pdf"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if len(res.Text) > 20 || !utf8.ValidString(res.Text) || !strings.HasPrefix(res.Text, "Grüße aus M") {
		t.Errorf("Text = %q, want valid UTF-8 of at most 20 bytes starting with Grüße", res.Text)
	}
	if len(res.Notes) != 1 || res.Notes[0] != "text truncated to 20 bytes" {
		t.Errorf("Notes = %q", res.Notes)
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 2, "ab"},
		{"aé", 2, "a"}, // é is 2 bytes
		{"€", 2, ""},
		{"a€b", 4, "a€"},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.s, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestCallFormatRecoversPanic(t *testing.T) {
	boom := func(context.Context, Input, Limits) (*Result, error) { panic("index out of range") }
	_, err := callFormat(context.Background(), boom, Input{}, Limits{})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("callFormat = %v, want ErrMalformed naming the panic", err)
	}
}

func TestWithDefaults(t *testing.T) {
	got := withDefaults(Limits{MaxPages: 7})
	want := DefaultLimits()
	want.MaxPages = 7
	if got != want {
		t.Errorf("withDefaults = %+v, want %+v", got, want)
	}
	if withDefaults(Limits{}) != DefaultLimits() {
		t.Error("zero Limits do not give DefaultLimits")
	}
}

func TestTextCard(t *testing.T) {
	tests := []struct {
		name, title, text string
	}{
		{"text", "notes.txt", strings.Repeat("The quick brown fox jumps over the lazy dog. ", 200)},
		{"empty", "empty.txt", ""},
		{"control characters", "", "tabs\tand\x00nulls\x1b[31m and \xff bad bytes\n\n\n\nlines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, err := textCard(tt.title, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(card))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != cardWidth || b.Dy() != cardHeight {
				t.Errorf("card is %v", b)
			}
		})
	}
	// More text means more ink.
	ink := func(text string) int {
		card, _ := textCard("", text)
		img, _ := png.Decode(bytes.NewReader(card))
		n := 0
		for y := 1; y < cardHeight-1; y++ {
			for x := 1; x < cardWidth-1; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
					n++
				}
			}
		}
		return n
	}
	if short, long := ink("one line"), ink(strings.Repeat("many lines of text\n", 30)); short == 0 || long <= 5*short {
		t.Errorf("ink: one line %d, thirty lines %d", short, long)
	}
	// A text of one huge word (a hostile file's 16 MB of "A") draws the card
	// of its first lines; wrapping the whole line was quadratic, hours of
	// CPU outside any deadline.
	huge, err := textCard("bomb.docx", strings.Repeat("A", 16<<20))
	if err != nil {
		t.Fatal(err)
	}
	short, _ := textCard("bomb.docx", strings.Repeat("A", 4*cardMaxLines*cardWidth))
	if !bytes.Equal(huge, short) {
		t.Error("the card of one huge word differs from the card of its first lines")
	}
}

func TestWrapLine(t *testing.T) {
	got := wrapLine("aaaa bbbb cccc dddd", 10)
	want := []string{"aaaa bbbb", "cccc dddd"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrapLine = %q, want %q", got, want)
	}
	for _, l := range wrapLine(strings.Repeat("x", 25), 10) {
		if utf8.RuneCountInString(l) > 10 {
			t.Errorf("line %q longer than 10", l)
		}
	}
}
