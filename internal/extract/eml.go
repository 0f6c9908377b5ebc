package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"golang.org/x/net/html/charset"
)

// maxMIMEDepth bounds the nesting of multipart bodies in one message.
const maxMIMEDepth = 16

// emlWalker collects the text parts and attachment names of a message.
type emlWalker struct {
	ctx         context.Context
	lim         Limits
	dec         *mime.WordDecoder
	plain, html []string
	attachments []string
	read        int64 // decoded body bytes
	cut         bool  // the file is longer than MaxDecompressedBytes: only its start is read
	truncated   bool  // a body, or the message, was read in part
}

// extractEML reads an RFC 5322 message: the Subject, From, To and Date
// headers (RFC 2047 decoded), then the text/plain parts, or the text/html
// parts as text when there is no plain part. Quoted-printable and base64
// are decoded, charsets converted. Attachments are listed by name, never
// extracted. Multipart nesting deeper than 16 is refused.
//
// The message is read as a stream: at most MaxDecompressedBytes of the
// file, and of each body at most what can become MaxTextBytes of text (four
// times that, decoded). A longer message gives the text of what was read,
// marked Result.Truncated, instead of failing.
func extractEML(ctx context.Context, in Input, lim Limits) (*Result, error) {
	lim = withDefaults(lim)
	size, cut := in.Size, false
	if size > lim.MaxDecompressedBytes {
		size, cut = lim.MaxDecompressedBytes, true
	}
	msg, err := mail.ReadMessage(bufio.NewReader(io.NewSectionReader(in.R, 0, size)))
	if err != nil {
		return nil, fmt.Errorf("%w: email: %w", ErrMalformed, err)
	}
	w := &emlWalker{ctx: ctx, lim: lim, dec: &mime.WordDecoder{CharsetReader: charset.NewReaderLabel}, cut: cut}
	if err := w.part(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return nil, err
	}
	tb := newTextBuilder(lim)
	for _, h := range []string{"Subject", "From", "To", "Date"} {
		if v := msg.Header.Get(h); v != "" {
			_ = tb.write(h + ": " + w.header(v) + "\n")
		}
	}
	_ = tb.paragraph()
	bodies := w.plain
	if len(bodies) == 0 {
		for _, h := range w.html {
			hb := newTextBuilder(lim)
			if err := htmlText(ctx, []byte(h), "text/html; charset=utf-8", hb); err != nil {
				return nil, err
			}
			bodies = append(bodies, hb.b.String())
		}
	}
	for _, b := range bodies {
		b = strings.ReplaceAll(strings.ReplaceAll(b, "\r\n", "\n"), "\r", "\n")
		_ = tb.write(strings.TrimSpace(b))
		_ = tb.paragraph()
	}
	if len(w.attachments) > 0 {
		_ = tb.write("Attachments:\n")
		for _, a := range w.attachments {
			_ = tb.write("- " + a + "\n")
		}
	}
	res := tb.result(1)
	if (w.cut || w.truncated) && !res.Truncated {
		res.Truncated = true
		res.Notes = append(res.Notes, "only the start of the email was read")
	}
	return res, nil
}

// header decodes RFC 2047 words; undecodable headers are kept as they are.
func (w *emlWalker) header(v string) string {
	if d, err := w.dec.DecodeHeader(v); err == nil {
		v = d
	}
	return strings.Join(strings.Fields(v), " ")
}

// part handles one MIME entity: a multipart container, a text body or an
// attachment.
func (w *emlWalker) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if depth > maxMIMEDepth {
		return fmt.Errorf("%w: email multipart nested deeper than %d", ErrLimit, maxMIMEDepth)
	}
	ctype := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ctype)
	if ctype == "" || err != nil {
		mt, params = "text/plain", map[string]string{}
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if strings.HasPrefix(mt, "multipart/") {
		return w.multipart(body, params["boundary"], depth)
	}
	isText := mt == "text/plain" || mt == "text/html"
	if disp == "attachment" || !isText {
		if name == "" {
			name = "unnamed " + mt
		}
		w.attachments = append(w.attachments, w.header(name))
		return nil
	}
	text, err := w.decodeBody(h, body, params["charset"])
	if err != nil {
		return err
	}
	if mt == "text/html" {
		w.html = append(w.html, text)
	} else {
		w.plain = append(w.plain, text)
	}
	return nil
}

// multipart walks the parts of a multipart body.
func (w *emlWalker) multipart(body io.Reader, boundary string, depth int) error {
	if boundary == "" {
		return fmt.Errorf("%w: email multipart without boundary", ErrMalformed)
	}
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil && w.cut {
			return nil // the end of what was read of a longer file
		}
		if err != nil {
			return fmt.Errorf("%w: email multipart: %w", ErrMalformed, err)
		}
		if err := w.part(p.Header, p, depth+1); err != nil {
			return err
		}
	}
}

// decodeBody undoes the transfer encoding and converts the charset to
// UTF-8, counting the decoded bytes against MaxDecompressedBytes. A body
// longer than what is left of that, or than four times MaxTextBytes, is
// read in part (w.truncated); the rest is skipped by the caller's reader.
func (w *emlWalker) decodeBody(h textproto.MIMEHeader, body io.Reader, cs string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &base64Cleaner{r: body})
	}
	most := min(w.lim.MaxDecompressedBytes-w.read, 4*int64(w.lim.MaxTextBytes))
	// A broken base64 or quoted-printable tail keeps the text before it.
	data, _ := io.ReadAll(io.LimitReader(body, most+1))
	if int64(len(data)) > most {
		data = data[:most]
		data = data[:len(data)-textTail(data)] // a UTF-8 character cut in two
		w.truncated = true
	}
	w.read += int64(len(data))
	if cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
		if r, err := charset.NewReaderLabel(cs, bytes.NewReader(data)); err == nil {
			if conv, err := io.ReadAll(r); err == nil {
				data = conv
			}
		}
	}
	return strings.ToValidUTF8(string(data), "\uFFFD"), nil
}

// base64Cleaner drops the line breaks and spaces base64 bodies carry, and
// anything else outside the alphabet, so that the decoder sees clean input.
type base64Cleaner struct{ r io.Reader }

func (c *base64Cleaner) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		j := 0
		for _, b := range p[:n] {
			if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '=' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
