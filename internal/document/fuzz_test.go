package document

import (
	"mime"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// hostileNames seed both fuzz targets (more live in testdata/fuzz).
var hostileNames = []string{
	"report.pdf", "../../etc/passwd", `C:\Users\me\scan.pdf`, "line\nbreak\r.txt", "evil\u202Efdp.exe",
	"zero\u200Bwidth\uFEFF.txt", "cafe\u0301.txt", "  ..hidden.txt  ", "", "/", ".", "..", "bad\xffutf8.txt",
	strings.Repeat("é", 300), `say "hi"; filename=evil.exe`, "a\x00b.txt", "<script>alert(1)</script>.html",
	"x\r\nContent-Type: text/html\r\n\r\n<b>", "%0d%0aSet-Cookie: a=b", strings.Repeat("a", 254) + " b",
	" . a", "日本語の書類.pdf", "\u2066isolate\u2069.txt", "\u061Carabic.txt", "e\u0301\u0323.txt",
}

// FuzzCleanFilename: whatever a client sends, the stored name is valid
// UTF-8 with no control or bidirectional-control characters, no path
// separator, at most 255 bytes, never empty, and cleaning it again changes
// nothing.
func FuzzCleanFilename(f *testing.F) {
	for _, s := range hostileNames {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := CleanFilename(in)
		if !utf8.ValidString(out) {
			t.Fatalf("CleanFilename(%q) = %q: not valid UTF-8", in, out)
		}
		if out == "" || len(out) > maxFilenameBytes {
			t.Fatalf("CleanFilename(%q) = %q: %d bytes", in, out, len(out))
		}
		for _, r := range out {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '/' || r == '\\' {
				t.Fatalf("CleanFilename(%q) = %q keeps %U", in, out, r)
			}
		}
		if again := CleanFilename(out); again != out {
			t.Fatalf("not idempotent: CleanFilename(%q) = %q, then %q", in, out, again)
		}
	})
}

// FuzzContentDisposition: the header built from any stored filename has no
// CR or LF, parses with mime.ParseMediaType as an attachment, and its
// filename parameter gives back exactly the stored name.
func FuzzContentDisposition(f *testing.F) {
	for _, s := range hostileNames {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name := CleanFilename(in)
		h := ContentDisposition(name)
		if strings.ContainsAny(h, "\r\n\x00") {
			t.Fatalf("header for %q has CR, LF or NUL: %q", name, h)
		}
		for i := 0; i < len(h); i++ {
			if h[i] < 0x20 || h[i] >= 0x7f {
				t.Fatalf("header for %q is not printable ASCII at %d: %q", name, i, h)
			}
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil {
			t.Fatalf("header for %q does not parse: %q: %v", name, h, err)
		}
		if disp != "attachment" {
			t.Fatalf("disposition %q in %q", disp, h)
		}
		if params["filename"] != name {
			t.Fatalf("filename parameter %q, want %q (header %q)", params["filename"], name, h)
		}
	})
}
