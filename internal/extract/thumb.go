package extract

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Thumbnail geometry. Every thumbnail is a PNG at most thumbMaxWidth pixels
// wide; very tall sources are cut at thumbMaxHeight so a banner-shaped image
// cannot produce a huge thumbnail.
const (
	thumbMaxWidth  = 400
	thumbMaxHeight = 1200
	cardWidth      = 400
	cardHeight     = 520 // roughly the A4 aspect ratio
	cardMargin     = 16
	cardMaxLines   = 34
)

// thumbnailPNG scales img down to at most thumbMaxWidth pixels wide (never
// up) and encodes it as PNG.
func thumbnailPNG(img image.Image) ([]byte, error) {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, fmt.Errorf("%w: empty image", ErrMalformed)
	}
	w, h := b.Dx(), b.Dy()
	if w > thumbMaxWidth {
		h = max(1, h*thumbMaxWidth/w)
		w = thumbMaxWidth
	}
	src := b
	if h > thumbMaxHeight {
		// Keep the top of the image: cut the source, not the aspect ratio.
		src.Max.Y = src.Min.Y + max(1, b.Dy()*thumbMaxHeight/h)
		h = thumbMaxHeight
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// White under transparent pixels, like a page.
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, src, draw.Over, nil)
	return encodePNG(dst)
}

// encodePNG encodes img with the fastest compression; thumbnails are small
// and OCR input is thrown away after use.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// textCard draws the first lines of text on a white card, for formats that
// have no page to render. An empty text gives a card with the title alone.
func textCard(title, text string) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, cardWidth, cardHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	face := basicfont.Face7x13
	d := &font.Drawer{Dst: img, Face: face}
	lineHeight := face.Metrics().Height.Ceil() + 2
	maxChars := (cardWidth - 2*cardMargin) / face.Advance

	// Only the first cardMaxLines lines of at most maxChars characters can
	// show: read no further, so a text of one huge line costs no more than
	// a short one.
	text = truncateUTF8(text, cardMaxLines*maxChars*utf8.UTFMax)
	title = truncateUTF8(title, cardMaxLines*maxChars*utf8.UTFMax)
	lines := []string(nil)
	if title != "" {
		lines = append(lines, wrapLine(cleanLine(title), maxChars)...)
		lines = append(lines, "")
	}
	first := len(lines)
	for raw := range strings.SplitSeq(text, "\n") {
		if len(lines) >= cardMaxLines {
			break
		}
		l := cleanLine(raw)
		if l == "" && (len(lines) == first || lines[len(lines)-1] == "") {
			continue // collapse blank runs
		}
		lines = append(lines, wrapLine(l, maxChars)...)
	}
	if len(lines) > cardMaxLines {
		lines = lines[:cardMaxLines]
	}
	for i, l := range lines {
		d.Src = image.NewUniform(color.Gray{Y: 0x20})
		if i < first {
			d.Src = image.NewUniform(color.Gray{Y: 0x00})
		}
		d.Dot = fixed.P(cardMargin, cardMargin+lineHeight*(i+1))
		d.DrawString(l)
	}
	// A thin border so the card reads as a page on a white background.
	border := color.Gray{Y: 0xC0}
	for x := range cardWidth {
		img.Set(x, 0, border)
		img.Set(x, cardHeight-1, border)
	}
	for y := range cardHeight {
		img.Set(0, y, border)
		img.Set(cardWidth-1, y, border)
	}
	return encodePNG(img)
}

// cleanLine replaces tabs and control characters and trims the line.
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r == utf8.RuneError, unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// wrapLine splits s into lines of at most n runes, breaking at spaces where
// possible. It is linear in the length of s.
func wrapLine(s string, n int) []string {
	if s == "" {
		return []string{""}
	}
	var out []string
	r := []rune(s)
	for len(r) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimSpace(string(r[:cut])))
		r = r[cut:]
		for len(r) > 0 && r[0] == ' ' {
			r = r[1:]
		}
	}
	return append(out, string(r))
}
