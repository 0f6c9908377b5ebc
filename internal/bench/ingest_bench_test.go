package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// uploaders is how many clients upload at once: as many as one user may.
const uploaders = document.MaxConcurrentUploads

// ingestFile is one kind of uploaded file; content(i) is the i-th upload.
type ingestFile struct {
	name    string
	ext     string
	content func(i int) []byte
	dupes   bool // every upload is the same file
}

func ingestFiles(b *testing.B) []ingestFile {
	c := NewCorpus(2, 4000)
	files := []ingestFile{{name: "text", ext: ".txt", content: func(i int) []byte {
		return []byte(fmt.Sprintf("Reference bench%07d\n\n%s", i, c.Document(i).Body))
	}}}
	hello, err := os.ReadFile("../extract/testdata/hello.pdf")
	if err != nil {
		b.Fatal(err)
	}
	files = append(files, ingestFile{name: "pdf-hello-1p", ext: ".pdf", dupes: true, content: func(int) []byte { return hello }})
	const dot = "/usr/share/doc/graphviz/pdf/dot.1.pdf.gz"
	if pdf, err := gunzipFile(dot); err == nil {
		files = append(files, ingestFile{name: "pdf-dot1", ext: ".pdf", dupes: true, content: func(int) []byte { return pdf }})
	} else if os.Getenv("CI") == "true" {
		b.Fatalf("%s (Debian package graphviz-doc) is required in CI: %v", dot, err)
	} else {
		b.Logf("SKIPPING the dot.1.pdf case: %v (apt-get install graphviz-doc)", err)
	}
	return files
}

func gunzipFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(z, 64<<20))
}

// BenchmarkIngest uploads b.N documents through the document service
// (Stage + Commit, what POST /api/documents does after parsing the
// multipart body) from as many concurrent clients as one user may
// have (document.MaxConcurrentUploads, 4) and stops the clock when the
// last one is processed and searchable. "river" works the jobs with the
// real River engine (DOCUVAULT_BENCH_WORKERS wide, default the CPU count,
// like WORKERS); "direct" calls the pipeline from a pool of the same size,
// without the engine. It reports documents per second and the peak RSS of
// the process during the run.
//
//	go test -run XXX -bench Ingest -benchtime 400x ./internal/bench
func BenchmarkIngest(b *testing.B) {
	files := ingestFiles(b)
	workers := envInt(b, "DOCUVAULT_BENCH_WORKERS", 0)
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			for _, f := range files {
				for _, mode := range []string{"river", "direct"} {
					b.Run(f.name+"/"+mode, func(b *testing.B) { benchIngest(b, d, f, workers, mode == "direct") })
				}
			}
		})
	}
}

func benchIngest(b *testing.B, d store.Dialect, f ingestFile, workers int, direct bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	r := newRig(b, d, workers, direct)
	contents := make([][]byte, b.N)
	for i := range contents {
		contents[i] = f.content(i)
	}
	poolSize := workers
	if poolSize == 0 {
		poolSize = runtime.NumCPU()
	}
	var pool sync.WaitGroup
	work := make(chan string, b.N)
	if direct {
		for range poolSize {
			pool.Go(func() {
				for id := range work {
					r.done <- r.pipe.Process(ctx, id, false)
				}
			})
		}
	}
	if err := ResetPeakRSS(); err != nil {
		b.Logf("peak RSS covers the whole process: %v", err)
	}
	next := make(chan int, b.N)
	for i := range b.N {
		next <- i
	}
	close(next)
	upErr := make(chan error, uploaders)
	b.ResetTimer()
	start := time.Now()
	var clients sync.WaitGroup
	for range uploaders {
		clients.Go(func() {
			for i := range next {
				name := fmt.Sprintf("upload-%07d%s", i, f.ext)
				staged, err := r.docs.Stage(ctx, r.actor, name, bytes.NewReader(contents[i]), int64(len(contents[i])))
				if err != nil {
					upErr <- fmt.Errorf("stage %s: %w", name, err)
					return
				}
				doc, err := r.docs.Commit(ctx, r.actor, staged, document.CommitOptions{AllowDuplicate: f.dupes})
				if err != nil {
					upErr <- fmt.Errorf("commit %s: %w", name, err)
					return
				}
				if direct {
					work <- doc.ID
				}
			}
		})
	}
	for n := 0; n < b.N; n++ {
		select {
		case err := <-r.done:
			if err != nil {
				b.Fatalf("processing failed after %d documents: %v", n, err)
			}
		case err := <-upErr:
			b.Fatal(err)
		case <-ctx.Done():
			b.Fatalf("only %d of %d documents processed: %v", n, b.N, ctx.Err())
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	clients.Wait()
	close(work)
	pool.Wait()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "docs/s")
	if peak, err := PeakRSS(); err == nil {
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	} else {
		b.Log(err)
	}
	verifySearchable(b, r, f)
}

// verifySearchable checks that every document is ready and that the last
// one is found by a word of its text.
func verifySearchable(b *testing.B, r *rig, f ingestFile) {
	ctx := context.Background()
	docs, _, err := r.st.ListDocuments(ctx, r.actor.UserID, store.DocumentFilter{Status: model.StatusReady}, store.Page{Limit: store.MaxPageLimit})
	if err != nil {
		b.Fatal(err)
	}
	if len(docs) != min(b.N, store.MaxPageLimit) {
		b.Fatalf("%d ready documents listed, want %d", len(docs), min(b.N, store.MaxPageLimit))
	}
	last := docs[0]
	text, err := r.st.DocumentText(ctx, r.actor.UserID, last.ID)
	if err != nil {
		b.Fatal(err)
	}
	words := strings.Fields(store.SearchNormalize(text))
	if len(words) == 0 {
		b.Fatalf("%s (%s) has no text", last.ID, f.name)
	}
	word := words[len(words)/2]
	if f.name == "text" {
		word = words[1] // the unique "benchNNNNNNN"
	}
	hits, _, err := r.st.SearchDocuments(ctx, r.actor.UserID, Words(word).SearchQuery, store.DocumentFilter{}, store.Page{Limit: store.MaxPageLimit})
	if err != nil {
		b.Fatal(err)
	}
	if f.dupes { // identical files rank alike: all of them must be found
		if len(hits) != min(b.N, store.MaxPageLimit) {
			b.Fatalf("%d of %d identical %s documents found by %q", len(hits), b.N, f.name, word)
		}
		return
	}
	for _, h := range hits {
		if h.ID == last.ID {
			return
		}
	}
	b.Fatalf("%s not found by %q among %d hits", last.ID, word, len(hits))
}
