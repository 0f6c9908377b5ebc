package extract

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// imageCodec decodes one image format.
type imageCodec struct {
	name         string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
	// tesseractReads is true when tesseract can read the original bytes, so
	// the image need not be re-encoded for OCR.
	tesseractReads bool
}

// codecFor returns the decoder for an image MIME type.
func codecFor(mime string) (imageCodec, bool) {
	switch mime {
	case "image/png":
		return imageCodec{"PNG", png.DecodeConfig, png.Decode, true}, true
	case "image/jpeg":
		return imageCodec{"JPEG", jpeg.DecodeConfig, jpeg.Decode, true}, true
	case "image/tiff":
		return imageCodec{"TIFF", tiff.DecodeConfig, tiff.Decode, true}, true
	case "image/webp":
		return imageCodec{"WebP", webp.DecodeConfig, webp.Decode, false}, true
	case "image/gif":
		return imageCodec{"GIF", gif.DecodeConfig, gif.Decode, false}, true
	}
	return imageCodec{}, false
}

// decodeImage decodes data after checking, from the header alone, that the
// image is not larger than lim.MaxImagePixels: a few bytes can claim a
// 100000x100000 image that would need 40 GB once decoded.
func decodeImage(data []byte, mime string, lim Limits) (image.Image, imageCodec, error) {
	codec, ok := codecFor(mime)
	if !ok {
		return nil, codec, fmt.Errorf("%w: %s", ErrUnsupported, mime)
	}
	cfg, err := codec.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, codec, fmt.Errorf("%w: %s header: %w", ErrMalformed, codec.name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, codec, fmt.Errorf("%w: %s image of %dx%d pixels", ErrMalformed, codec.name, cfg.Width, cfg.Height)
	}
	if lim.MaxImagePixels > 0 && int64(cfg.Width)*int64(cfg.Height) > lim.MaxImagePixels {
		return nil, codec, fmt.Errorf("%w: image of %dx%d pixels is larger than %d pixels",
			ErrLimit, cfg.Width, cfg.Height, lim.MaxImagePixels)
	}
	img, err := codec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, codec, fmt.Errorf("%w: %s: %w", ErrMalformed, codec.name, err)
	}
	return img, codec, nil
}

// extractImage OCRs an image and makes its thumbnail.
func (e *Extractor) extractImage(ctx context.Context, in Input, lim Limits) (*Result, error) {
	data, err := readInput(in, lim.MaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	img, codec, err := decodeImage(data, in.MIMEType, lim)
	if err != nil {
		return nil, err
	}
	res := &Result{Pages: 1}
	if th, err := thumbnailPNG(img); err == nil {
		res.Thumbnail = th
	}
	if !e.ocr.Available() {
		res.Notes = append(res.Notes, e.ocr.missingNote())
		return res, nil
	}
	if lim.OCRMaxPages == 0 {
		return res, nil
	}
	src := data
	if !codec.tesseractReads {
		if src, err = encodePNG(img); err != nil {
			return nil, err
		}
	}
	texts, notes, err := e.ocr.recognizeAll(ctx, []ocrJob{{page: 0, img: src}}, lim)
	if err != nil {
		return nil, err
	}
	res.Text = texts[0]
	res.Notes = append(res.Notes, notes...)
	return res, nil
}
