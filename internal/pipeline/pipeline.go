// Package pipeline processes a stored document until it is ready: it reads
// the original from the blob store, extracts text, pages, language and a
// thumbnail, saves them with the search index, hands the document on to its
// next step (internal/lifecycle), and records the document's own date found
// in its text (internal/docdate).
// Every step is idempotent, so a job that runs twice changes nothing more.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/docdate"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// Extractor is what the pipeline needs of internal/extract.
type Extractor interface {
	Extract(ctx context.Context, in extract.Input) (*extract.Result, error)
}

// prefixReader is an Extractor that reads some formats from their start
// only (extract.Extractor.PrefixBytes): the pipeline then fetches only
// that much of the original, not a whole 1 GiB log to index its start.
type prefixReader interface {
	PrefixBytes(mime string) int64
}

// Next queues what follows processing (classification, placement) in the
// transaction that marks the document ready; lifecycle.Lifecycle
// implements it. nil queues nothing.
type Next interface {
	Processed(ctx context.Context, tx *store.Store, documentID string) error
}

// DateSink records the date found in a document's text (the store's
// SetFoundDocumentDate, which keeps a date the user set). It is called
// just before the extraction is saved; a document purged meanwhile may
// answer store.ErrNotFound, which is ignored.
type DateSink interface {
	SetFoundDocumentDate(ctx context.Context, documentID string, d time.Time) error
}

// Dates configures the search for a document's own date in its text.
type Dates struct {
	Sink  DateSink         // nil: no date is looked for
	Order docdate.Order    // DATE_ORDER
	Now   func() time.Time // nil means time.Now; dates more than a year after it are ignored
}

// Limits bound one processing job, so a hostile file costs its owner one
// job's time and no more. Zero fields take DefaultLimits.
type Limits struct {
	// Timeout is the whole job: reading the original, extraction, the
	// thumbnail and indexing. A job past it fails its document.
	Timeout time.Duration
	// MaxTextBytes is the extracted text stored and indexed; the rest is
	// dropped, and the document is marked TextTruncated with notes that
	// say so. (The extractor's own limits, MaxDecompressedBytes above all,
	// may have cut the text before: that marks it the same way.)
	MaxTextBytes int
}

// DefaultLimits are PROCESS_TIMEOUT's and MAX_TEXT_BYTES's defaults.
func DefaultLimits() Limits { return Limits{Timeout: 5 * time.Minute, MaxTextBytes: 4 << 20} }

// Store is the part of *store.Store the Pipeline uses outside the
// transaction that saves an extraction: reading a document and setting
// its status.
type Store interface {
	DocumentForJob(ctx context.Context, id string) (*model.Document, error)
	SetDocumentStatus(ctx context.Context, id, status, errText string) error
	WithTx(ctx context.Context, fn func(tx *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// Pipeline processes documents.
type Pipeline struct {
	store   Store
	blobs   blob.Store
	extract Extractor
	next    Next
	log     *slog.Logger
	tmpDir  string
	lim     Limits
	dates   Dates
}

// New builds a Pipeline; tmpDir holds a document's bytes while it is read.
func New(st Store, blobs blob.Store, ex Extractor, next Next, log *slog.Logger, tmpDir string, lim Limits) *Pipeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := DefaultLimits()
	if lim.Timeout <= 0 {
		lim.Timeout = d.Timeout
	}
	if lim.MaxTextBytes <= 0 {
		lim.MaxTextBytes = d.MaxTextBytes
	}
	return &Pipeline{store: st, blobs: blobs, extract: ex, next: next, log: log, tmpDir: tmpDir, lim: lim}
}

// FindDates makes every processed document's text searched for its date,
// which is handed to d.Sink. Call it before the first Process.
func (p *Pipeline) FindDates(d Dates) { p.dates = d }

// errTimeout is the cause of a job's context when Limits.Timeout ends it.
var errTimeout = errors.New("pipeline: processing timed out")

// ErrPermanent marks a failure that retrying cannot fix (a malformed or
// hostile file); the document is already marked failed. It says so to the
// lifecycle's job with its Permanent method.
var ErrPermanent error = permanentError("pipeline: permanent failure")

type permanentError string

func (e permanentError) Error() string { return string(e) }

// Permanent is true: retrying cannot help.
func (permanentError) Permanent() bool { return true }

// Process extracts and indexes one document. A document that is gone (purged)
// or already ready is left alone unless force is set (reprocess).
func (p *Pipeline) Process(ctx context.Context, documentID string, force bool) error {
	d, err := p.store.DocumentForJob(ctx, documentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // purged meanwhile: nothing to do
	}
	if err != nil {
		return err
	}
	if d.Status == model.StatusReady && !force {
		return nil
	}
	if d.Status != model.StatusProcessing {
		// A forced run (reprocess) finds the document ready or failed when
		// it was queued while an earlier run was still at work: it is
		// processing again from here.
		if err := lifecycle.SetStatus(ctx, p.store, d, model.StatusProcessing, ""); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		d.Status = model.StatusProcessing
	}
	jobCtx, cancel := context.WithTimeoutCause(ctx, p.lim.Timeout, errTimeout)
	defer cancel()
	err = p.process(jobCtx, d)
	var msg string
	switch {
	case err == nil:
		return nil
	case ctx.Err() == nil && errors.Is(context.Cause(jobCtx), errTimeout):
		msg = fmt.Sprintf("processing took longer than %s", p.lim.Timeout)
	case permanent(err):
		msg = "could not read this file: " + userMessage(err)
	default:
		return err
	}
	if serr := lifecycle.SetStatus(context.WithoutCancel(ctx), p.store, d, model.StatusFailed, msg); serr != nil {
		return serr
	}
	p.log.Info("document failed", "document", d.ID, "error", err, "reason", msg)
	return fmt.Errorf("%w: %s: %v", ErrPermanent, msg, err)
}

// process extracts, caps and saves one document under ctx's deadline.
func (p *Pipeline) process(ctx context.Context, d *model.Document) error {
	res, err := p.extractDocument(ctx, d)
	if err != nil {
		return err
	}
	text, notes, cut := capText(res.Text, p.lim.MaxTextBytes)
	if len(notes) > 0 {
		p.log.Info("document text cut", "document", d.ID, "extracted_bytes", len(res.Text),
			"kept_bytes", len(text), "notes", strings.Join(notes, "; "))
		res.Notes = append(res.Notes, notes...)
	}
	thumbKey := ""
	if len(res.Thumbnail) > 0 {
		thumbKey = d.OwnerID + "/" + d.ID + "/thumbnail.png"
		if _, err := p.blobs.Put(ctx, thumbKey, bytes.NewReader(res.Thumbnail), int64(len(res.Thumbnail)), "image/png"); err != nil {
			return fmt.Errorf("store thumbnail: %w", err)
		}
	}
	x := model.Extraction{Text: text, PageCount: res.Pages, Language: res.Language, ThumbnailKey: thumbKey,
		Notes: strings.Join(res.Notes, "\n"), Title: res.Title, TextTruncated: res.Truncated || cut}
	if err := p.saveDate(ctx, d.ID, text); err != nil {
		return err
	}
	return p.store.WithTx(ctx, func(tx *store.Store) error {
		if err := lifecycle.SaveExtraction(ctx, tx, d, x); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil // purged while we worked
			}
			return err
		}
		if p.next == nil {
			return nil
		}
		return p.next.Processed(ctx, tx, d.ID)
	})
}

// saveDate looks for the document's own date in its text and records it.
// It runs before the transaction that marks the document ready, not inside
// it (the sink is the store itself, and SQLite's one writer is busy inside
// a transaction), so a failure here is retried with the whole job and a
// ready document already has its date.
func (p *Pipeline) saveDate(ctx context.Context, documentID, text string) error {
	if p.dates.Sink == nil {
		return nil
	}
	now := time.Now()
	if p.dates.Now != nil {
		now = p.dates.Now()
	}
	date, ok := docdate.Find(text, docdate.Options{Order: p.dates.Order, Now: now})
	if !ok {
		return nil
	}
	if err := p.dates.Sink.SetFoundDocumentDate(ctx, documentID, date); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("save document date: %w", err)
	}
	return nil
}

// MarkFailed records a failure after the last retry.
func (p *Pipeline) MarkFailed(ctx context.Context, documentID string, err error) error {
	err = lifecycle.FailByID(ctx, p.store, documentID, "processing failed: "+userMessage(err))
	if errors.Is(err, store.ErrNotFound) {
		return nil // purged meanwhile
	}
	return err
}

// extractDocument copies the original to a temp file (extractors need random
// access, and S3 objects are read once) and extracts it. Of a format the
// extractor reads as a stream only the part it reads is fetched.
func (p *Pipeline) extractDocument(ctx context.Context, d *model.Document) (*extract.Result, error) {
	want, rng := d.SizeBytes, (*blob.Range)(nil)
	if pr, ok := p.extract.(prefixReader); ok {
		if n := pr.PrefixBytes(d.MIMEType); n >= 0 && n < want {
			want, rng = n, &blob.Range{Offset: 0, Length: n}
		}
	}
	rc, _, err := p.blobs.Get(ctx, d.BlobKey, rng)
	if err != nil {
		return nil, fmt.Errorf("read original: %w", err)
	}
	defer rc.Close()
	if err := os.MkdirAll(p.tmpDir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(p.tmpDir, "doc-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	n, err := io.Copy(f, io.LimitReader(rc, want+1))
	if err != nil {
		return nil, fmt.Errorf("read original: %w", err)
	}
	if n != want {
		return nil, fmt.Errorf("read original: %d bytes, expected %d", n, want)
	}
	return p.extract.Extract(ctx, extract.Input{R: f, Size: d.SizeBytes, MIMEType: d.MIMEType, Filename: filepath.Base(d.OriginalFilename)})
}

func permanent(err error) bool {
	return errors.Is(err, extract.ErrLimit) || errors.Is(err, extract.ErrMalformed) || errors.Is(err, extract.ErrUnsupported)
}

// userMessage is an error's text without our package prefixes.
func userMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"extract: ", "pipeline: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return msg
}
