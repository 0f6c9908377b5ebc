package main

import (
	"strings"
	"testing"
)

// A test2json stream becomes go test's short output, the skipped tests with
// their reasons, progress for a watched package and the closing count (a
// package that does not build counts as a failure).
func TestSummary(t *testing.T) {
	stream := `{"Action":"start","Package":"ex/a"}
{"Action":"run","Package":"ex/a","Test":"TestOK"}
{"Action":"output","Package":"ex/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"ex/a","Test":"TestOK","Output":"    a_test.go:3: chatter\n"}
{"Action":"pass","Package":"ex/a","Test":"TestOK","Elapsed":0.5}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"=== RUN   TestPG\n"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"    storetest.go:65: SKIPPING PostgreSQL test: no server\n"}
{"Action":"output","Package":"ex/a","Test":"TestPG","Output":"--- SKIP: TestPG (0.00s)\n"}
{"Action":"skip","Package":"ex/a","Test":"TestPG"}
{"Action":"output","Package":"ex/a","Output":"PASS\n"}
{"Action":"output","Package":"ex/a","Output":"ok  \tex/a\t0.6s\n"}
{"Action":"pass","Package":"ex/a","Elapsed":0.6}
{"Action":"output","Package":"ex/cmd/docuvault","Test":"TestBad/sub","Output":"    x_test.go:9: boom\n"}
{"Action":"output","Package":"ex/cmd/docuvault","Test":"TestBad/sub","Output":"--- FAIL: TestBad/sub (0.00s)\n"}
{"Action":"fail","Package":"ex/cmd/docuvault","Test":"TestBad/sub"}
{"Action":"fail","Package":"ex/cmd/docuvault","Test":"TestBad","Elapsed":2}
{"Action":"output","Package":"ex/cmd/docuvault","Output":"FAIL\tex/cmd/docuvault\t2.1s\n"}
{"Action":"fail","Package":"ex/cmd/docuvault","Elapsed":2.1}
{"Action":"output","Package":"ex/broken","Output":"FAIL\tex/broken [build failed]\n"}
{"Action":"fail","Package":"ex/broken","Elapsed":0}
`
	var out strings.Builder
	s := newSummary(&out, []string{"cmd/docuvault"})
	if err := s.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	s.finish()
	got := out.String()
	for _, want := range []string{
		"ok  \tex/a\t0.6s\n",
		"    x_test.go:9: boom\n",
		"    FAIL TestBad (2.0s)\n",
		"FAIL\tex/cmd/docuvault\t2.1s\n",
		"Skipped tests:\n  ex/a TestPG: SKIPPING PostgreSQL test: no server\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, bad := range []string{"chatter", "PASS\n", "=== RUN"} {
		if strings.Contains(got, bad) {
			t.Errorf("output has %q, which plain go test hides:\n%s", bad, got)
		}
	}
	if !strings.HasSuffix(got, "\n1 passed, 3 failed, 1 skipped\n") {
		t.Errorf("closing line wrong:\n%s", got)
	}
}
