package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/benchhttp"
)

const benchSummary = "measure a DocuVault binary over HTTP (ingest, search, memory) and print a markdown table"

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "http" {
		if wantsHelp(args) {
			fmt.Fprintln(stderr, "Usage: docuvault bench http [flags]\n\n"+strings.ToUpper(benchSummary[:1])+benchSummary[1:]+".")
			return nil
		}
		return errors.New("usage: docuvault bench http [flags] (see docuvault bench http --help)")
	}
	fs := flags("bench http", "", benchSummary, stderr)
	bin := fs.String("bin", "", "the docuvault binary to measure (default: this one)")
	pg := fs.String("postgres", "", "PostgreSQL URL; a fresh database is created on that server (and dropped) for a second run")
	docs := fs.Int("docs", 300, "small text documents to upload")
	pdfDir := fs.String("pdf-dir", "/usr/share/doc", "folder searched for *.pdf and *.pdf.gz (Debian documentation packages)")
	pdfs := fs.Int("pdfs", 30, "PDFs to upload, picked evenly from the sorted list of those found")
	searches := fs.Int("searches", 200, "searches to time")
	settle := fs.Duration("settle", 5*time.Second, "wait after a start before reading the idle RSS")
	idleWait := fs.Duration("idle-wait", 40*time.Second, "wait after the ingest and searches before reading the idle RSS")
	var env multiFlag
	fs.Var(&env, "env", "KEY=value added to the server's environment (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *bin == "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		*bin = self
	}
	if *docs < 1 || *pdfs < 1 || *searches < 1 {
		return errors.New("--docs, --pdfs and --searches must be at least 1")
	}
	return benchhttp.Run(ctx, benchhttp.Options{
		Bin: *bin, Postgres: *pg, Docs: *docs, PDFDir: *pdfDir, PDFs: *pdfs, Searches: *searches,
		Settle: *settle, IdleWait: *idleWait, Env: env, Progress: stderr,
	}, stdout)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, " ") }

func (m *multiFlag) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("%q is not KEY=value", v)
	}
	*m = append(*m, v)
	return nil
}
