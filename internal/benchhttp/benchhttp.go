// Package benchhttp is the side-by-side harness of `docuvault bench http`:
// it starts a DocuVault binary on a fresh DATA_DIR (SQLite, and PostgreSQL
// on a fresh database when asked), then over HTTP uploads small text
// documents and real PDFs and waits until they are searchable, runs
// searches, and reads the server's resident memory from /proc. In the same
// run it measures raw PDFium text extraction on the same PDFs, so DocuVault's
// rate per page can be compared with it, and prints one markdown table.
//
// Numbers depend on the machine and its load; they are recorded in
// docs/performance.md, never asserted in tests.
package benchhttp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/docuvault/docuvault/internal/bench"
	"github.com/docuvault/docuvault/internal/extract"
)

// Options is one run's workload.
type Options struct {
	Bin      string        // the docuvault binary to start
	Postgres string        // PostgreSQL URL; "" runs SQLite only
	Docs     int           // small text documents
	PDFDir   string        // folder searched for *.pdf and *.pdf.gz
	PDFs     int           // at most this many PDFs
	Searches int           // searches timed
	Settle   time.Duration // wait before reading an idle RSS after a start
	IdleWait time.Duration // wait after the ingest and searches before reading the idle RSS
	Env      []string      // extra environment of the server (KEY=value)
	Progress io.Writer     // one line per step; nil for none
}

// uploaders is how many uploads run at once: a user's concurrent upload
// limit (document.MaxConcurrentUploads).
const uploaders = 4

// result is one engine's row of the table.
type result struct {
	engine            string
	textRate          float64 // documents per second, upload to searchable
	pdfRate, pageRate float64 // PDFs and their pages per second, upload to ready
	rawPageRate       float64 // raw PDFium pages per second just before
	p50, p95          time.Duration
	idleFirst         int64 // RSS after a first start
	peakFirst         int64 // VmHWM during the first start (compiling the PDF engine)
	peakIngest        int64 // VmHWM while ingesting text and PDFs
	idleAfter         int64 // RSS IdleWait after the ingest and searches
	idleRestart       int64 // RSS after a restart on the same DATA_DIR
}

// Run runs the workload on SQLite, then on PostgreSQL when o.Postgres is
// set, and writes the table to out.
func Run(ctx context.Context, o Options, out io.Writer) error {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	pdfs, err := findPDFs(o.PDFDir, o.PDFs)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "docuvault-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(o.Progress, "starting PDFium in this process for the raw baseline (%d PDFs)\n", len(pdfs))
	pdfium, err := extract.NewPDFium(ctx, filepath.Join(tmp, "wazero"), 0)
	if err != nil {
		return err
	}
	defer pdfium.Close()
	w := workload{o: o, texts: textDocs(o.Docs), pdfs: pdfs, pdfium: pdfium, tmp: tmp}
	var rows []result
	r, err := w.run(ctx, "SQLite", "")
	if err != nil {
		return fmt.Errorf("SQLite: %w", err)
	}
	rows = append(rows, r)
	if o.Postgres != "" {
		dbURL, drop, err := freshDatabase(ctx, o.Postgres)
		if err != nil {
			return err
		}
		r, err := w.run(ctx, "PostgreSQL", dbURL)
		if derr := drop(); derr != nil && err == nil {
			err = derr
		}
		if err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		rows = append(rows, r)
	}
	writeTable(out, w, rows)
	return nil
}

type workload struct {
	o      Options
	texts  [][]byte
	pdfs   []pdfFile
	pdfium *extract.PDFium
	tmp    string
	pages  int // pages of all PDFs, from the raw pass
}

func (w *workload) logf(format string, args ...any) {
	fmt.Fprintf(w.o.Progress, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// run measures one engine from a first start to a restart.
func (w *workload) run(ctx context.Context, engine, dbURL string) (result, error) {
	res := result{engine: engine}
	dataDir, err := os.MkdirTemp(w.tmp, "data-")
	if err != nil {
		return res, err
	}
	password := rand.Text()
	env := append([]string{"DATA_DIR=" + dataDir, "ADMIN_EMAIL=bench@example.com", "ADMIN_PASSWORD=" + password, "HIBP_URL=off"}, w.o.Env...)
	if dbURL != "" {
		env = append(env, "DATABASE_URL="+dbURL)
	}
	w.logf("%s: first start on a fresh DATA_DIR", engine)
	srv, err := startServer(ctx, w.o.Bin, env)
	if err != nil {
		return res, err
	}
	defer func() {
		if srv != nil {
			srv.kill()
		}
	}()
	time.Sleep(w.o.Settle)
	m, err := srv.readMemory()
	if err != nil {
		return res, err
	}
	res.idleFirst, res.peakFirst = m.rss, m.hwm
	c, err := login(ctx, srv.addr, "bench@example.com", password)
	if err != nil {
		return res, err
	}
	if err := srv.resetPeak(); err != nil {
		return res, err
	}

	w.logf("%s: %d text documents", engine, len(w.texts))
	start := time.Now()
	if err := uploadAll(ctx, c, len(w.texts), func(i int) (string, []byte) { return fmt.Sprintf("note-%04d.txt", i), w.texts[i] }); err != nil {
		return res, err
	}
	if err := c.waitProcessed(ctx, 10*time.Minute); err != nil {
		return res, err
	}
	if n, err := c.count(ctx, url.Values{"q": {"reference"}}); err != nil || n != len(w.texts) {
		return res, fmt.Errorf("%d of %d text documents found by a search (%v)", n, len(w.texts), err)
	}
	res.textRate = float64(len(w.texts)) / time.Since(start).Seconds()

	w.logf("%s: raw PDFium over %d PDFs", engine, len(w.pdfs))
	if res.rawPageRate, err = w.rawPDFium(ctx); err != nil {
		return res, err
	}
	w.logf("%s: %d PDFs (%d pages)", engine, len(w.pdfs), w.pages)
	start = time.Now()
	if err := uploadAll(ctx, c, len(w.pdfs), func(i int) (string, []byte) { return w.pdfs[i].name, w.pdfs[i].data }); err != nil {
		return res, err
	}
	if err := c.waitProcessed(ctx, 30*time.Minute); err != nil {
		return res, err
	}
	elapsed := time.Since(start).Seconds()
	failed, err := c.count(ctx, url.Values{"status": {"failed"}})
	if err != nil || failed > 0 {
		return res, fmt.Errorf("%d documents failed (%v)", failed, err)
	}
	res.pdfRate, res.pageRate = float64(len(w.pdfs))/elapsed, float64(w.pages)/elapsed
	if m, err = srv.readMemory(); err != nil {
		return res, err
	}
	res.peakIngest = m.hwm

	w.logf("%s: %d searches", engine, w.o.Searches)
	lat := make([]time.Duration, w.o.Searches)
	for i := range lat {
		q := url.Values{"q": {searchQueries[i%len(searchQueries)]}, "limit": {"50"}}
		t := time.Now()
		if _, _, err := c.list(ctx, q); err != nil {
			return res, err
		}
		lat[i] = time.Since(t)
	}
	res.p50, res.p95 = bench.Percentile(lat, 50), bench.Percentile(lat, 95)
	time.Sleep(w.o.IdleWait)
	if m, err = srv.readMemory(); err != nil {
		return res, err
	}
	res.idleAfter = m.rss

	w.logf("%s: restart", engine)
	err = srv.stop()
	srv = nil
	if err != nil {
		return res, err
	}
	if srv, err = startServer(ctx, w.o.Bin, env); err != nil {
		return res, err
	}
	time.Sleep(w.o.Settle)
	if m, err = srv.readMemory(); err != nil {
		return res, err
	}
	res.idleRestart = m.rss
	err = srv.stop()
	srv = nil
	return res, err
}

// uploadAll uploads n files, uploaders at a time.
func uploadAll(ctx context.Context, c *client, n int, file func(i int) (string, []byte)) error {
	var next atomic.Int64
	errs := make([]error, uploaders)
	var wg sync.WaitGroup
	for u := range uploaders {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				name, data := file(i)
				if _, err := c.upload(ctx, name, data); err != nil {
					errs[u] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// rawPDFium reads the text of every PDF with the bare PDFium, as many at
// once as it has instances (the CPU count, as the server's workers), and
// returns pages per second.
func (w *workload) rawPDFium(ctx context.Context) (float64, error) {
	if _, err := w.pdfium.TextPages(ctx, w.pdfs[0].data); err != nil { // the engine in memory, untimed
		return 0, err
	}
	var next, pages atomic.Int64
	workers := w.pdfium.Workers()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for k := range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(w.pdfs); i = int(next.Add(1)) - 1 {
				p, err := w.pdfium.TextPages(ctx, w.pdfs[i].data)
				if err != nil {
					errs[k] = fmt.Errorf("raw PDFium, %s: %w", w.pdfs[i].name, err)
					return
				}
				pages.Add(int64(len(p)))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	w.pages = int(pages.Load())
	return float64(w.pages) / elapsed, nil
}

// freshDatabase creates an empty database on the server of base and
// returns its URL and a function that drops it.
func freshDatabase(ctx context.Context, base string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	name := fmt.Sprintf("docuvault_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u.Path = "/" + name
	drop := func() error {
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// writeTable prints the markdown table, one column per engine, and the
// figures the issue measured for Papra (not this run) beside them.
func writeTable(out io.Writer, w workload, rows []result) {
	mb := func(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
	line := func(measure, papra string, cell func(r result) string) {
		fmt.Fprintf(out, "| %s |", measure)
		for _, r := range rows {
			fmt.Fprintf(out, " %s |", cell(r))
		}
		fmt.Fprintf(out, " %s |\n", papra)
	}
	fmt.Fprint(out, "| measure |")
	for _, r := range rows {
		fmt.Fprintf(out, " DocuVault %s |", r.engine)
	}
	fmt.Fprintln(out, " Papra (issue #23, not this run) |")
	fmt.Fprint(out, "|---|")
	for range rows {
		fmt.Fprint(out, "---|")
	}
	fmt.Fprintln(out, "---|")
	line(fmt.Sprintf("%d small text documents, upload to searchable", len(w.texts)), "50.3 docs/s (300)",
		func(r result) string { return fmt.Sprintf("%.1f docs/s", r.textRate) })
	line(fmt.Sprintf("%d real PDFs (%d pages), upload to ready", len(w.pdfs), w.pages), "10.51 docs/s (30)",
		func(r result) string { return fmt.Sprintf("%.2f docs/s, %.1f pages/s", r.pdfRate, r.pageRate) })
	line("raw PDFium text extraction, same PDFs, just before", "",
		func(r result) string { return fmt.Sprintf("%.1f pages/s", r.rawPageRate) })
	line("DocuVault per page / raw PDFium (goal >= 70%)", "",
		func(r result) string { return fmt.Sprintf("%.0f%%", 100*r.pageRate/r.rawPageRate) })
	line(fmt.Sprintf("%d searches, p50 / p95", w.o.Searches), "6.6 / 9.7 ms",
		func(r result) string { return fmt.Sprintf("%.1f / %.1f ms", bench.Ms(r.p50), bench.Ms(r.p95)) })
	line(fmt.Sprintf("RSS idle %s after a first start", w.o.Settle), "~325 MB",
		func(r result) string { return mb(r.idleFirst) })
	line("RSS peak during the first start (VmHWM)", "",
		func(r result) string { return mb(r.peakFirst) })
	line("RSS peak while ingesting (VmHWM)", "370-381 MB",
		func(r result) string { return mb(r.peakIngest) })
	line(fmt.Sprintf("RSS idle %s after the ingest and searches", w.o.IdleWait), "",
		func(r result) string { return mb(r.idleAfter) })
	line(fmt.Sprintf("RSS idle %s after a restart", w.o.Settle), "",
		func(r result) string { return mb(r.idleRestart) })
	fmt.Fprintf(out, "\n%d CPUs; uploads %d at a time; raw PDFium reads %d PDFs at once in the benchmark process.\n",
		runtime.NumCPU(), uploaders, runtime.NumCPU())
}
