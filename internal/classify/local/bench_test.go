package local

import (
	"runtime"
	"testing"
)

// benchCorpus returns the first n training examples and the test documents of the Debian corpus.
func benchCorpus(b *testing.B, n int) ([]Example, []debianDoc) {
	train, test := splitDebian(debianCorpus(b))
	if len(train) < n {
		b.Fatalf("corpus has %d training documents, need %d", len(train), n)
	}
	return train[:n], test
}

// BenchmarkTrain10k trains on 10,000 Debian descriptions; it reports the heap the model keeps
// (model-MB) and its serialised size (blob-MB).
func BenchmarkTrain10k(b *testing.B) {
	train, _ := benchCorpus(b, 10_000)
	var m *Model
	b.ResetTimer()
	for b.Loop() {
		var err error
		if m, err = Train(train); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	blob, err := m.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(modelHeapMB(func() *Model { m, _ := Train(train); return m }), "model-MB")
	b.ReportMetric(float64(len(blob))/(1<<20), "blob-MB")
	b.ReportMetric(float64(len(m.terms)), "features")
}

// modelHeapMB is the live heap a model built by build holds: heap with it minus heap after dropping it.
func modelHeapMB(build func() *Model) float64 {
	var with, without runtime.MemStats
	m := build()
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(m)
	m = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	return float64(int64(with.HeapAlloc)-int64(without.HeapAlloc)) / (1 << 20)
}

// BenchmarkClassify scores one held-out Debian description against the ten sections.
func BenchmarkClassify(b *testing.B) {
	train, test := benchCorpus(b, 10_000)
	m, err := Train(train)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Assign(test[i%len(test)].Text)
		i++
	}
}

// BenchmarkClassifyLong scores a 64 KiB document (the most a model reads).
func BenchmarkClassifyLong(b *testing.B) {
	train, test := benchCorpus(b, 10_000)
	m, err := Train(train)
	if err != nil {
		b.Fatal(err)
	}
	var long []byte
	for i := 0; len(long) < 64<<10; i++ {
		long = append(long, test[i%len(test)].Text...)
		long = append(long, '\n')
	}
	text := string(long[:64<<10])
	b.ResetTimer()
	for b.Loop() {
		m.Assign(text)
	}
}

// BenchmarkUnmarshal loads a stored 10k-document model.
func BenchmarkUnmarshal(b *testing.B) {
	train, _ := benchCorpus(b, 10_000)
	m, err := Train(train)
	if err != nil {
		b.Fatal(err)
	}
	blob, _ := m.MarshalBinary()
	b.ResetTimer()
	for b.Loop() {
		var back Model
		if err := back.UnmarshalBinary(blob); err != nil {
			b.Fatal(err)
		}
	}
}
