package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// htmlDropped are elements whose content is never text.
var htmlDropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Iframe: true, atom.Object: true,
}

// htmlBlocks are elements that start and end a line.
var htmlBlocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Tr: true, atom.Table: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true, atom.Nav: true,
	atom.Aside: true, atom.Main: true, atom.Blockquote: true, atom.Pre: true, atom.Hr: true,
	atom.Form: true, atom.Address: true, atom.Figure: true, atom.Figcaption: true,
	atom.Fieldset: true, atom.Caption: true, atom.Details: true, atom.Summary: true,
}

// extractHTML reads the text of an HTML page: the title first, then the
// body text with block elements on their own lines. Scripts, styles,
// noscript and template content are dropped; entities are decoded. The
// charset comes from a BOM, a meta tag or the content, like a browser.
func extractHTML(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	data, err := readInput(in, lim.MaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	tb := newTextBuilder(lim)
	if err := htmlText(ctx, data, "", tb); err != nil {
		return nil, err
	}
	return tb.result(1), nil
}

// htmlText converts HTML bytes into text. contentType may name a charset.
func htmlText(ctx context.Context, data []byte, contentType string, tb *textBuilder) error {
	var r io.Reader = bytes.NewReader(data)
	if enc, _, _ := charset.DetermineEncoding(data, contentType); enc != nil {
		r = enc.NewDecoder().Reader(r)
	}
	z := html.NewTokenizer(r)
	var (
		title    strings.Builder
		body     textBuilder
		inTitle  bool
		dropped  int // depth inside dropped elements
		pre      int
		n        int
		titleSet bool
	)
	body.max = tb.max
	for {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); err != io.EOF {
				return fmt.Errorf("%w: html: %w", ErrMalformed, err)
			}
			break
		}
		var err error
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case htmlDropped[a]:
				if tt == html.StartTagToken {
					dropped++
				}
			case a == atom.Title && tt == html.StartTagToken && !titleSet:
				inTitle = true
			case dropped > 0:
			case htmlBlocks[a]:
				if a == atom.Pre && tt == html.StartTagToken {
					pre++
				}
				err = body.newline()
			case a == atom.Td || a == atom.Th:
				body.trimSpace()
				if body.b.Len() > 0 && body.newlines == 0 {
					err = body.write("\t")
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case htmlDropped[a]:
				dropped = max(dropped-1, 0)
			case a == atom.Title && inTitle:
				inTitle, titleSet = false, true
			case dropped > 0:
			case htmlBlocks[a]:
				if a == atom.Pre {
					pre = max(pre-1, 0)
				}
				err = body.newline()
			}
		case html.TextToken:
			switch {
			case dropped > 0:
			case inTitle:
				if title.Len() < tb.max {
					title.Write(z.Text())
				}
			case pre > 0:
				err = body.write(string(z.Text()))
			default:
				err = body.text(string(z.Text()))
			}
		}
		if errors.Is(err, errTextFull) {
			break
		}
	}
	if t := strings.Join(strings.Fields(title.String()), " "); t != "" {
		_ = tb.write(t)
		_ = tb.paragraph()
	}
	_ = tb.write(strings.TrimSpace(body.b.String()))
	if body.truncated {
		tb.truncated = true
	}
	return nil
}
