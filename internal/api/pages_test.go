package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

var (
	testExtractorOnce sync.Once
	testExtractor     *extract.Extractor
	testExtractorErr  error
)

// sharedExtractor starts one PDFium for this test binary; its compiled code
// is cached under os.TempDir()/docuvault-test-wazero like internal/extract's.
func sharedExtractor(t *testing.T) *extract.Extractor {
	t.Helper()
	testExtractorOnce.Do(func() {
		testExtractor, testExtractorErr = extract.New(extract.Config{
			CacheDir: filepath.Join(os.TempDir(), "docuvault-test-wazero"), Workers: 1, OCRProgram: "no-tesseract-here"})
	})
	if testExtractorErr != nil {
		t.Fatal(testExtractorErr)
	}
	return testExtractor
}

// titledPDF builds a PDF of the given pages of text whose information
// dictionary has the given Title ("" for none).
func titledPDF(title string, pages ...string) []byte {
	objs := []string{"<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
	var kids []string
	for _, text := range pages {
		content := "BT /F1 24 Tf 72 700 Td (" + text + ") Tj ET"
		n := len(objs) + 1
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", n+1),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		kids = append(kids, fmt.Sprintf("%d 0 R", n))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	info := ""
	if title != "" {
		objs = append(objs, "<< /Title ("+title+") >>")
		info = fmt.Sprintf(" /Info %d 0 R", len(objs))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, info, xref)
	return b.Bytes()
}

// process runs the real pipeline on a document, as the job would.
func (e *docEnv) process(id string) {
	e.t.Helper()
	p := pipeline.New(e.st, e.blobs, sharedExtractor(e.t), nil, nil, e.t.TempDir(), pipeline.Limits{Timeout: time.Minute})
	if err := p.Process(context.Background(), id, true); err != nil {
		e.t.Fatalf("process %s: %v", id, err)
	}
}

func (e *docEnv) document(user, id string) map[string]any {
	e.t.Helper()
	res, b := e.do(user, "GET", "/api/documents/"+id, nil, "")
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	if res.StatusCode != 200 {
		e.t.Fatalf("get %s: %d %s", id, res.StatusCode, b)
	}
	return body["document"].(map[string]any)
}

func pngSize(t *testing.T, b []byte) (int, int) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v (%d bytes)", err, len(b))
	}
	return cfg.Width, cfg.Height
}

// The viewer's pages: every page of a PDF as a PNG at a clamped width,
// served from the page cache the second time; a page beyond the last, a
// page that is not a number and another user's document are all 404; an
// image's page 1 is the image; a type without pages shows its thumbnail
// and says so.
func TestDocumentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		e.docs.SetPageRenderer(sharedExtractor(t))
		alice := e.user("alice@x.test", 0, 0)
		mallory := e.user("mallory@x.test", 0, 0)
		res, body := e.upload(alice, "three.pdf", titledPDF("", "first page", "second page", "third page"), "")
		if res.StatusCode != 201 {
			t.Fatalf("upload: %d %v", res.StatusCode, body)
		}
		id := body["document"].(map[string]any)["id"].(string)
		e.process(id)
		if d := e.document(alice, id); d["page_count"] != float64(3) {
			t.Fatalf("page_count %v", d["page_count"])
		}
		get := func(user, path string) (int, string, []byte) {
			res, b := e.do(user, "GET", path, nil, "")
			return res.StatusCode, res.Header.Get("X-Page-Cache"), b
		}
		base := "/api/documents/" + id + "/pages/"
		code, cache, first := get(alice, base+"2")
		if code != 200 || cache != "miss" {
			t.Fatalf("page 2: %d cache %q %s", code, cache, first)
		}
		if w, _ := pngSize(t, first); w != extract.DefaultPageWidth {
			t.Fatalf("default width %d", w)
		}
		code, cache, again := get(alice, base+"2")
		if code != 200 || cache != "hit" || !bytes.Equal(first, again) {
			t.Fatalf("second request: %d cache %q", code, cache)
		}
		for _, tc := range []struct {
			width string
			want  int
		}{{"5", extract.MinPageWidth}, {"99999", extract.MaxPageWidth}, {"640", 640}} {
			code, _, b := get(alice, base+"3?width="+tc.width)
			if code != 200 {
				t.Fatalf("width %s: %d %s", tc.width, code, b)
			}
			if w, _ := pngSize(t, b); w != tc.want {
				t.Errorf("width=%s gave %d pixels, want %d", tc.width, w, tc.want)
			}
		}
		for _, p := range []string{"4", "0", "-1", "x"} {
			if code, _, b := get(alice, base+p); code != 404 {
				t.Errorf("page %q: %d %s", p, code, b)
			}
		}
		if code, _, b := get(alice, base+"1?width=wide"); code != 400 {
			t.Errorf("width=wide: %d %s", code, b)
		}
		// Another user's document answers like one that does not exist.
		code, _, theirs := get(mallory, base+"1")
		code2, _, missing := get(mallory, "/api/documents/"+store.NewID()+"/pages/1")
		if code != 404 || code2 != 404 || strings.Contains(string(theirs), "page") != strings.Contains(string(missing), "page") {
			t.Fatalf("mallory: %d %s / %d %s", code, theirs, code2, missing)
		}

		// An image: page 1 is the image, scaled down (never up).
		img := image.NewRGBA(image.Rect(0, 0, 900, 300))
		for x := range 900 {
			img.Set(x, 150, color.Black)
		}
		var buf bytes.Buffer
		_ = png.Encode(&buf, img)
		_, body = e.upload(alice, "scan.png", buf.Bytes(), "")
		imgID := body["document"].(map[string]any)["id"].(string)
		e.process(imgID)
		code, _, b := get(alice, "/api/documents/"+imgID+"/pages/1?width=300")
		if w, h := pngSize(t, b); code != 200 || w != 300 || h != 100 {
			t.Fatalf("image page: %d %dx%d", code, w, h)
		}
		if code, _, _ := get(alice, "/api/documents/"+imgID+"/pages/2"); code != 404 {
			t.Fatalf("image page 2: %d", code)
		}

		// A text file has no pages to draw: page 1 is its thumbnail.
		_, body = e.upload(alice, "note.txt", []byte("just a note"), "")
		txtID := body["document"].(map[string]any)["id"].(string)
		e.process(txtID)
		res, b = e.do(alice, "GET", "/api/documents/"+txtID+"/pages/1", nil, "")
		if res.StatusCode != 200 || res.Header.Get("X-Page-Preview") != "thumbnail" {
			t.Fatalf("text page: %d %q", res.StatusCode, res.Header.Get("X-Page-Preview"))
		}
		pngSize(t, b)
	})
}

// A PDF's own title becomes the document's title only when the user gave
// none at upload and has not renamed it; placeholder titles are ignored.
func TestPDFTitleIsDefaultTitle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newDocEnv(t, st, 1<<20)
		alice := e.user("alice@x.test", 0, 0)
		upload := func(name string, pdf []byte, fields ...string) string {
			res, body := e.upload(alice, name, pdf, "?allow_duplicate=true", fields...)
			if res.StatusCode != 201 {
				t.Fatalf("upload %s: %d %v", name, res.StatusCode, body)
			}
			return body["document"].(map[string]any)["id"].(string)
		}
		titled := titledPDF("Microsoft Word - Quarterly Report 2024.docx", "numbers")
		auto := upload("scan_0042.pdf", titled)
		given := upload("scan_0043.pdf", titled, "title", "My own title")
		edited := upload("scan_0044.pdf", titled)
		res, b := e.do(alice, "PATCH", "/api/documents/"+edited, strings.NewReader(`{"title":"Renamed"}`), "application/json")
		if res.StatusCode != 200 {
			t.Fatalf("patch: %d %s", res.StatusCode, b)
		}
		untitled := upload("scan_0045.pdf", titledPDF("Untitled", "numbers"))
		for _, id := range []string{auto, given, edited, untitled} {
			e.process(id)
		}
		for id, want := range map[string]string{auto: "Quarterly Report 2024", given: "My own title", edited: "Renamed",
			untitled: "scan_0045"} {
			if got := e.document(alice, id)["title"]; got != want {
				t.Errorf("title %q, want %q", got, want)
			}
		}
		// The new title is searchable.
		res, b = e.do(alice, "GET", "/api/documents?q=quarterly", nil, "")
		if res.StatusCode != 200 || !strings.Contains(string(b), auto) {
			t.Fatalf("search by the PDF title: %d %s", res.StatusCode, b)
		}
	})
}
