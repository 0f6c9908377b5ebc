package local

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The Debian corpus: every binary package's English long description, labelled by its archive Section,
// read from the machine's apt lists (`apt-get update -o Acquire::Languages=en` fills them).
const (
	// aptListsDir is where apt keeps its lists; DOCUVAULT_APT_LISTS overrides it (a copy survives a
	// later plain `apt-get update`, which deletes the Translation-en files on Debian images that set
	// Acquire::Languages "none").
	aptListsDir = "/var/lib/apt/lists"
	// debianSections is how many of the largest sections are kept.
	debianSections = 10
	// debianMinWords drops descriptions with fewer words (after tokenisation, stop words removed): a
	// one-line synopsis alone says too little about its section.
	debianMinWords = 12
)

type debianDoc struct {
	Package, Section, Text string
	Test                   bool
}

// debianCorpus builds the labelled corpus. It skips the test when the apt lists are missing, unless
// CI=true, where it fails.
func debianCorpus(tb testing.TB) []debianDoc {
	tb.Helper()
	dir := aptListsDir
	if d := os.Getenv("DOCUVAULT_APT_LISTS"); d != "" {
		dir = d
	}
	pkgFiles, _ := filepath.Glob(filepath.Join(dir, "*_Packages*"))
	trFiles, _ := filepath.Glob(filepath.Join(dir, "*_i18n_Translation-en*"))
	pkgFiles, trFiles = dropDiffs(pkgFiles), dropDiffs(trFiles)
	if len(pkgFiles) == 0 || len(trFiles) == 0 {
		msg := "no apt Packages/Translation-en lists in " + dir + "; run `apt-get update -o Acquire::Languages=en`"
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s: required in CI", msg)
		}
		tb.Skip(msg)
	}

	type key struct{ pkg, md5 string }
	descs := map[key]string{}
	for _, f := range trFiles {
		eachStanza(tb, f, func(s map[string]string) {
			if s["Package"] != "" && s["Description-md5"] != "" && s["Description-en"] != "" {
				descs[key{s["Package"], s["Description-md5"]}] = s["Description-en"]
			}
		})
	}
	byPkg := map[string]debianDoc{}
	for _, f := range pkgFiles {
		eachStanza(tb, f, func(s map[string]string) {
			pkg, sec := s["Package"], s["Section"]
			if _, seen := byPkg[pkg]; seen || pkg == "" || sec == "" {
				return
			}
			if i := strings.LastIndexByte(sec, '/'); i >= 0 { // contrib/net, non-free/libs
				sec = sec[i+1:]
			}
			text, ok := descs[key{pkg, s["Description-md5"]}]
			if !ok || len(tokens(text)) < debianMinWords {
				return
			}
			byPkg[pkg] = debianDoc{Package: pkg, Section: sec, Text: text}
		})
	}
	names := make([]string, 0, len(byPkg))
	for p := range byPkg {
		names = append(names, p)
	}
	sort.Strings(names)
	// Several packages of one source often share one description word for word; keep the first so the
	// same text never sits in both the training and the test split.
	seenText := map[string]bool{}
	counts := map[string]int{}
	var docs []debianDoc
	for _, p := range names {
		d := byPkg[p]
		if seenText[d.Text] {
			continue
		}
		seenText[d.Text] = true
		h := fnv.New32a()
		h.Write([]byte(p))
		d.Test = h.Sum32()%5 == 0
		docs = append(docs, d)
		counts[d.Section]++
	}
	secs := make([]string, 0, len(counts))
	for s := range counts {
		secs = append(secs, s)
	}
	sort.Slice(secs, func(a, b int) bool {
		if counts[secs[a]] != counts[secs[b]] {
			return counts[secs[a]] > counts[secs[b]]
		}
		return secs[a] < secs[b]
	})
	keep := map[string]bool{}
	for _, s := range secs[:min(debianSections, len(secs))] {
		keep[s] = true
	}
	out := docs[:0]
	for _, d := range docs {
		if keep[d.Section] {
			out = append(out, d)
		}
	}
	return out
}

func dropDiffs(files []string) []string {
	out := files[:0]
	for _, f := range files {
		if !strings.Contains(f, ".diff") && !strings.HasSuffix(f, "Index") {
			out = append(out, f)
		}
	}
	return out
}

// readList returns an apt list file's text: plain, gzip, or any other compression apt keeps
// (lz4, xz, zstd) through apt's own `apt-helper cat-file`.
func readList(tb testing.TB, path string) []byte {
	tb.Helper()
	switch {
	case strings.HasSuffix(path, "_Packages"), strings.HasSuffix(path, "Translation-en"):
		b, err := os.ReadFile(path)
		if err != nil {
			tb.Fatalf("read %s: %v", path, err)
		}
		return b
	case strings.HasSuffix(path, ".gz"):
		f, err := os.Open(path)
		if err != nil {
			tb.Fatalf("open %s: %v", path, err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatalf("gunzip %s: %v", path, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			tb.Fatalf("gunzip %s: %v", path, err)
		}
		return b
	default:
		b, err := exec.Command("/usr/lib/apt/apt-helper", "cat-file", path).Output()
		if err != nil {
			tb.Fatalf("apt-helper cat-file %s: %v", path, err)
		}
		return b
	}
}

// eachStanza calls fn for each deb822 paragraph of path; continuation lines are joined with "\n" and
// the " ." paragraph separators of descriptions become blank lines.
func eachStanza(tb testing.TB, path string, fn func(map[string]string)) {
	tb.Helper()
	sc := bufio.NewScanner(bytes.NewReader(readList(tb, path)))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	stanza := map[string]string{}
	last := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(stanza) > 0 {
				fn(stanza)
			}
			stanza, last = map[string]string{}, ""
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				cont := strings.TrimSpace(line)
				if cont == "." {
					cont = ""
				}
				stanza[last] += "\n" + cont
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = k
			stanza[k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("scan %s: %v", path, err)
	}
	if len(stanza) > 0 {
		fn(stanza)
	}
}

// evaluation scores what users get: the topics the model applies (Assign, each topic at its own cut),
// per class precision, recall and F1 over the applied sets, and how many documents got no topic. Top1
// is the accuracy of the best candidate alone, for comparison.
type evaluation struct {
	MacroF1, Top1, NoTopic, Multi float64
	F1                            map[string]float64
	Train, Test                   int
}

func (e evaluation) String() string {
	secs := make([]string, 0, len(e.F1))
	for s := range e.F1 {
		secs = append(secs, s)
	}
	sort.Strings(secs)
	var b strings.Builder
	fmt.Fprintf(&b, "train=%d test=%d applied macro-F1=%.4f no-topic=%.4f several=%.4f (best candidate top-1 accuracy=%.4f)\n",
		e.Train, e.Test, e.MacroF1, e.NoTopic, e.Multi, e.Top1)
	for _, s := range secs {
		fmt.Fprintf(&b, "  %-12s F1=%.4f\n", s, e.F1[s])
	}
	return b.String()
}

func evaluate(m *Model, test []debianDoc) evaluation {
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	classes := map[string]bool{}
	var top1, none, multi int
	for _, d := range test {
		classes[d.Section] = true
		if s := m.Scores(d.Text); len(s) > 0 && s[0].TopicID == d.Section {
			top1++
		}
		applied := m.Assign(d.Text)
		switch {
		case len(applied) == 0:
			none++
		case len(applied) > 1:
			multi++
		}
		hit := false
		for _, a := range applied {
			if a.TopicID == d.Section {
				tp[a.TopicID]++
				hit = true
			} else {
				fp[a.TopicID]++
			}
		}
		if !hit {
			fn[d.Section]++
		}
	}
	n := float64(len(test))
	e := evaluation{F1: map[string]float64{}, Test: len(test), Top1: float64(top1) / n, NoTopic: float64(none) / n, Multi: float64(multi) / n}
	for c := range classes {
		p, r := 0.0, 0.0
		if tp[c]+fp[c] > 0 {
			p = float64(tp[c]) / float64(tp[c]+fp[c])
		}
		if tp[c]+fn[c] > 0 {
			r = float64(tp[c]) / float64(tp[c]+fn[c])
		}
		if p+r > 0 {
			e.F1[c] = 2 * p * r / (p + r)
		}
		e.MacroF1 += e.F1[c]
	}
	e.MacroF1 /= float64(len(classes))
	return e
}

func splitDebian(docs []debianDoc) (train []Example, test []debianDoc) {
	for _, d := range docs {
		if d.Test {
			test = append(test, d)
		} else {
			train = append(train, Example{Text: d.Text, TopicIDs: []string{d.Section}})
		}
	}
	return train, test
}

// TestDebianSections trains on 80% of the Debian corpus and requires macro-F1 >= 0.87 on the rest, as
// applied (the topics users get, not the best candidate).
func TestDebianSections(t *testing.T) {
	docs := debianCorpus(t)
	train, test := splitDebian(docs)
	if len(train) < 1000 || len(test) < 200 {
		t.Fatalf("corpus too small: %d train, %d test", len(train), len(test))
	}
	m, err := Train(train)
	if err != nil {
		t.Fatal(err)
	}
	e := evaluate(m, test)
	e.Train = len(train)
	t.Logf("Debian sections, descriptions with >= %d words:\n%s", debianMinWords, e)
	if e.MacroF1 < 0.87 {
		t.Errorf("applied macro-F1 %.4f < 0.87", e.MacroF1)
	}
	logFixedCut(t, train, test)
}
