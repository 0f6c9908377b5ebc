package extract

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

// pngHeader is a PNG signature and IHDR chunk claiming w x h pixels, with a
// correct CRC and no image data: a decompression bomb's first 33 bytes.
func pngHeader(w, h uint32) []byte {
	var ihdr bytes.Buffer
	ihdr.WriteString("IHDR")
	binary.Write(&ihdr, binary.BigEndian, w)
	binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{8, 0, 0, 0, 0}) // 8-bit grayscale
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(ihdr.Len()-4))
	b.Write(ihdr.Bytes())
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr.Bytes()))
	return b.Bytes()
}

// gifHeader is a GIF whose logical screen claims w x h pixels.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, ';')
}

// jpegHeader is SOI, a baseline SOF0 claiming w x h gray pixels and the
// start of a scan without data.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 11, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	return append(b, 1, 1, 0x11, 0, 0xff, 0xda, 0, 8, 1, 1, 0, 0, 63, 0)
}

// tiffHeader is a little-endian TIFF whose first IFD claims w x h pixels.
func tiffHeader(w, h uint32) []byte {
	b := []byte("II*\x00\x08\x00\x00\x00")
	type entry struct {
		tag, typ uint16
		val      uint32
	}
	entries := []entry{
		{256, 4, w}, {257, 4, h}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
		{273, 4, 0}, {277, 3, 1}, {278, 4, h}, {279, 4, 0},
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint16(b, e.tag)
		b = binary.LittleEndian.AppendUint16(b, e.typ)
		b = binary.LittleEndian.AppendUint32(b, 1)
		b = binary.LittleEndian.AppendUint32(b, e.val)
	}
	return binary.LittleEndian.AppendUint32(b, 0)
}

// webpHeader patches the VP8L header of a real lossless WebP to claim
// w x h pixels (at most 16384 each).
func webpHeader(t testing.TB, w, h uint32) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/gopher.webp")
	if err != nil {
		t.Fatal(err)
	}
	bits := (w - 1) | (h-1)<<14 | 1<<28 // alpha used, version 0
	binary.LittleEndian.PutUint32(data[21:25], bits)
	return data
}

func TestImageDecompressionBomb(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	tests := []struct {
		mime string
		data []byte
	}{
		{"image/png", pngHeader(100000, 100000)},
		{"image/gif", gifHeader(65535, 65535)},
		{"image/jpeg", jpegHeader(65500, 65500)},
		{"image/tiff", tiffHeader(100000, 100000)},
		{"image/webp", webpHeader(t, 16384, 16384)},
	}
	for _, tt := range tests {
		t.Run(tt.mime, func(t *testing.T) {
			_, err := e.Extract(context.Background(), input(tt.data, tt.mime, "bomb"))
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "pixels") {
				t.Fatalf("Extract = %v, want ErrLimit about pixels", err)
			}
		})
	}
}

func TestImageMalformed(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	var good bytes.Buffer
	if err := png.Encode(&good, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mime string
		data       []byte
	}{
		{"empty png", "image/png", nil},
		{"text as jpeg", "image/jpeg", []byte("hello, I am not a JPEG")},
		{"truncated png", "image/png", good.Bytes()[:good.Len()-20]},
		{"header only png", "image/png", pngHeader(10, 10)},
		{"zero size png", "image/png", pngHeader(0, 10)},
		{"garbage tiff", "image/tiff", []byte("II*\x00garbage")},
		{"garbage webp", "image/webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 ")},
		{"garbage gif", "image/gif", []byte("GIF89a\x01")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Extract(context.Background(), input(tt.data, tt.mime, "bad"))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Extract = %v, want ErrMalformed", err)
			}
		})
	}
}

// TestImageFormats decodes one real image per format and checks the
// thumbnail and the note for a machine without OCR.
func TestImageFormats(t *testing.T) {
	e := newTestExtractor(t, false, Limits{})
	src := image.NewRGBA(image.Rect(0, 0, 900, 300))
	for y := range 300 {
		for x := range 900 {
			src.Set(x, y, color.RGBA{uint8(x), uint8(y), 0x80, 0xff})
		}
	}
	encode := map[string]func(*bytes.Buffer) error{
		"image/png":  func(b *bytes.Buffer) error { return png.Encode(b, src) },
		"image/jpeg": func(b *bytes.Buffer) error { return jpeg.Encode(b, src, nil) },
		"image/gif":  func(b *bytes.Buffer) error { return gif.Encode(b, src, nil) },
		"image/tiff": func(b *bytes.Buffer) error { return tiff.Encode(b, src, nil) },
	}
	for mime, enc := range encode {
		t.Run(mime, func(t *testing.T) {
			var b bytes.Buffer
			if err := enc(&b); err != nil {
				t.Fatal(err)
			}
			res, err := e.Extract(context.Background(), input(b.Bytes(), mime, "x"))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			img := checkThumbnail(t, res.Thumbnail)
			if got := img.Bounds(); got.Dx() != 400 || got.Dy() != 133 {
				t.Errorf("thumbnail %v, want 400x133", got)
			}
			if res.Pages != 1 || len(res.Notes) != 1 || res.Notes[0] != noteOCRMissing {
				t.Errorf("Pages, Notes = %d, %q", res.Pages, res.Notes)
			}
		})
	}
	t.Run("image/webp", func(t *testing.T) {
		data, err := os.ReadFile("testdata/gopher.webp")
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Extract(context.Background(), input(data, "image/webp", "gopher.webp"))
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if _, err := png.Decode(bytes.NewReader(res.Thumbnail)); err != nil {
			t.Fatalf("thumbnail: %v", err)
		}
	})
}

// TestImageOCR renders a real manual page and OCRs it as PNG, TIFF (read by
// tesseract directly) and GIF (re-encoded to PNG first).
func TestImageOCR(t *testing.T) {
	e := newTestExtractor(t, true, Limits{})
	page := renderPage(t, debianFile(t, "/usr/share/doc/graphviz/pdf/dot.1.pdf.gz", "graphviz-doc"), 0, 200)
	grays := make(color.Palette, 256)
	for i := range grays {
		grays[i] = color.Gray{uint8(i)}
	}
	paletted := image.NewPaletted(page.Bounds(), grays)
	copy(paletted.Pix, page.Pix)
	encode := map[string]func(*bytes.Buffer) error{
		"image/png":  func(b *bytes.Buffer) error { return png.Encode(b, page) },
		"image/tiff": func(b *bytes.Buffer) error { return tiff.Encode(b, page, nil) },
		"image/gif":  func(b *bytes.Buffer) error { return gif.Encode(b, paletted, nil) },
	}
	for mime, enc := range encode {
		t.Run(mime, func(t *testing.T) {
			var b bytes.Buffer
			if err := enc(&b); err != nil {
				t.Fatal(err)
			}
			res, err := e.Extract(context.Background(), input(b.Bytes(), mime, "scan"))
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if !strings.Contains(res.Text, "filter for drawing directed graphs") {
				t.Errorf("OCR text lacks the phrase; got %.300q", res.Text)
			}
			if len(res.Notes) != 0 {
				t.Errorf("Notes = %q", res.Notes)
			}
		})
	}
}

// TestOCRPageTimeout: a page that takes longer than OCRPageTimeout gives a
// note, not a failed document.
func TestOCRPageTimeout(t *testing.T) {
	e := newTestExtractor(t, true, Limits{OCRPageTimeout: 1})
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 300, 300))); err != nil {
		t.Fatal(err)
	}
	res, err := e.Extract(context.Background(), input(b.Bytes(), "image/png", "x.png"))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "OCR failed on page 1") || !strings.Contains(res.Notes[0], "longer than") {
		t.Errorf("Notes = %q, want the OCR time limit", res.Notes)
	}
}

func TestOCRMissingLanguage(t *testing.T) {
	requireTesseract(t)
	o := NewOCR(context.Background(), "", []string{"eng", "xx-no-such-language"}, 1)
	if o.Available() || !strings.Contains(o.Reason(), "xx-no-such-language") {
		t.Fatalf("Available, Reason = %v, %q; want unavailable naming the language", o.Available(), o.Reason())
	}
	if o.missingNote() != "OCR not available: tesseract language data missing: xx-no-such-language" {
		t.Errorf("note = %q", o.missingNote())
	}
}
