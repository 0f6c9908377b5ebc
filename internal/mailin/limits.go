package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset" // also decodes the common charsets of bodies and headers
	"github.com/emersion/go-message/mail"

	"github.com/docuvault/docuvault/internal/extract"
)

// Limits bound what one message may contain; a message past them fails
// alone and is reported, the poll goes on.
type Limits struct {
	MaxMessageBytes    int64 // default 50 MiB
	MaxAttachments     int   // default 50
	MaxAttachmentBytes int64 // MAX_UPLOAD_BYTES
	MaxDepth           int   // MIME nesting, default 10
}

func (l Limits) withDefaults() Limits {
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = 50 << 20
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = 50
	}
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = 1 << 30
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 10
	}
	return l
}

// ErrRefused marks a message that is malformed or past a limit: it is
// recorded as failed and never retried.
var ErrRefused = errors.New("mailin: message refused")

// attachment is one file part of a message.
type attachment struct {
	Filename string
	MIMEType string
	Inline   bool
	Data     []byte
	TooLarge bool
}

// parsed is what intake needs of a message.
type parsed struct {
	From, Subject, MessageID string
	Date                     time.Time
	Attachments              []attachment
}

// parseMessage reads raw within lim. Filenames and subjects are decoded
// (RFC 2047 and RFC 2231); unknown charsets are kept as they are.
func parseMessage(raw []byte, lim Limits) (*parsed, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, fmt.Errorf("%w: unreadable header: %w", ErrRefused, err)
	}
	h := mail.Header{Header: e.Header}
	p := &parsed{}
	if addrs, err := h.AddressList("From"); err == nil && len(addrs) > 0 {
		p.From = addrs[0].Address
	} else {
		p.From, _ = h.Text("From")
	}
	p.Subject, _ = h.Subject()
	p.MessageID, _ = h.MessageID()
	p.Date, _ = h.Date()
	if err := walk(e, 0, lim, p); err != nil {
		return nil, err
	}
	return p, nil
}

func walk(e *message.Entity, depth int, lim Limits, p *parsed) error {
	if depth > lim.MaxDepth {
		return fmt.Errorf("%w: MIME parts nested deeper than %d levels", ErrRefused, lim.MaxDepth)
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !message.IsUnknownCharset(err) {
				return fmt.Errorf("%w: broken MIME structure: %w", ErrRefused, err)
			}
			if err := walk(part, depth+1, lim, p); err != nil {
				return err
			}
		}
	}
	disp, _, _ := e.Header.ContentDisposition()
	ah := mail.AttachmentHeader{Header: e.Header}
	name, _ := ah.Filename()
	if name == "" {
		name = rfc2231Name(e.Header)
	}
	if disp != "attachment" && name == "" {
		return nil // the body text
	}
	if len(p.Attachments) >= lim.MaxAttachments {
		return fmt.Errorf("%w: more than %d attachments", ErrRefused, lim.MaxAttachments)
	}
	mt, _, _ := e.Header.ContentType()
	a := attachment{Filename: name, MIMEType: strings.ToLower(mt),
		Inline: disp == "inline" || (disp == "" && e.Header.Get("Content-Id") != "")}
	data, err := io.ReadAll(io.LimitReader(e.Body, lim.MaxAttachmentBytes+1))
	if err != nil {
		return fmt.Errorf("%w: attachment %q cannot be decoded: %w", ErrRefused, name, err)
	}
	if int64(len(data)) > lim.MaxAttachmentBytes {
		a.TooLarge = true
	} else {
		a.Data = data
	}
	p.Attachments = append(p.Attachments, a)
	return nil
}

// rfc2231Name decodes an RFC 2231 file name in a charset other than UTF-8
// (filename*=iso-8859-1”caf%E9.pdf), which mime.ParseMediaType drops.
func rfc2231Name(h message.Header) string {
	for _, f := range []struct{ field, key string }{{"Content-Disposition", "filename*="}, {"Content-Type", "name*="}} {
		v := h.Get(f.field)
		i := strings.Index(strings.ToLower(v), f.key)
		if i < 0 {
			continue
		}
		v = v[i+len(f.key):]
		if j := strings.IndexByte(v, ';'); j >= 0 {
			v = v[:j]
		}
		parts := strings.SplitN(strings.Trim(strings.TrimSpace(v), `"`), "'", 3)
		if len(parts) != 3 {
			continue
		}
		raw, err := url.PathUnescape(parts[2])
		if err != nil {
			continue
		}
		r, err := charset.Reader(parts[0], strings.NewReader(raw))
		if err != nil {
			continue
		}
		if b, err := io.ReadAll(io.LimitReader(r, 1024)); err == nil {
			return string(b)
		}
	}
	return ""
}

// wantsType reports whether an attachment passes a rule's type list:
// MIME types ("application/pdf", "image/*") or extensions (".pdf", "pdf").
// An empty list takes the accepted document formats.
func wantsType(types []string, a attachment) bool {
	ext := strings.ToLower(path.Ext(a.Filename))
	if len(types) == 0 {
		if _, ok := extract.FormatOf(a.MIMEType); ok {
			return true
		}
		for _, f := range extract.Formats {
			if ext != "" && (ext == f.Ext || (ext == ".jpeg" && f.Ext == ".jpg") || (ext == ".tif" && f.Ext == ".tiff")) {
				return true
			}
		}
		return false
	}
	for _, t := range types {
		t = strings.ToLower(strings.TrimSpace(t))
		switch {
		case strings.HasSuffix(t, "/*"):
			if strings.HasPrefix(a.MIMEType, strings.TrimSuffix(t, "*")) {
				return true
			}
		case strings.Contains(t, "/"):
			if a.MIMEType == t {
				return true
			}
		case t != "":
			if ext == "."+strings.TrimPrefix(t, ".") {
				return true
			}
		}
	}
	return false
}
