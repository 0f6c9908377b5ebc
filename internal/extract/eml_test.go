package extract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestEMLGolden(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"invoice.eml", "Subject: Ihre Rechnung für März\n" +
			"From: Jürgen Müller <juergen@example.com>\n" +
			"To: Anna Schmidt <anna@example.org>\n" +
			"Date: Mon, 4 Mar 2024 10:15:00 +0100\n\n" +
			"Guten Tag Frau Schmidt,\n\nanbei die Rechnung für März über 42,00 €. Die Zahlung ist fällig am 1. April.\n\nViele Grüße\n\n" +
			"Attachments:\n- Rechnung März.pdf"},
		{"newsletter.eml", "Subject: Newsletter\nFrom: news@example.com\nTo: reader@example.com\n" +
			"Date: Tue, 5 Mar 2024 08:00:00 +0000\n\nNewsletter\n\nNeuigkeiten\nCafé & Croissants für alle."},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := fixture(t, tt.file, nil)
			res, err := extractEML(context.Background(), officeInput(data, "message/rfc822", tt.file), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractEML: %v", err)
			}
			if res.Text != tt.want {
				t.Errorf("Text =\n%q\nwant\n%q", res.Text, tt.want)
			}
		})
	}
}

func TestEMLHostile(t *testing.T) {
	var nested strings.Builder
	nested.WriteString("Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := range 30 {
		fmt.Fprintf(&nested, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i, i+1)
	}
	tests := []struct {
		name, eml string
		want      error
	}{
		{"nested multipart", nested.String(), ErrLimit},
		{"no headers", "just some text without a header line", ErrMalformed},
		{"multipart without boundary", "Content-Type: multipart/mixed\r\n\r\nbody", ErrMalformed},
		{"broken multipart", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nbroken header without colon\r\n\r\n", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractEML(context.Background(), officeInput([]byte(tt.eml), "message/rfc822", "x.eml"), withDefaults(Limits{}))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEMLLenient(t *testing.T) {
	tests := []struct {
		name, eml, want string
	}{
		{"bad content type is plain", "Subject: x\r\nContent-Type: ;;;\r\n\r\nbody", "Subject: x\n\nbody"},
		{"broken base64 keeps prefix", "Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8gV29ybGQ=!!!%%%", "Hello World"},
		{"unknown charset kept", "Content-Type: text/plain; charset=x-unknown\r\n\r\nplain", "plain"},
		{"unnamed attachment", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: image/png\r\n\r\nPNG\r\n--x--\r\n", "Attachments:\n- unnamed image/png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := extractEML(context.Background(), officeInput([]byte(tt.eml), "message/rfc822", "x.eml"), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractEML: %v", err)
			}
			if res.Text != tt.want {
				t.Errorf("Text = %q, want %q", res.Text, tt.want)
			}
		})
	}
}

func FuzzEML(f *testing.F) { fuzzFormat(f, ".eml", extractEML) }
