// Command testsum runs `go test -json` with the given arguments and prints
// what plain `go test` prints (the ok/FAIL line of each package and the
// output of failed tests), then every skipped test with its reason and a
// closing count. For packages matching -progress it also prints each
// top-level test as it finishes, so a long end-to-end package shows life.
// It exits with go test's status. `make test` uses it:
//
//	go run ./internal/tools/testsum -progress cmd/docuvault -- -timeout 40m ./...
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

func main() {
	progress := flag.String("progress", "", "comma-separated package path suffixes whose top-level tests are reported as they finish")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: go run ./internal/tools/testsum [-progress PKG,...] -- [go test flags] PACKAGES")
		flag.PrintDefaults()
	}
	flag.Parse()
	cmd := exec.Command("go", append([]string{"test", "-json"}, flag.Args()...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	s := newSummary(os.Stdout, strings.Split(*progress, ","))
	rerr := s.read(out)
	werr := cmd.Wait()
	s.finish()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(werr, &ee):
		code = ee.ExitCode()
	case werr != nil || rerr != nil:
		fmt.Fprintln(os.Stderr, "testsum:", errors.Join(werr, rerr))
		code = 2
	}
	if code == 0 && s.failed > 0 {
		code = 1
	}
	os.Exit(code)
}

// event is one line of test2json output (go doc test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Elapsed    float64
	Output     string
}

type skip struct{ pkg, test, reason string }

// summary turns a test2json stream into go test's short output.
type summary struct {
	w                      io.Writer
	progress               []string
	buf                    map[string][]string // package+"\x00"+test -> output lines
	testFailed             map[string]bool     // packages with a failed test
	skips                  []skip
	passed, failed, skippd int
}

func newSummary(w io.Writer, progress []string) *summary {
	return &summary{w: w, progress: progress, buf: map[string][]string{}, testFailed: map[string]bool{}}
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			fmt.Fprintln(s.w, sc.Text()) // not JSON: pass it on
			continue
		}
		s.event(e)
	}
	return sc.Err()
}

func (s *summary) event(e event) {
	key := e.Package + "\x00" + e.Test
	switch {
	case e.Action == "build-output":
		fmt.Fprint(s.w, e.Output)
	case e.Test == "" && e.Action == "output":
		if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "=== ") {
			fmt.Fprint(s.w, e.Output)
		}
	case e.Test == "" && e.Action == "fail":
		// A package that fails with no failed test (it did not build, a
		// test binary crashed or timed out) counts as one failure.
		if !s.testFailed[e.Package] {
			s.failed++
		}
	case e.Test == "":
	case e.Action == "output":
		s.buf[key] = append(s.buf[key], e.Output)
	case e.Action == "pass" || e.Action == "fail" || e.Action == "skip":
		lines := s.buf[key]
		delete(s.buf, key)
		switch e.Action {
		case "pass":
			s.passed++
		case "fail":
			s.failed++
			s.testFailed[e.Package] = true
			for _, l := range lines {
				if !strings.HasPrefix(l, "=== ") {
					fmt.Fprint(s.w, l)
				}
			}
		case "skip":
			s.skippd++
			s.skips = append(s.skips, skip{e.Package, e.Test, reason(lines)})
		}
		if !strings.Contains(e.Test, "/") && s.watched(e.Package) {
			fmt.Fprintf(s.w, "    %s %s (%.1fs)\n", strings.ToUpper(e.Action), e.Test, e.Elapsed)
		}
	}
}

func (s *summary) watched(pkg string) bool {
	for _, p := range s.progress {
		if p != "" && strings.HasSuffix(pkg, p) {
			return true
		}
	}
	return false
}

// reason is what a skipped test said: its log lines without the
// "file_test.go:12:" prefix and without the RUN/SKIP headers.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		if i := strings.Index(t, ".go:"); i > 0 && !strings.Contains(t[:i], " ") {
			if j := strings.Index(t[i+4:], ": "); j >= 0 {
				t = t[i+4+j+2:]
			}
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// finish lists the skipped tests and prints the closing count.
func (s *summary) finish() {
	if len(s.skips) > 0 {
		sort.SliceStable(s.skips, func(i, j int) bool { return s.skips[i].pkg < s.skips[j].pkg })
		fmt.Fprintf(s.w, "\nSkipped tests:\n")
		for _, k := range s.skips {
			fmt.Fprintf(s.w, "  %s %s: %s\n", k.pkg, k.test, k.reason)
		}
	}
	fmt.Fprintf(s.w, "\n%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skippd)
}
