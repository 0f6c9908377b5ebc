package api

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"
)

// HealthCheck probes one dependency; nil means "ok".
type HealthCheck func(ctx context.Context) error

// handleHealth always answers 200; "degraded" when a check fails. Checks run
// in parallel with a short timeout each. Failure details are generic here
// (the cause goes to the log) so the public endpoint leaks nothing.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	names := make([]string, 0, len(s.deps.Health))
	for n := range s.deps.Health {
		names = append(names, n)
	}
	sort.Strings(names)
	results := make(map[string]string, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			res := "ok"
			if err := s.deps.Health[n](ctx); err != nil {
				res = healthFailure(err)
				s.log.WarnContext(ctx, "health check failed", "check", n, "error", err)
			}
			mu.Lock()
			results[n] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	status := "ok"
	for _, n := range names {
		if results[n] != "ok" && !optionalCheck(results[n]) {
			status = "degraded"
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "checks": results, "version": s.deps.Version})
}

// Unavailable marks an optional capability that is switched off or not
// installed (such as OCR without tesseract): reported, but not "degraded".
type Unavailable struct{ Reason string }

func (u Unavailable) Error() string { return "unavailable: " + u.Reason }

func healthFailure(err error) string {
	if u, ok := err.(Unavailable); ok {
		return "unavailable: " + u.Reason
	}
	if err == context.DeadlineExceeded {
		return "timeout"
	}
	return "error"
}

func optionalCheck(result string) bool { return len(result) > 12 && result[:12] == "unavailable:" }
