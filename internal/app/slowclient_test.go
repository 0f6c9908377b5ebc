package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/config"
)

// serveForTest runs App.Serve (the production http.Server with its
// timeouts) on a random port over SQLite and returns host:port.
func serveForTest(t *testing.T) string {
	t.Helper()
	env := map[string]string{"DATA_DIR": t.TempDir(), "HIBP_URL": "off", "LISTEN_ADDR": "127.0.0.1:0"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler), Options{Migrate: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr string) { addrc <- addr }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		a.Close()
	})
	select {
	case addr := <-addrc:
		return strings.TrimPrefix(addr, "http://")
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("server did not start")
	}
	return ""
}

// waitClosedByServer reads from conn until the server closes it. It fails
// when our own generous deadline passes first: the server kept the
// connection. It returns what the server sent.
func waitClosedByServer(conn net.Conn, limit time.Duration) (string, error) {
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	var got strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return got.String(), fmt.Errorf("connection still open after %s", limit)
		}
		return got.String(), nil // EOF or reset: closed by the server
	}
}

// TestSlowClientsAreCutOff: slowloris against the real server. Clients
// that trickle header lines forever are disconnected by ReadHeaderTimeout
// while the server keeps answering others; a client that sends headers
// and then stalls in its body is disconnected by the idle deadline.
func TestSlowClientsAreCutOff(t *testing.T) {
	addr := serveForTest(t)

	t.Run("slow headers", func(t *testing.T) {
		t.Parallel()
		const clients = 20
		stop := make(chan struct{})
		defer close(stop)
		errs := make(chan error, clients)
		var wg sync.WaitGroup
		for i := range clients {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET /health HTTP/1.1\r\nHost: x\r\n"); err != nil {
				t.Fatal(err)
			}
			// One more header line every 300 ms, never the blank line
			// that ends the headers.
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					case <-time.After(300 * time.Millisecond):
					}
					if _, err := fmt.Fprintf(conn, "X-Slow-%d-%d: a\r\n", i, n); err != nil {
						return // closed by the server
					}
				}
			}()
			go func() {
				got, err := waitClosedByServer(conn, 2*time.Minute)
				if err == nil && strings.Contains(got, "200 OK") {
					err = errors.New("the server answered a request whose headers never ended")
				}
				errs <- err
			}()
		}
		// While the slow clients hold their connections, others are served.
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get("http://" + addr + "/health")
		if err != nil {
			t.Fatalf("health while slow clients are connected: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health while slow clients are connected: %s", resp.Status)
		}
		for range clients {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("stalled body", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// An unauthenticated route that reads a JSON body: headers complete,
		// the body promised but never sent.
		if _, err := io.WriteString(conn, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":"); err != nil {
			t.Fatal(err)
		}
		got, err := waitClosedByServer(conn, 3*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got, "200 OK") {
			t.Fatalf("the server answered a stalled body with %q", got)
		}
	})
}
