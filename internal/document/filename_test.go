package document

import (
	"strings"
	"testing"
)

func TestCleanFilename(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\scan.pdf`, "scan.pdf"},
		{"line\nbreak\r.txt", "linebreak.txt"},
		{"evil\u202Efdp.exe", "evilfdp.exe"},
		{"zero\u200Bwidth\uFEFF.txt", "zerowidth.txt"},
		{"cafe\u0301.txt", "caf\u00e9.txt"}, // NFC
		{"  ..hidden.txt  ", "hidden.txt"},
		{"", "document"},
		{"/", "document"},
		{"bad\xffutf8.txt", "bad\uFFFDutf8.txt"},
		{strings.Repeat("é", 300), strings.Repeat("é", 127)},
	} {
		if got := CleanFilename(tc.in); got != tc.want {
			t.Errorf("CleanFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	got := ContentDisposition(`Rechnung "März" 📄;.pdf`)
	want := `attachment; filename="Rechnung _M_rz_ _;.pdf"; filename*=UTF-8''Rechnung%20%22M%C3%A4rz%22%20%F0%9F%93%84%3B.pdf`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		head     string
		name     string
		wantType string
	}{
		{"%PDF-1.7\n", "x.bin", "application/pdf"},
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.txt", "image/png"},
		{"hello world, plain words", "notes.md", "text/markdown"},
		{"a,b,c\n1,2,3\n4,5,6\n", "data.csv", "text/csv"},
		{"hello world, plain words", "report.pdf", "text/plain"},
		{`<svg xmlns="http://www.w3.org/2000/svg"></svg>`, "x.txt", ""},
		{`{"json": true}`, "x.txt", ""},
		{"MZ\x90\x00\x03\x00\x00\x00", "x.pdf", ""},
		{"<!DOCTYPE html><html><body>hi</body></html>", "x.txt", "text/html"},
		{"{\\rtf1\\ansi hello}", "x.txt", "text/rtf"},
	} {
		got, _ := Classify([]byte(tc.head), tc.name)
		if got != tc.wantType {
			t.Errorf("Classify(%q, %q) = %q, want %q", tc.head, tc.name, got, tc.wantType)
		}
	}
}
