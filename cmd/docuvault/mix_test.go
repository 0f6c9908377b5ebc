package main

import (
	"bytes"
	"compress/gzip"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/docuvault/docuvault/internal/blob/blobtest"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// scanPNG draws lines of text the way a scanner sees a letter: black on
// white, large enough for OCR (a 7x13 bitmap font scaled 4x).
func scanPNG(t *testing.T, lines ...string) []byte {
	t.Helper()
	small := image.NewGray(image.Rect(0, 0, 320, 20*len(lines)+20))
	draw.Draw(small, small.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := &font.Drawer{Dst: small, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
	for i, l := range lines {
		d.Dot = fixed.P(10, 20+20*i)
		d.DrawString(l)
	}
	const k = 4
	big := image.NewGray(image.Rect(0, 0, small.Bounds().Dx()*k, small.Bounds().Dy()*k))
	for y := 0; y < big.Bounds().Dy(); y++ {
		for x := 0; x < big.Bounds().Dx(); x++ {
			big.SetGray(x, y, small.GrayAt(x/k, y/k))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// debianDoc reads a real document shipped by a Debian package (.ci/run
// installs them); it is gunzipped when its name ends in .gz.
func debianDoc(t *testing.T, path, pkg string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not installed (apt-get install %s): %v", path, pkg, err)
		}
		t.Fatalf("%s missing on CI (.ci/run installs %s): %v", path, pkg, err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// mixJourney: a new user uploads a mix of PDFs, a scan, office files, a web
// page, a mail and plain text; each becomes ready with text, pages and a
// thumbnail, and a phrase from each finds it, highlighted.
func mixJourney(t *testing.T, base string) {
	ocr := true
	if _, err := exec.LookPath("tesseract"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tesseract missing on CI (.ci/run installs tesseract-ocr)")
		}
		ocr = false
	}
	c := newClient(t, base)
	c.json("POST", "/api/auth/register", map[string]any{"email": "mix@example.test", "password": "a long enough passphrase"}, 201)
	c.token = c.json("POST", "/api/auth/login", map[string]any{"email": "mix@example.test", "password": "a long enough passphrase"}, 200)["access_token"].(string)

	fixture := func(name string) []byte {
		b, err := os.ReadFile("../../internal/extract/testdata/office/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	docs := []struct {
		name   string
		data   []byte
		phrase string // a query that must find exactly this document
		pages  float64
		lang   string
	}{
		{"dot.1.pdf", debianDoc(t, "/usr/share/doc/graphviz/pdf/dot.1.pdf.gz", "graphviz-doc"), `"directed graphs"`, 0, ""},
		{"live-manual.en.odt", debianDoc(t, "/usr/share/doc/live-manual/odt/live-manual.en.odt", "live-manual-odf"), `"About this manual"`, 1, "en"},
		{"report.docx", fixture("python-docx.docx"), `"harbour project"`, 1, "en"},
		{"kunden.xlsx", fixture("excelize.xlsx"), "Dupont", 2, ""},
		{"rechnung.html", fixture("page.html"), "Grundversorgung", 1, ""},
		{"rechnung.eml", fixture("invoice.eml"), `"Guten Tag Frau Schmidt"`, 1, ""},
		{"note.txt", []byte("Reminder: the Zanzibar spice order ships on Friday.\n"), "zanzibar spice", 1, ""},
	}
	if ocr {
		docs = append(docs, struct {
			name   string
			data   []byte
			phrase string
			pages  float64
			lang   string
		}{"scan.png", scanPNG(t, "BRIGHTWATER UTILITIES", "Quarterly heating bill", "Please pay within 30 days"), `"quarterly heating bill"`, 1, ""})
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = c.upload(d.name, d.data)["id"].(string)
	}
	for i, d := range docs {
		doc := c.waitReady(ids[i])
		pages, _ := doc["page_count"].(float64)
		if pages < 1 || (d.pages > 0 && pages != d.pages) || doc["has_thumbnail"] != true {
			t.Errorf("%s: page_count %v (want %v), has_thumbnail %v", d.name, doc["page_count"], d.pages, doc["has_thumbnail"])
		}
		if d.lang != "" && doc["language"] != d.lang {
			t.Errorf("%s: language %v, want %s", d.name, doc["language"], d.lang)
		}
		if code, _, h := c.call("GET", "/api/documents/"+ids[i]+"/thumbnail", nil, ""); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "image/") {
			t.Errorf("%s: thumbnail %d %s", d.name, code, h.Get("Content-Type"))
		}
		code, text, _ := c.call("GET", "/api/documents/"+ids[i]+"/text", nil, "")
		if code != 200 || len(bytes.TrimSpace(text)) == 0 {
			t.Errorf("%s: text %d, %d bytes", d.name, code, len(text))
		}
		items := c.json("GET", "/api/documents?q="+url.QueryEscape(d.phrase), nil, 200)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != ids[i] {
			t.Errorf("%s: search %s found %d documents: %s", d.name, d.phrase, len(items), mustJSON(items))
			continue
		}
		if s, _ := items[0].(map[string]any)["snippet"].(string); !strings.Contains(s, "<mark>") {
			t.Errorf("%s: snippet without highlight: %q", d.name, s)
		}
	}
	// Script and style text of the web page is not indexed.
	for _, q := range []string{"tracking", "sans-serif"} {
		for _, it := range c.json("GET", "/api/documents?q="+q, nil, 200)["items"].([]any) {
			if it.(map[string]any)["original_filename"] == "rechnung.html" {
				t.Errorf("script or style text of the web page found by %q", q)
			}
		}
	}
	if !ocr {
		t.Log("tesseract not installed: the scan was not tried")
	}
}

func TestMixedDocumentsEmbedded(t *testing.T) {
	p := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off")
	mixJourney(t, p.addr)
	p.stop(t)
}

func TestMixedDocumentsPostgresS3(t *testing.T) {
	s3 := blobtest.StartS3(t)
	p := startServe(t, "DATA_DIR="+t.TempDir(), "HIBP_URL=off", "DATABASE_URL="+storetest.PostgresURL(t),
		"MINIO_ENDPOINT="+s3.Endpoint, "MINIO_ACCESS_KEY="+s3.AccessKey, "MINIO_SECRET_KEY="+s3.SecretKey,
		"MINIO_BUCKET="+s3.Bucket, "MINIO_REGION="+s3.Region)
	mixJourney(t, p.addr)
	p.stop(t)
}
