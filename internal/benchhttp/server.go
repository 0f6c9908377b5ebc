package benchhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is one running `docuvault serve` process.
type server struct {
	cmd  *exec.Cmd
	addr string // http://host:port
	logs tail
	done chan error
}

var listenRE = regexp.MustCompile(`msg=listening addr=(http://[0-9.:]+)`)

// startServer runs bin serve on a free port with env added to this
// process's environment and waits until /health answers ok.
func startServer(ctx context.Context, bin string, env []string) (*server, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), append([]string{"LISTEN_ADDR=127.0.0.1:0", "LOG_FORMAT=text", "LOG_LEVEL=info"}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.logs.add(sc.Text())
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.addr = <-addrc:
	case err := <-s.done:
		return nil, fmt.Errorf("the server exited before listening: %v\n%s", err, s.logs.String())
	case <-time.After(3 * time.Minute):
		s.kill()
		return nil, fmt.Errorf("the server did not listen within 3 minutes\n%s", s.logs.String())
	case <-ctx.Done():
		s.kill()
		return nil, ctx.Err()
	}
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get(s.addr + "/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("/health did not answer ok: %v\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the process to end.
func (s *server) stop() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("the server did not exit cleanly: %w\n%s", err, s.logs.String())
		}
		return nil
	case <-time.After(time.Minute):
		s.kill()
		return errors.New("the server did not stop within a minute of SIGTERM")
	}
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// memory is a process's resident set now and its peak (VmRSS, VmHWM) in
// bytes.
type memory struct{ rss, hwm int64 }

// readMemory reads /proc/PID/status.
func (s *server) readMemory() (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return memory{}, fmt.Errorf("read RSS: %w", err)
	}
	return parseStatus(b)
}

// resetPeak sets the process's VmHWM back to its current RSS (Linux: 5 to
// /proc/PID/clear_refs), so the next peak read covers one phase.
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

func parseStatus(b []byte) (memory, error) {
	var m memory
	for line := range strings.Lines(string(b)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("unexpected %s line %q", name, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("%s: %w", name, err)
		}
		if name == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.hwm = kb << 10
		}
	}
	if m.rss == 0 || m.hwm == 0 {
		return m, errors.New("no VmRSS or VmHWM in the process status")
	}
	return m, nil
}

// tail keeps the last lines of the server's log for error messages.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > 40 {
		t.lines = t.lines[len(t.lines)-40:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b bytes.Buffer
	for _, l := range t.lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}
