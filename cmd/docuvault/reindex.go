package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docuvault/docuvault/internal/store"
)

const reindexSummary = "rebuild the full-text index in batches (resumable, search keeps working)"

// runReindex rebuilds every document's full-text entry. Progress goes to
// stderr; an interrupted run (Ctrl-C, crash) continues where it stopped
// when started again.
func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flags("reindex", "[--batch N] [--restart]", reindexSummary, stderr)
	batch := fs.Int("batch", 200, "documents per transaction")
	restart := fs.Bool("restart", false, "start from the first document even if an interrupted run saved its position")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *batch < 1 {
		return errors.New("usage: docuvault reindex [--batch N] [--restart]")
	}
	a, err := openApp(ctx, stderr, true)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	var last time.Time
	announced := false
	p, err := a.Store.Reindex(ctx, store.ReindexOptions{Batch: *batch, Restart: *restart, Progress: func(p store.ReindexProgress) {
		if p.Resumed && !announced {
			fmt.Fprintf(stderr, "reindex: resuming an interrupted run after %d documents\n", p.From)
		}
		announced = true
		if time.Since(last) >= time.Second || p.Done == p.Total {
			last = time.Now()
			fmt.Fprintf(stderr, "reindex: %d/%d documents (%.0f%%)\n", p.Done, p.Total, 100*float64(p.Done)/float64(max(p.Total, 1)))
		}
	}})
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted after %d of %d documents; run 'docuvault reindex' again to resume", p.Done, p.Total)
	}
	if err != nil {
		return fmt.Errorf("%w (run 'docuvault reindex' again to resume)", err)
	}
	fmt.Fprintf(stdout, "reindexed %d documents in %s", p.Done, time.Since(start).Round(time.Millisecond))
	if p.Removed > 0 {
		fmt.Fprintf(stdout, "; removed %d index entries of documents that no longer exist", p.Removed)
	}
	fmt.Fprintln(stdout)
	return nil
}
