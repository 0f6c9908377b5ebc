package auth

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestLoginFloodMemoryBounded: a flood of concurrent password checks
// (wrong passwords, as in a brute-force or credential-stuffing run) queues
// behind the hashing slots, so the heap holds a few Argon2id work areas, not
// one per request. Unbounded, 32 checks of 16 MiB each would need 512 MiB.
func TestLoginFloodMemoryBounded(t *testing.T) {
	const (
		memKiB  = 16 * 1024
		slots   = 2
		flood   = 32
		allowed = 14 * memKiB << 10 // slots work areas, garbage the GC has not yet reclaimed, slack (unbounded: ~460 MiB)
	)
	h := newHasher(Argon2Params{MemoryKiB: memKiB, Time: 1, Threads: 1}, slots)
	encoded, err := h.Hash(context.Background(), "the right password, long enough")
	if err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, flood)
	for range flood {
		wg.Go(func() {
			ok, _, err := h.Verify(context.Background(), "a wrong guess from the flood", encoded)
			if err == nil && ok {
				t.Error("a wrong password verified")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify under a flood: %v", err)
		}
	}
	grew := int64(peak) - int64(base)
	t.Logf("%d concurrent checks of %d MiB with %d slots: heap grew by at most %d MiB", flood, memKiB>>10, slots, grew>>20)
	if grew > allowed {
		t.Fatalf("heap grew by %d MiB during the flood, want at most %d MiB (%d slots of %d MiB)", grew>>20, allowed>>20, slots, memKiB>>10)
	}
}
