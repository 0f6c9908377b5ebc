package extract

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
)

// genText is a text file of any size that exists only as a function of the
// offset: "alphaword " first, then a repeated line. It counts the bytes
// extraction reads from it, so a test proves how much of a huge file was
// read without writing it anywhere.
type genText struct {
	size int64
	line string
	read atomic.Int64
}

const genHead = "alphaword "

func (g *genText) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) && off+int64(n) < g.size {
		i := off + int64(n)
		if i < int64(len(genHead)) {
			p[n] = genHead[i]
		} else {
			p[n] = g.line[(i-int64(len(genHead)))%int64(len(g.line))]
		}
		n++
	}
	g.read.Add(int64(n))
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestTextHugeFileReadInPart: a 1 GiB text file (generated, never on
// disk) past MaxDecompressedBytes gives the text of its start, marked
// Truncated, and extraction reads no more than the limit of it.
func TestTextHugeFileReadInPart(t *testing.T) {
	const readLimit = 1 << 20
	g := &genText{size: 1 << 30, line: "the quick brown fox jumps over the lazy dog\r\n"}
	e := newTestExtractor(t, false, Limits{MaxDecompressedBytes: readLimit, MaxTextBytes: 8 << 20})
	res, err := e.Extract(context.Background(), Input{R: g, Size: g.size, MIMEType: "text/plain", Filename: "huge.txt"})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if got := g.read.Load(); got > readLimit {
		t.Fatalf("read %d bytes of the file, limit %d", got, readLimit)
	}
	if !res.Truncated || !strings.HasPrefix(res.Text, "alphaword the quick brown fox jumps over the lazy dog\nthe quick") || !validText(res.Text) ||
		len(res.Text) < readLimit*9/10 || len(res.Text) > readLimit || strings.Contains(res.Text, "\r") {
		t.Fatalf("truncated %v, %d bytes of text, starts %.60q", res.Truncated, len(res.Text), res.Text)
	}
	if !strings.Contains(strings.Join(res.Notes, "; "), "only the first 1048576 bytes of the file were read") {
		t.Errorf("notes %q", res.Notes)
	}
	// The pipeline fetches only that much of a streamed format.
	for mime, want := range map[string]int64{"text/plain; charset=utf-8": readLimit, "text/csv": readLimit, "message/rfc822": readLimit,
		"text/markdown": readLimit, "application/pdf": -1, "text/html": -1, "application/x-unknown": -1} {
		if got := e.PrefixBytes(mime); got != want {
			t.Errorf("PrefixBytes(%q) = %d, want %d", mime, got, want)
		}
	}
}

// TestTextStopsAtTextLimit: once MaxTextBytes of text are collected, the
// rest of the file is not read.
func TestTextStopsAtTextLimit(t *testing.T) {
	const textLimit = 64 << 10
	g := &genText{size: 1 << 30, line: "lorem ipsum dolor sit amet\n"}
	res, err := extractText(context.Background(), Input{R: g, Size: g.size, MIMEType: "text/plain"},
		withDefaults(Limits{MaxTextBytes: textLimit}))
	if err != nil {
		t.Fatal(err)
	}
	if got, most := g.read.Load(), int64(max(textSniff, textLimit)+textChunk); got > most {
		t.Fatalf("read %d bytes of the file for %d bytes of text; at most %d expected", got, textLimit, most)
	}
	if !res.Truncated || len(res.Text) > textLimit || len(res.Text) < textLimit-100 ||
		strings.Join(res.Notes, "; ") != "text truncated to 65536 bytes" {
		t.Fatalf("truncated %v, %d bytes, notes %q", res.Truncated, len(res.Text), res.Notes)
	}
}

// TestTextChunkBoundaries: characters, "\r\n" and legacy encodings read
// across chunk boundaries give the same text as the whole file at once.
func TestTextChunkBoundaries(t *testing.T) {
	tests := []struct {
		name, unit, want, note string
	}{
		{"utf8", "a€\r\nß", "a€\nß", ""},
		{"crlf on the edge", "x\r\n", "x\n", ""},
		{"cr only", "é\r", "é\n", ""},
		{"windows-1252 past the sniffed start", "caf\xe9 \x80\r\n", "café €\n", "text is not UTF-8; read as Windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reps := (textSniff+3*textChunk)/len(tt.unit) + 7
			data := strings.Repeat(tt.unit, reps)
			want := strings.TrimSpace(strings.Repeat(tt.want, reps))
			res, err := extractText(context.Background(), officeInput([]byte(data), "text/plain", "x.txt"), withDefaults(Limits{MaxTextBytes: 64 << 20}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Text != want {
				i := 0
				for i < len(want) && i < len(res.Text) && want[i] == res.Text[i] {
					i++
				}
				t.Fatalf("text differs at byte %d of %d: got %.20q, want %.20q", i, len(want), res.Text[i:], want[i:])
			}
			if res.Truncated || strings.Join(res.Notes, "; ") != tt.note {
				t.Errorf("truncated %v, notes %q", res.Truncated, res.Notes)
			}
		})
	}
	// UTF-8 in the first MiB and one bad byte later: UTF-8, the byte U+FFFD.
	data := strings.Repeat("ü", textSniff) + "\xff end"
	res, err := extractText(context.Background(), officeInput([]byte(data), "text/plain", "x.txt"), withDefaults(Limits{MaxTextBytes: 64 << 20}))
	if err != nil || !strings.HasSuffix(res.Text, "ü\uFFFD end") || len(res.Notes) != 0 {
		t.Fatalf("late invalid byte: %v, ends %q, notes %q", err, res.Text[len(res.Text)-10:], res.Notes)
	}
}

// genEML is a message whose one text/plain body goes on for size bytes,
// generated as it is read: headers first, then genText's body.
type genEML struct {
	head string
	body genText
}

func (g *genEML) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < int64(len(g.head)) {
		n = copy(p, g.head[off:])
	}
	if n == len(p) {
		return n, nil
	}
	m, err := g.body.ReadAt(p[n:], off+int64(n)-int64(len(g.head)))
	return n + m, err
}

// TestEMLHugeBodyReadInPart: an email of 1 GiB (generated) is read up to
// MaxDecompressedBytes and gives its headers and the start of its body,
// marked Truncated, instead of failing.
func TestEMLHugeBodyReadInPart(t *testing.T) {
	const readLimit = 2 << 20
	g := &genEML{head: "Subject: Huge report\r\nFrom: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		body: genText{size: 1 << 30, line: "line of the report\r\n"}}
	size := int64(len(g.head)) + g.body.size
	res, err := extractEML(context.Background(), Input{R: g, Size: size, MIMEType: "message/rfc822"},
		withDefaults(Limits{MaxDecompressedBytes: readLimit, MaxTextBytes: 64 << 20}))
	if err != nil {
		t.Fatalf("extractEML: %v", err)
	}
	if got := g.body.read.Load(); got > readLimit {
		t.Fatalf("read %d bytes of the body, limit %d", got, readLimit)
	}
	if !res.Truncated || !strings.HasPrefix(res.Text, "Subject: Huge report\nFrom: a@example.com\n\nalphaword line of the report\n") ||
		len(res.Text) < readLimit*9/10 || !validText(res.Text) || strings.Join(res.Notes, "; ") != "only the start of the email was read" {
		t.Fatalf("truncated %v, %d bytes, notes %q, starts %.100q", res.Truncated, len(res.Text), res.Notes, res.Text)
	}

	// A body that decodes to more than four times MaxTextBytes is read in
	// part even when the file is within the read limit.
	body := strings.Repeat("word ", 100_000)
	small := "Subject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\n" + body +
		"\r\n--x\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\nPDF\r\n--x--\r\n"
	res, err = extractEML(context.Background(), officeInput([]byte(small), "message/rfc822", "s.eml"), withDefaults(Limits{MaxTextBytes: 64 << 10}))
	if err != nil || !res.Truncated || len(res.Text) > 64<<10 || !strings.HasPrefix(res.Text, "Subject: s\n\nword word") {
		t.Fatalf("long body: %v, truncated %v, %d bytes", err, res != nil && res.Truncated, len(res.Text))
	}
}
