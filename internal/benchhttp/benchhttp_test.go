package benchhttp

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	m, err := parseStatus([]byte("Name:\tdocuvault\nVmPeak:\t 900 kB\nVmHWM:\t  204800 kB\nVmRSS:\t   102400 kB\n"))
	if err != nil || m.rss != 100<<20 || m.hwm != 200<<20 {
		t.Errorf("parseStatus = %+v, %v; want rss 100 MiB, hwm 200 MiB", m, err)
	}
	for _, bad := range []string{"VmRSS:\t 12 MB\nVmHWM:\t 1 kB\n", "VmRSS:\t 1x kB\nVmHWM:\t 1 kB\n", "Name:\tx\n"} {
		if _, err := parseStatus([]byte(bad)); err == nil {
			t.Errorf("parseStatus(%q) gave no error", bad)
		}
	}
}

// findPDFs reads plain and gzipped PDFs, skips other files and spreads its
// pick over the sorted list.
func TestFindPDFs(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("%PDF-1.4 gzipped"))
	zw.Close()
	write("a/one.pdf", []byte("%PDF-1.4 one"))
	write("b/two.pdf.gz", gz.Bytes())
	write("c/three.pdf", []byte("%PDF-1.4 three"))
	write("d/four.pdf", []byte("%PDF-1.4 four"))
	write("e/notes.txt", []byte("%PDF-1.4 wrong name"))
	write("f/fake.pdf", []byte("not a PDF"))

	all, err := findPDFs(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.name)
	}
	if got := strings.Join(names, " "); got != "one.pdf two.pdf three.pdf four.pdf" {
		t.Errorf("findPDFs = %s", got)
	}
	if string(all[1].data) != "%PDF-1.4 gzipped" {
		t.Errorf("the .pdf.gz was not decompressed: %q", all[1].data)
	}
	two, err := findPDFs(dir, 2) // of the 5 *.pdf[.gz] paths, the 1st and the 3rd
	if err != nil || len(two) != 2 || two[0].name != "one.pdf" || two[1].name != "three.pdf" {
		t.Errorf("findPDFs(2) = %v, %v", two, err)
	}
	if _, err := findPDFs(t.TempDir(), 5); err == nil {
		t.Error("an empty folder gave no error")
	}
}

// The text corpus is the same on every run and every document has its
// reference, the word the harness searches to count them.
func TestTextDocs(t *testing.T) {
	a, b := textDocs(50), textDocs(50)
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("document %d differs between two calls", i)
		}
		if n := len(a[i]); n < 900 || n > 3000 || !bytes.HasPrefix(a[i], []byte("Reference DV-")) {
			t.Errorf("document %d: %d bytes, starts %.20q", i, n, a[i])
		}
	}
}

func TestWriteTable(t *testing.T) {
	var out bytes.Buffer
	w := workload{o: Options{Searches: 200, Settle: 5 * time.Second}, texts: make([][]byte, 300), pdfs: make([]pdfFile, 30), pages: 600}
	writeTable(&out, w, []result{{engine: "SQLite", textRate: 100, pdfRate: 10, pageRate: 200, rawPageRate: 250,
		p50: 4 * time.Millisecond, p95: 7 * time.Millisecond, idleFirst: 90 << 20}})
	for _, want := range []string{
		"| measure | DocuVault SQLite | Papra (issue #23, not this run) |",
		"| 300 small text documents, upload to searchable | 100.0 docs/s | 50.3 docs/s (300) |",
		"| 30 real PDFs (600 pages), upload to ready | 10.00 docs/s, 200.0 pages/s |",
		"| DocuVault per page / raw PDFium (goal >= 70%) | 80% |",
		"| 200 searches, p50 / p95 | 4.0 / 7.0 ms |",
		"| RSS idle 5s after a first start | 90 MB |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}
