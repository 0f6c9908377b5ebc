package mailin

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseMessageDecodesNamesAndEnforcesLimits(t *testing.T) {
	lim := Limits{MaxAttachmentBytes: 100}.withDefaults()
	raw := "From: =?ISO-8859-1?Q?J=F6rg?= <Billing@Shop.example>\r\nSubject: =?ISO-8859-1?Q?R=E9sum=E9?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nbody\r\n" +
		"--B\r\nContent-Type: application/pdf; name=\"=?UTF-8?B?w6TDtsO8LnBkZg==?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n" +
		"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=iso-8859-1''caf%E9.PDF\r\n\r\n%PDF-\r\n" +
		"--B\r\nContent-Type: image/png\r\nContent-Disposition: inline; filename=logo.png\r\n\r\npng\r\n" +
		"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=big.pdf\r\n\r\n" + strings.Repeat("x", 200) + "\r\n" +
		"--B--\r\n"
	p, err := parseMessage([]byte(raw), lim)
	if err != nil {
		t.Fatal(err)
	}
	if p.From != "Billing@Shop.example" || p.Subject != "Résumé" {
		t.Errorf("from %q subject %q", p.From, p.Subject)
	}
	if len(p.Attachments) != 4 {
		t.Fatalf("attachments = %+v", p.Attachments)
	}
	a := p.Attachments
	if a[0].Filename != "äöü.pdf" || string(a[0].Data) != "%PDF-" || a[1].Filename != "café.PDF" {
		t.Errorf("names = %q %q, data %q", a[0].Filename, a[1].Filename, a[0].Data)
	}
	if !a[2].Inline || a[3].TooLarge != true || a[3].Data != nil {
		t.Errorf("inline %v, too large %v", a[2].Inline, a[3].TooLarge)
	}
	if !wantsType(nil, a[1]) || wantsType(nil, attachment{Filename: "x.exe", MIMEType: "application/octet-stream"}) {
		t.Error("default types: a .PDF by extension is wanted, an .exe is not")
	}
	if !wantsType([]string{"image/*"}, a[2]) || wantsType([]string{".pdf"}, a[2]) || !wantsType([]string{"pdf"}, a[1]) {
		t.Error("explicit types")
	}

	many := "From: x@y\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
	for i := range 51 {
		many += "--B\r\nContent-Disposition: attachment; filename=f" + strconv.Itoa(i) + ".pdf\r\n\r\n%PDF-\r\n"
	}
	many += "--B--\r\n"
	if _, err := parseMessage([]byte(many), lim); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "more than 50 attachments") {
		t.Errorf("51 attachments: %v", err)
	}
}
