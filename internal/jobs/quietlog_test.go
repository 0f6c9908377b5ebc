package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// River's routine info lines are debug lines for DocuVault; its warnings stay.
func TestQuieterLowersRiverInfo(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quieter{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})}).With("component", "river")
	log.Info("River client started")
	log.Warn("job stuck")
	out := buf.String()
	if strings.Contains(out, "client started") {
		t.Errorf("info logged at info level:\n%s", out)
	}
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "component=river") {
		t.Errorf("warning lost:\n%s", out)
	}
	buf.Reset()
	slog.New(quieter{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})}).Info("River client started")
	if !strings.Contains(buf.String(), "level=DEBUG") {
		t.Errorf("at debug level the message should show as DEBUG:\n%s", buf.String())
	}
}

// A started and stopped engine writes none of River's routine info lines
// ("River client started", "stopped") at info level; at debug they are there.
func TestEngineLogsRiverInfoAtDebug(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := Migrate(ctx, s); err != nil {
			t.Fatal(err)
		}
		for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
			var buf syncBuffer
			e, err := New(s, Config{Workers: 1, RunWorkers: true, PollInterval: 50 * time.Millisecond, testOnly: true,
				Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))})
			if err != nil {
				t.Fatal(err)
			}
			noop(t, e)
			if err := e.Start(ctx); err != nil {
				t.Fatal(err)
			}
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			err = e.Stop(sctx)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			started := strings.Contains(out, "River client started")
			if level == slog.LevelInfo && (started || strings.Contains(out, "level=INFO msg=\"River")) {
				t.Errorf("River's routine messages at info level:\n%s", out)
			}
			if level == slog.LevelDebug && !strings.Contains(out, `level=DEBUG msg="River client started"`) {
				t.Errorf("at debug level River's start should be logged as DEBUG:\n%s", out)
			}
		}
	})
}

// syncBuffer is a bytes.Buffer safe for River's goroutines.
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
