package docdate

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkFind64K is Find on the largest text it reads.
func BenchmarkFind64K(b *testing.B) {
	s, err := os.ReadFile("testdata/de_brief.txt")
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat(string(s), MaxScan/len(s)+1)
	b.SetBytes(MaxScan)
	for b.Loop() {
		Find(text, Options{Now: now})
	}
}

// BenchmarkFindOneLine is the worst layout: 64 KB of dates on one line.
func BenchmarkFindOneLine(b *testing.B) {
	text := strings.Repeat("05.03.2024 ", MaxScan/11)
	b.SetBytes(MaxScan)
	for b.Loop() {
		Find(text, Options{Now: now})
	}
}
