package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is one email to one recipient. Text is required; HTML, when set,
// is sent as the alternative part.
type Message struct {
	To      string // an address, optionally with a display name
	Subject string
	Text    string
	HTML    string
}

// Sender delivers messages. Errors wrap ErrPermanent when retrying cannot
// help; any other error is temporary.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Limits on a message.
const (
	maxSubjectLen = 998 / 4 // characters; encoded it still fits a header line
	maxBodyBytes  = 1 << 20
)

var (
	// ErrPermanent marks failures that retrying will not cure: a 5xx reply,
	// an invalid message, a server that cannot be trusted with credentials.
	ErrPermanent = errors.New("mail: permanent failure")
	// ErrInvalidMessage is wrapped (with ErrPermanent) when a message cannot
	// be sent as given: a bad address, a line break in a header, no text.
	ErrInvalidMessage = errors.New("mail: invalid message")
	// ErrInsecure is wrapped (with ErrPermanent) when credentials would be
	// sent over a connection without TLS.
	ErrInsecure = errors.New("mail: refusing to authenticate without TLS")
	// ErrAuth is wrapped when the server rejects the credentials.
	ErrAuth = errors.New("mail: authentication failed")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrPermanent, ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// validate checks m and returns the parsed recipient.
func (m Message) validate() (*mail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, invalid("recipient contains a line break")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, invalid("subject contains a line break")
	}
	if !utf8.ValidString(m.Subject) || utf8.RuneCountInString(m.Subject) > maxSubjectLen {
		return nil, invalid("subject is not UTF-8 or longer than %d characters", maxSubjectLen)
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, invalid("message has no text")
	}
	if len(m.Text)+len(m.HTML) > maxBodyBytes {
		return nil, invalid("message is larger than %d bytes", maxBodyBytes)
	}
	to, err := parseAddress(m.To)
	if err != nil {
		return nil, invalid("recipient %q: %v", m.To, err)
	}
	return to, nil
}

// parseAddress accepts one plain mailbox whose address has no control
// characters or angle brackets (it goes into RCPT TO as it is).
func parseAddress(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	if strings.ContainsFunc(a.Address, func(r rune) bool { return r < 0x21 || r == 0x7f || r == '<' || r == '>' }) {
		return nil, errors.New("address contains a forbidden character")
	}
	return a, nil
}

// build renders m as an RFC 5322 message with CRLF line ends: UTF-8 bodies
// in quoted-printable, multipart/alternative when there is HTML.
func build(from, to *mail.Address, m Message, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	h := func(k, v string) { buf.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", messageID(from.Address))
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	if m.HTML == "" {
		h("Content-Type", `text/plain; charset="utf-8"`)
		h("Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		if err := writeQP(&buf, m.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	mw := multipart.NewWriter(&buf)
	h("Content-Type", "multipart/alternative;\r\n\tboundary="+mw.Boundary())
	buf.WriteString("\r\n")
	for _, p := range []struct{ ctype, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.ctype + `; charset="utf-8"`},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeQP writes s quoted-printable with CRLF line ends.
func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n"))); err != nil {
		return err
	}
	return qp.Close()
}

// messageID returns a unique Message-ID in the sender's domain.
func messageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}
