package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// updateOffice rewrites the generated fixtures in testdata/office:
// go test -run TestOfficeFixtures ./internal/extract/ -update-office
var updateOffice = flag.Bool("update-office", false, "rewrite generated office fixtures in testdata/office")

// zipEntry is one file of a hand-built zip.
type zipEntry struct {
	name, body string
	store      bool // stored instead of deflated
}

// buildZip writes entries into a zip in the given order.
func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e.store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatalf("zip %s: %v", e.name, err)
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			t.Fatalf("zip %s: %v", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("zip close: %v", err)
	}
	return buf.Bytes()
}

// fixture reads testdata/office/name, or writes gen() there first with
// -update-office.
func fixture(t testing.TB, name string, gen func() []byte) []byte {
	t.Helper()
	p := filepath.Join("testdata", "office", name)
	if *updateOffice && gen != nil {
		if err := os.WriteFile(p, gen(), 0o644); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s (regenerate with -update-office): %v", p, err)
	}
	return data
}

// wantPhrases fails unless text contains every phrase.
func wantPhrases(t testing.TB, text string, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(text, p) {
			t.Errorf("text lacks %q; text starts %q", p, text[:min(len(text), 600)])
		}
	}
}

// zipFormats are the extractors that read zip containers.
var zipFormats = []struct {
	name string
	f    formatFunc
}{
	{"docx", extractDOCX}, {"pptx", extractPPTX}, {"odf", extractODF}, {"xlsx", extractXLSX},
}

// TestZipHostile: every zip-based extractor refuses bombs, too many
// entries and garbage with specific errors.
func TestZipHostile(t *testing.T) {
	bomb := buildZip(t,
		zipEntry{name: "content.xml", body: strings.Repeat("a", 64<<20)},
		zipEntry{name: "ppt/slides/slide1.xml", body: strings.Repeat("a", 64<<20)},
		zipEntry{name: "xl/workbook.xml", body: strings.Repeat("a", 64<<20)},
	)
	// The same bomb content under the name each format reads first.
	bombs := map[string][]byte{
		"docx": buildZip(t, zipEntry{name: "word/document.xml", body: "<w:document>" + strings.Repeat("<w:p/>", 12<<20) + "</w:document>"}),
		"odf":  bomb,
		"pptx": bomb,
		"xlsx": bomb,
	}
	many := make([]zipEntry, 0, 60)
	for i := range 60 {
		many = append(many, zipEntry{name: fmt.Sprintf("word/f%d.xml", i), body: "x"})
	}
	manyZip := buildZip(t, many...)
	small := withDefaults(Limits{MaxEntries: 50, MaxDecompressedBytes: 256 << 20})
	tight := withDefaults(Limits{MaxDecompressedBytes: 1 << 20})
	for _, zf := range zipFormats {
		tests := []struct {
			name    string
			data    []byte
			lim     Limits
			want    error
			message string
		}{
			{"ratio bomb", bombs[zf.name], withDefaults(Limits{}), ErrLimit, "zip bomb"},
			{"decompressed total", bombs[zf.name], tight, ErrLimit, "decompresses to more than"},
			{"too many entries", manyZip, small, ErrLimit, "60 entries"},
			{"too many entries declared", lyingCount(t, manyZip, 0xFFF0), small, ErrLimit, "declares 65520 entries"},
			{"not a zip", []byte("PK\x03\x04 this is not really a zip"), withDefaults(Limits{}), ErrMalformed, "not a zip"},
			{"empty", nil, withDefaults(Limits{}), ErrMalformed, ""},
			{"empty zip", buildZip(t), withDefaults(Limits{}), ErrMalformed, ""},
		}
		for _, tt := range tests {
			t.Run(zf.name+"/"+tt.name, func(t *testing.T) {
				_, err := zf.f(context.Background(), officeInput(tt.data, "", "x"), tt.lim)
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.message)
				}
			})
		}
	}
}

// lyingCount patches the entry count of the end of central directory
// record, as a hostile zip would to make the reader allocate.
func lyingCount(t testing.TB, data []byte, n uint16) []byte {
	t.Helper()
	data = bytes.Clone(data)
	i := bytes.LastIndex(data, []byte("PK\x05\x06"))
	if i < 0 {
		t.Fatal("no end record")
	}
	binary.LittleEndian.PutUint16(data[i+8:], n)
	binary.LittleEndian.PutUint16(data[i+10:], n)
	return data
}

func TestDeclaredEntries(t *testing.T) {
	var many []zipEntry
	for i := range 70000 { // more than 65535: written as zip64
		many = append(many, zipEntry{name: fmt.Sprintf("%d", i), store: true})
	}
	tests := []struct {
		name string
		data []byte
		n    uint64
		ok   bool
	}{
		{"plain", buildZip(t, zipEntry{name: "a"}, zipEntry{name: "b"}), 2, true},
		{"zip64", buildZip(t, many...), 70000, true},
		{"no record", []byte("not a zip at all"), 0, false},
		{"cut record", []byte("PK\x05\x06\x00"), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := declaredEntries(officeInput(tt.data, "", "x"))
			if n != tt.n || ok != tt.ok {
				t.Errorf("declaredEntries = %d, %v; want %d, %v", n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"word/document.xml", "word/document.xml", true},
		{"./word/./document.xml", "word/document.xml", true},
		{"../../etc/passwd", "", false},
		{"word/../../x.xml", "", false},
		{"/etc/passwd", "", false},
		{"C:/Windows/x.xml", "", false},
		{`word\..\..\x.xml`, "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := safeName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("safeName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestZipSlipIgnored: an entry whose name climbs out is never read, even
// when it cleans to the name of the real part.
func TestZipSlipIgnored(t *testing.T) {
	data := buildZip(t,
		zipEntry{name: "../word/document.xml", body: docxBody("EVIL OUTSIDE")},
		zipEntry{name: "/word/document.xml", body: docxBody("EVIL ABSOLUTE")},
		zipEntry{name: "word/document.xml", body: docxBody("the real text")},
	)
	res, err := extractDOCX(context.Background(), officeInput(data, "", "slip.docx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractDOCX: %v", err)
	}
	if res.Text != "the real text" {
		t.Errorf("Text = %q, want only the safe entry", res.Text)
	}
	z, err := openZip(officeInput(data, "", "slip.docx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	if z.skipped != 2 || len(z.order) != 1 {
		t.Errorf("skipped %d, kept %v; want 2 skipped, 1 kept", z.skipped, z.order)
	}
}

// TestZipNestedNotFollowed: a docx inside a docx is not read.
func TestZipNestedNotFollowed(t *testing.T) {
	inner := buildZip(t, zipEntry{name: "word/document.xml", body: docxBody("INNER SECRET")})
	data := buildZip(t,
		zipEntry{name: "word/document.xml", body: docxBody("outer text")},
		zipEntry{name: "word/embeddings/inner.docx", body: string(inner), store: true},
	)
	res, err := extractDOCX(context.Background(), officeInput(data, "", "nested.docx"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractDOCX: %v", err)
	}
	if strings.Contains(res.Text, "INNER") || res.Text != "outer text" {
		t.Errorf("Text = %q, want only the outer document", res.Text)
	}
}

// TestZipLyingHeader: sizes in the headers are not trusted; a header that
// claims a tiny entry still hits the limit as the bytes are read.
func TestZipLyingHeader(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "content.xml", Method: zip.Deflate,
		CompressedSize64: 0, UncompressedSize64: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Deflate the payload through a one-entry zip and copy its raw data.
	payload := buildZip(t, zipEntry{name: "x", body: strings.Repeat("<a/>", 1<<20)})
	zr, err := zip.NewReader(bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	lim := withDefaults(Limits{MaxDecompressedBytes: 1 << 20})
	_, err = extractODF(context.Background(), officeInput(buf.Bytes(), "", "lie.odt"), lim)
	if !errors.Is(err, ErrLimit) && !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrLimit or ErrMalformed", err)
	}
}

// TestZipCancelled: a cancelled context stops reading.
func TestZipCancelled(t *testing.T) {
	data := fixture(t, "python-docx.docx", nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := extractDOCX(ctx, officeInput(data, "", "x.docx"), withDefaults(Limits{}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// officeInput wraps bytes as an Input.
func officeInput(data []byte, mime, name string) Input {
	return Input{R: bytes.NewReader(data), Size: int64(len(data)), MIMEType: mime, Filename: name}
}

// officeDebianFile reads a file a Debian package ships. It skips when the
// package is missing, and fails when CI=true.
func officeDebianFile(t testing.TB, path, pkg string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (apt-get install %s) is required in CI: %v", path, pkg, err)
		}
		t.Skipf("%s not found; apt-get install %s", path, pkg)
	}
	return data
}

// officeFuzzLimits keep one fuzz input cheap.
func officeFuzzLimits() Limits {
	return withDefaults(Limits{MaxDecompressedBytes: 32 << 20, MaxPages: 20, MaxTextBytes: 1 << 20})
}

// officeFuzzOK reports whether err is one a hostile input may produce.
func officeFuzzOK(err error) bool {
	return err == nil || errors.Is(err, ErrMalformed) || errors.Is(err, ErrLimit)
}

// TestZipMutations flips bytes of every office fixture and runs each zip
// extractor on the result: no panic, only ErrMalformed or ErrLimit, and
// valid text. (The fuzz targets explore further; this runs in every test.)
func TestZipMutations(t *testing.T) {
	var files []string
	for _, ext := range []string{"docx", "pptx", "xlsx"} {
		found, _ := filepath.Glob(filepath.Join("testdata", "office", "*."+ext))
		files = append(files, found...)
	}
	if len(files) < 4 {
		t.Fatalf("found only %v", files)
	}
	r := rand.New(rand.NewPCG(1, 2))
	lim := officeFuzzLimits()
	for _, name := range files {
		seed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 150 {
			data := bytes.Clone(seed)
			for range 1 + r.IntN(4) {
				data[r.IntN(len(data))] = byte(r.UintN(256))
			}
			if i%10 == 0 {
				data = data[:r.IntN(len(data))]
			}
			for _, zf := range zipFormats {
				res, err := zf.f(context.Background(), officeInput(data, "", name), lim)
				if !officeFuzzOK(err) || strings.Contains(fmt.Sprint(err), "panicked") {
					t.Fatalf("%s mutation %d as %s: %v", name, i, zf.name, err)
				}
				if err == nil && !validText(res.Text) {
					t.Fatalf("%s mutation %d as %s: invalid text", name, i, zf.name)
				}
			}
		}
	}
}
