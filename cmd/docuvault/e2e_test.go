package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob/blobtest"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// binPath is the docuvault binary built once for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "docuvault-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "docuvault")
	cmd := exec.Command("go", "build", "-o", binPath, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build docuvault:", err)
		os.Exit(1)
	}
	code := blobtest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running docuvault process.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRE = regexp.MustCompile(`msg=listening addr=(http://[0-9.:]+)`)

// startServe runs `docuvault serve` on port 0 with env and waits for /health.
func startServe(t *testing.T, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(binPath, "serve")
	cmd.Env = append(os.Environ(), append([]string{"LISTEN_ADDR=127.0.0.1:0"}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if m := listenRE.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.addr = <-addrc:
	case err := <-p.done:
		t.Fatalf("docuvault exited before listening: %v\n%s", err, p.logs)
	case <-time.After(120 * time.Second):
		t.Fatalf("docuvault did not start listening\n%s", p.logs)
	}
	waitHealthy(t, p)
	return p
}

func waitHealthy(t *testing.T, p *proc) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(p.addr + "/health")
		if err == nil {
			var body map[string]any
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 200 && json.Unmarshal(b, &body) == nil && body["status"] == "ok" {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("health never ok: %d %s\n%s", res.StatusCode, b, p.logs)
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("health: %v\n%s", err, p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("docuvault did not exit cleanly on SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("docuvault did not stop on SIGTERM\n%s", p.logs)
	}
}

func TestServeRestartKeepsDataAndSecrets(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, "DATA_DIR="+dataDir)
	body := waitHealthy(t, p)
	checks := body["checks"].(map[string]any)
	if checks["database"] != "ok" || checks["storage"] != "ok" {
		t.Fatalf("checks: %v", checks)
	}
	secrets := map[string][]byte{}
	for _, name := range []string{"secret_key", "cloud_creds_key", "docuvault.db"} {
		b, err := os.ReadFile(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatalf("%s missing after first start: %v", name, err)
		}
		secrets[name] = b
	}
	st, _ := os.Stat(filepath.Join(dataDir, "secret_key"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secret_key mode %v", st.Mode().Perm())
	}
	p.stop(t)
	if !strings.Contains(p.logs.String(), "shutting down") {
		t.Fatalf("no graceful shutdown in logs:\n%s", p.logs)
	}

	p2 := startServe(t, "DATA_DIR="+dataDir)
	for _, name := range []string{"secret_key", "cloud_creds_key"} {
		b, _ := os.ReadFile(filepath.Join(dataDir, name))
		if !bytes.Equal(b, secrets[name]) {
			t.Fatalf("%s changed across restart", name)
		}
	}
	p2.stop(t)
}

func TestServeOnPostgresAndS3(t *testing.T) {
	url := storetest.PostgresURL(t)
	s3 := blobtest.StartS3(t)
	p := startServe(t, "DATA_DIR="+t.TempDir(), "DATABASE_URL="+url, "MINIO_ENDPOINT="+s3.Endpoint,
		"MINIO_ACCESS_KEY="+s3.AccessKey, "MINIO_SECRET_KEY="+s3.SecretKey, "MINIO_BUCKET="+s3.Bucket, "MINIO_REGION="+s3.Region)
	if !strings.Contains(p.logs.String(), "database=postgres") || !strings.Contains(p.logs.String(), "storage=s3") {
		t.Fatalf("not on postgres and s3:\n%s", p.logs)
	}
	p.stop(t)
}

func TestBadConfigFailsClearly(t *testing.T) {
	cmd := exec.Command(binPath, "serve")
	cmd.Env = append(os.Environ(), "DATA_DIR="+t.TempDir(), "LISTEN_ADDR=nope", "SMTP_PORT=abc")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("serve accepted a bad configuration")
	}
	for _, want := range []string{"LISTEN_ADDR", "SMTP_PORT", "invalid configuration"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output does not mention %s:\n%s", want, out)
		}
	}
}

func TestCommandLine(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "serve") || !strings.Contains(out.String(), "DATABASE_URL") {
		t.Fatalf("help: %d %s", code, out.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Fatalf("unknown: %d %s", code, errb.String())
	}
	for _, c := range commands() {
		out.Reset()
		if code := run(ctx, []string{c.name, "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "docuvault "+c.name) {
			t.Fatalf("%s --help: %d %s", c.name, code, out.String())
		}
	}
	out.Reset()
	if code := run(ctx, []string{"version"}, &out, &errb); code != 0 || strings.TrimSpace(out.String()) == "" {
		t.Fatalf("version: %d %q", code, out.String())
	}
}

func TestMigrateCommand(t *testing.T) {
	cmd := exec.Command(binPath, "migrate")
	cmd.Env = append(os.Environ(), "DATA_DIR="+t.TempDir())
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "schema version") {
		t.Fatalf("migrate: %v %s", err, out)
	}
}
