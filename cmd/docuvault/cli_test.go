package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpOnStdout: `docuvault --help` and every command's --help print to
// stdout, exit 0, and name the command's arguments in the usage line.
func TestHelpOnStdout(t *testing.T) {
	out, errs, code := runCommand(t, nil, "--help")
	if code != 0 || errs != "" || !strings.Contains(out, "Commands:") {
		t.Fatalf("docuvault --help: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	// The command column is aligned: every summary starts at the same column.
	col := -1
	for _, c := range commands() {
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "  "+c.name+" ") {
				i := strings.Index(line, c.summary)
				if col == -1 {
					col = i
				}
				if i != col {
					t.Errorf("summary of %s starts at column %d, others at %d:\n%s", c.name, i, col, out)
				}
			}
		}
	}
	wantUsage := map[string]string{
		"export":        "Usage: docuvault export [--skip-unreachable] DIR",
		"import":        "Usage: docuvault import [--resume] DIR",
		"import-folder": "Usage: docuvault import-folder --user EMAIL DIR",
		"backup-sqlite": "Usage: docuvault backup-sqlite DEST",
		"reindex":       "Usage: docuvault reindex [--batch N] [--restart]",
		"serve":         "Usage: docuvault serve\n",
	}
	for _, c := range commands() {
		out, errs, code := runCommand(t, nil, c.name, "--help")
		if code != 0 || errs != "" || !strings.HasPrefix(out, "Usage: docuvault "+c.name) {
			t.Errorf("docuvault %s --help: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, code, out, errs)
		}
		if w, ok := wantUsage[c.name]; ok && !strings.Contains(out, w) {
			t.Errorf("docuvault %s --help lacks %q:\n%s", c.name, w, out)
		}
	}
	// A mistake is not help: it goes to stderr with a non-zero exit.
	if out, errs, code := runCommand(t, nil, "export", "--bogus"); code == 0 || out != "" || !strings.Contains(errs, "bogus") {
		t.Errorf("docuvault export --bogus: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// oneLine fails unless a command failed with exactly one line on stderr
// containing want.
func oneLine(t *testing.T, env []string, want string, args ...string) {
	t.Helper()
	out, errs, code := runCommand(t, env, args...)
	lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
	if code == 0 || len(lines) != 1 || !strings.Contains(errs, want) {
		t.Errorf("docuvault %v: exit %d, want one line with %q on stderr\nstdout:\n%s\nstderr:\n%s", args, code, want, out, errs)
	}
}

// TestOperatorErrorsOneLine: a busy port, a missing folder and an
// unreachable Redis are each one clear line, not a stack of log records.
func TestOperatorErrorsOneLine(t *testing.T) {
	dataEnv := func() []string { return []string{"DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "HIBP_URL=off"} }
	t.Run("port in use", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		oneLine(t, append(dataEnv(), "LISTEN_ADDR="+ln.Addr().String()), "is already in use", "serve")
	})
	t.Run("missing folder", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope")
		oneLine(t, dataEnv(), "the folder "+missing+" does not exist", "import-folder", "--user", "a@example.com", missing)
		oneLine(t, dataEnv(), "the folder "+missing+" does not exist", "import", missing)
	})
	t.Run("bad REDIS_URL", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		oneLine(t, append(dataEnv(), "LISTEN_ADDR=127.0.0.1:0", "REDIS_URL=redis://"+addr+"/0"), "cannot reach Redis at "+addr, "serve")
	})
}
