package document

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// zipOf writes entries in the given order, stored or deflated.
func zipOf(t *testing.T, entries ...[3]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e[2] == "store" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, e[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// padding is an incompressible entry that pushes later entries past the
// first 3 KiB mimetype.Detect looks at.
func padding() string {
	var b strings.Builder
	x := uint32(1)
	for b.Len() < 6000 {
		x = x*1664525 + 1013904223
		b.WriteByte(byte('!' + x>>24%90))
	}
	return b.String()
}

const odfManifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`

// Office files whose type is not in their first entry are still accepted
// by content (the ODT manuals of Debian's live-manual-odf start with
// directories and have no "mimetype" entry); other archives are refused.
func TestSniffOfficeArchives(t *testing.T) {
	odt := "application/vnd.oasis.opendocument.text"
	docx := "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	xlsx := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"odt, manifest after padding, no mimetype", zipOf(t, [3]string{"Pictures/a.png", padding(), "store"},
			[3]string{"META-INF/manifest.xml", odfManifest, ""}, [3]string{"content.xml", "<office:document-content/>", ""}), odt},
		{"odt, mimetype entry late", zipOf(t, [3]string{"Thumbnails/t.png", padding(), "store"},
			[3]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet", "store"}), "application/vnd.oasis.opendocument.spreadsheet"},
		{"docx, content types late", zipOf(t, [3]string{"customXml/item1.xml", padding(), "store"},
			[3]string{"[Content_Types].xml", `<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`, ""}), docx},
		{"xlsx by part name", zipOf(t, [3]string{"docProps/app.xml", padding(), "store"}, [3]string{"xl/workbook.xml", "<workbook/>", ""}), xlsx},
		{"odf template is not a document", zipOf(t, [3]string{"Pictures/a.png", padding(), "store"},
			[3]string{"mimetype", "application/vnd.oasis.opendocument.text-template", "store"}), ""},
		{"plain archive", zipOf(t, [3]string{"a.txt", padding(), "store"}, [3]string{"b/c.txt", "hello", ""}), ""},
		{"zip bomb manifest is read only in part", zipOf(t, [3]string{"Pictures/a.png", padding(), "store"},
			[3]string{"META-INF/manifest.xml", strings.Repeat(" ", 50<<20), ""}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mt, _, all, err := sniff(bytes.NewReader(tt.data), "file.bin")
			if err != nil {
				t.Fatal(err)
			}
			if mt != tt.want {
				t.Errorf("type %q, want %q", mt, tt.want)
			}
			if got, _ := io.ReadAll(all); !bytes.Equal(got, tt.data) {
				t.Error("sniff lost bytes of the upload")
			}
		})
	}
	// A truncated archive (its head only) is refused, not a panic.
	data := zipOf(t, [3]string{"Pictures/a.png", padding(), "store"}, [3]string{"META-INF/manifest.xml", odfManifest, ""})
	for n := 0; n < len(data); n += 97 {
		zipOfficeType(data[:n])
	}

	real := "/usr/share/doc/live-manual/odt/live-manual.en.odt"
	b, err := os.ReadFile(real)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing on CI (.ci/run installs live-manual-odf): %v", real, err)
		}
		t.Logf("skipping the real manual: %v", err)
		return
	}
	if mt, ext, _, _ := sniff(bytes.NewReader(b), "manual.odt"); mt != odt || ext != ".odt" {
		t.Errorf("live-manual.en.odt: %q %q", mt, ext)
	}
}

// FuzzZipOfficeType: any head of an upload is classified without a panic,
// and only ever as an office type or nothing.
func FuzzZipOfficeType(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	f.Add(zipOf(&testing.T{}, [3]string{"META-INF/manifest.xml", odfManifest, ""}))
	f.Add(zipOf(&testing.T{}, [3]string{"mimetype", "application/vnd.oasis.opendocument.text", "store"}))
	f.Fuzz(func(t *testing.T, head []byte) {
		if len(head) > zipSniffBytes {
			head = head[:zipSniffBytes]
		}
		got := zipOfficeType(head)
		if got != "" && !strings.HasPrefix(got, "application/vnd.") {
			t.Fatalf("zipOfficeType = %q", got)
		}
	})
}
