package auth

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// rangeServer is a local HaveIBeenPwned range API that knows the given
// passwords; it records the prefixes asked for.
func rangeServer(t *testing.T, breached ...string) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var asked []string
	known := map[string][]string{}
	for _, pw := range breached {
		sum := sha1.Sum([]byte(pw))
		h := strings.ToUpper(hex.EncodeToString(sum[:]))
		known[h[:5]] = append(known[h[:5]], h[5:])
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		mu.Lock()
		asked = append(asked, prefix)
		mu.Unlock()
		fmt.Fprintf(w, "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n")
		for _, s := range known[prefix] {
			fmt.Fprintf(w, "%s:42\r\n", s)
		}
		fmt.Fprintf(w, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0\r\n") // padding
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

func TestBreachCheck(t *testing.T) {
	srv, asked := rangeServer(t, "password1234")
	b := newBreachChecker(srv.URL+"/range/", time.Second, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	if !b.Breached(ctx, "password1234") {
		t.Fatal("breached password not found")
	}
	if b.Breached(ctx, "a password nobody has used 9f3c") {
		t.Fatal("unknown password reported breached")
	}
	for _, p := range *asked {
		if len(p) != 5 {
			t.Fatalf("sent %q: only the 5-character prefix may leave", p)
		}
	}
	if newBreachChecker("off", time.Second, nil).Breached(ctx, "password1234") {
		t.Fatal("off still checks")
	}
}

// TestBreachCheckFailsOpen: an erroring, slow or unreachable service lets
// the password through.
func TestBreachCheckFailsOpen(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for name, url := range map[string]string{"503": failing.URL + "/", "timeout": slow.URL + "/", "refused": closed.URL + "/"} {
		t.Run(name, func(t *testing.T) {
			b := newBreachChecker(url, 200*time.Millisecond, slog.New(slog.DiscardHandler))
			if b.Breached(context.Background(), "password1234") {
				t.Fatal("failure treated as breached")
			}
		})
	}
}
