package auth

import (
	"context"
	"testing"
)

// BenchmarkHashProduction is one Argon2id hash at the production cost
// (19 MiB, 2 iterations, 1 lane): the price of a login.
func BenchmarkHashProduction(b *testing.B) {
	h := newHasher(DefaultArgon2, 1)
	for b.Loop() {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel is logins at once through the semaphore of
// NumCPU slots: throughput stays flat and memory bounded.
func BenchmarkVerifyParallel(b *testing.B) {
	h := newHasher(DefaultArgon2, 0)
	enc, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	h = newHasher(DefaultArgon2, 2)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := h.Verify(context.Background(), "correct horse battery staple", enc); !ok || err != nil {
				b.Fatal("verify failed")
			}
		}
	})
}
