// Package blobtest holds what tests of blob.Store users need: a real S3
// server (versitygw) started once per test binary, and the behaviour Suite
// every Store must pass.
package blobtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
)

// Credentials of the test server's root account.
const (
	accessKey = "docuvault-test"
	secretKey = "docuvault-test-secret-key"
	region    = "us-east-1"
)

// server is the one versitygw of this test binary.
type server struct {
	once    sync.Once
	addr    string
	dir     string
	cmd     *exec.Cmd
	exited  chan error // receives cmd.Wait's result
	err     error
	took    time.Duration
	buckets atomic.Int64
}

// shared is the lazily started server; a test binary starts at most one.
var shared server

// StartS3 returns the config of a fresh, empty bucket on a real S3 server
// (versitygw with its posix backend in a temp dir on 127.0.0.1). The server
// starts on the first call and lives as long as the test binary (it dies with
// it; call Run from TestMain to also remove its files). The bucket itself is
// created by blob.NewS3. Without the versitygw binary the test is skipped,
// or fails when CI=true or DOCUVAULT_REQUIRE_S3=1.
func StartS3(t testing.TB) blob.S3Config {
	t.Helper()
	shared.once.Do(func() { shared.start() })
	if shared.err != nil {
		if errors.Is(shared.err, errNoBinary) && !required() {
			t.Skipf("SKIPPING S3 TESTS: %v. Install it with `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0` (set CI=true or DOCUVAULT_REQUIRE_S3=1 to make this a failure)", shared.err)
		}
		t.Fatalf("S3 test server (required in CI): %v", shared.err)
	}
	n := shared.buckets.Add(1)
	return blob.S3Config{
		Endpoint:  shared.addr,
		AccessKey: accessKey,
		SecretKey: secretKey,
		Bucket:    bucketName(n, t.Name()),
		Region:    region,
	}
}

// StartDuration is how long the shared server took to start answering (zero
// before the first StartS3).
func StartDuration() time.Duration { return shared.took }

// Run runs the tests and then stops the shared server and removes its data:
//
//	func TestMain(m *testing.M) { os.Exit(blobtest.Run(m)) }
func Run(m *testing.M) int {
	code := m.Run()
	if shared.cmd != nil && shared.cmd.Process != nil {
		_ = shared.cmd.Process.Kill()
		<-shared.exited
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	return code
}

func required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("DOCUVAULT_REQUIRE_S3") == "1"
}

// bucketName makes a valid, unique S3 bucket name (3-63 of [a-z0-9-]).
func bucketName(n int64, testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	name := fmt.Sprintf("t%d-%s", n, b.String())
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimRight(name, "-")
}

var errNoBinary = errors.New("versitygw not found in PATH or $(go env GOPATH)/bin")

func findBinary() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.SplitList(gp)...)
	} else if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		dirs = append(dirs, filepath.SplitList(strings.TrimSpace(string(out)))...)
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "bin", "versitygw")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errNoBinary
}

const dirPrefix = "docuvault-versitygw-"

func (s *server) start() {
	bin, err := findBinary()
	if err != nil {
		s.err = err
		return
	}
	removeStale()
	s.dir, err = os.MkdirTemp("", dirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		s.err = err
		return
	}
	// A port found free may be taken before versitygw binds it: try again.
	for range 3 {
		if s.err = s.launch(bin); s.err == nil {
			return
		}
	}
}

func (s *server) launch(bin string) error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	out := &lockedBuffer{}
	cmd := exec.Command(bin, "--port", addr, "--region", region, "--quiet", "posix", data)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+accessKey, "ROOT_SECRET_KEY="+secretKey)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.dir
	t0 := time.Now()
	if err := startTied(cmd); err != nil {
		return fmt.Errorf("start versitygw: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited (%v): %s", err, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			s.took = time.Since(t0)
			s.addr, s.cmd, s.exited = addr, cmd, exited
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return fmt.Errorf("versitygw did not answer on %s within 30s: %s", addr, out.String())
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// removeStale deletes the data dirs of earlier test binaries that have
// exited without Run.
func removeStale() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, m := range matches {
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(m), dirPrefix), "-", 2)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if !processAlive(pid) {
			_ = os.RemoveAll(m)
		}
	}
}

// lockedBuffer collects the server's output while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
