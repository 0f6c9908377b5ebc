package local

import (
	"compress/gzip"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The man-page corpus: the machine's English manual pages (/usr/share/man/manN), labelled by section,
// as a second corpus of a different kind from the Debian descriptions (long reference texts, not
// one-paragraph blurbs). The page header (.TH, which names the section) and comments are dropped,
// roff requests and escapes are stripped; what is left is the text a reader sees.
const (
	manDir = "/usr/share/man"
	// manPerSection caps each section (picked by FNV-32a of the file name) so section 1's 18,000
	// pages do not drown the others.
	manPerSection = 1000
	manMinWords   = 30
)

// manSections are the sections with enough pages on a Debian system: user commands, system calls,
// library functions, file formats, overviews and conventions, administration commands.
var manSections = []string{"1", "2", "3", "5", "7", "8"}

var (
	roffEscape = regexp.MustCompile(`\\(f[BIRP1-4]|f\[[^]]*\]|\(..|\[[^]]*\]|\*.|s[-+]?\d|[-&e|^0 ~"'.%])`)
	roffHeader = regexp.MustCompile(`(?m)^\.(TH|\\"|so|ig|de)\b.*$`)
)

// roffText strips a man page's roff source down to its words.
func roffText(src string) string {
	src = roffHeader.ReplaceAllString(src, "")
	var b strings.Builder
	for line := range strings.SplitSeq(src, "\n") {
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			_, rest, _ := strings.Cut(line, " ") // .SH NAME -> NAME; .B word -> word; .PP -> nothing
			line = rest
		}
		b.WriteString(roffEscape.ReplaceAllString(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// manCorpus reads the corpus; it skips the test when the man pages are missing (unless CI=true).
func manCorpus(tb testing.TB) []debianDoc {
	tb.Helper()
	seenText := map[string]bool{}
	var docs []debianDoc
	for _, sec := range manSections {
		files, _ := filepath.Glob(filepath.Join(manDir, "man"+sec, "*.gz"))
		sort.Slice(files, func(a, b int) bool { return hash32(files[a]) < hash32(files[b]) })
		n := 0
		for _, f := range files {
			if n >= manPerSection {
				break
			}
			if fi, err := os.Lstat(f); err != nil || !fi.Mode().IsRegular() {
				continue // a link to another page
			}
			text := roffText(gunzipFile(tb, f))
			if len(tokens(text)) < manMinWords || seenText[text] {
				continue
			}
			seenText[text] = true
			name := filepath.Base(f)
			docs = append(docs, debianDoc{Package: name, Section: "man" + sec, Text: text, Test: hash32(name)%10 < 3})
			n++
		}
	}
	if len(docs) < 1000 {
		msg := "fewer than 1000 man pages in " + manDir
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return docs
}

func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func gunzipFile(tb testing.TB, path string) string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, 1<<20))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return string(b)
}

// TestManSections trains on 70% of the man-page corpus and requires applied macro-F1 >= 0.87 on the rest.
func TestManSections(t *testing.T) {
	train, test := splitDebian(manCorpus(t))
	m, err := Train(train)
	if err != nil {
		t.Fatal(err)
	}
	e := evaluate(m, test)
	e.Train = len(train)
	t.Logf("man pages by section, at most %d per section, >= %d words:\n%s", manPerSection, manMinWords, e)
	if e.MacroF1 < 0.87 {
		t.Errorf("applied macro-F1 %.4f < 0.87", e.MacroF1)
	}
	logFixedCut(t, train, test)
}

// logFixedCut logs, for comparison, what one fixed 0.5 cut for every topic gives (the rule before
// calibration).
func logFixedCut(t *testing.T, train []Example, test []debianDoc) {
	t.Helper()
	m, err := Config{Folds: -1}.Train(train)
	if err != nil {
		t.Fatal(err)
	}
	e := evaluate(m, test)
	e.Train = len(train)
	t.Logf("with one fixed cut of 0.5 instead: %s", e)
}
