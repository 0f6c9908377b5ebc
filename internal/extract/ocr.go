package extract

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// noteOCRMissing is the note a document gets when it needed OCR and the
// tesseract program is not installed.
const noteOCRMissing = "OCR not available: tesseract is not installed"

// OCR recognises text in page images by running the tesseract program, one
// process per page, at most Workers at a time. The zero value is not usable;
// build one with NewOCR.
type OCR struct {
	program string // absolute path of tesseract, "" when unavailable
	langs   string // tesseract -l argument, e.g. "eng+deu"
	workers int    // pages recognised at the same time
	reason  string // why OCR is unavailable, "" when available
	sem     chan struct{}
}

// NewOCR looks for the tesseract program (program may name it; "" means
// "tesseract" on PATH) and checks that the language data for languages
// (default "eng") is installed. It never fails: when OCR cannot run, the
// returned OCR reports Available() == false and Reason() says why.
func NewOCR(ctx context.Context, program string, languages []string, workers int) *OCR {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	langs := slices.DeleteFunc(slices.Clone(languages), func(s string) bool { return strings.TrimSpace(s) == "" })
	if len(langs) == 0 {
		langs = []string{"eng"}
	}
	o := &OCR{langs: strings.Join(langs, "+"), workers: workers, sem: make(chan struct{}, workers)}
	if program == "" {
		program = "tesseract"
	}
	path, err := exec.LookPath(program)
	if err != nil {
		o.reason = "tesseract is not installed"
		return o
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--list-langs")
	cmd.Env = tesseractEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		o.reason = fmt.Sprintf("tesseract --list-langs failed: %v", err)
		return o
	}
	have := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		have[strings.TrimSpace(l)] = true
	}
	var missing []string
	for _, l := range langs {
		if !have[l] {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		o.reason = "tesseract language data missing: " + strings.Join(missing, ", ")
		return o
	}
	o.program = path
	return o
}

// Available reports whether pages can be recognised.
func (o *OCR) Available() bool { return o != nil && o.program != "" }

// Reason says why OCR is unavailable ("" when it is available), for /health.
func (o *OCR) Reason() string {
	if o == nil {
		return "OCR is not configured"
	}
	return o.reason
}

// Languages returns the tesseract language argument, e.g. "eng+deu".
func (o *OCR) Languages() string { return o.langs }

// missingNote is the note for a document that needed OCR that could not run.
func (o *OCR) missingNote() string {
	if o == nil || o.reason == "tesseract is not installed" || o.reason == "" {
		return noteOCRMissing
	}
	return "OCR not available: " + o.reason
}

func tesseractEnv() []string {
	// One thread per process: pages are already recognised in parallel, and
	// OpenMP threads fighting over the cores make tesseract several times
	// slower.
	return append(os.Environ(), "OMP_THREAD_LIMIT=1")
}

// Recognize runs tesseract on one encoded image (PNG, JPEG or TIFF) and
// returns its text. It stops after timeout (an error wrapping ErrLimit) and
// keeps at most maxBytes of output.
func (o *OCR) Recognize(ctx context.Context, img []byte, timeout time.Duration, maxBytes int) (string, error) {
	if !o.Available() {
		return "", fmt.Errorf("ocr: %s", o.Reason())
	}
	select {
	case o.sem <- struct{}{}:
		defer func() { <-o.sem }()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	pageCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		pageCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(pageCtx, o.program, "stdin", "stdout", "-l", o.langs, "quiet")
	cmd.Env = tesseractEnv()
	cmd.Stdin = bytes.NewReader(img)
	if maxBytes <= 0 {
		maxBytes = 16 << 20
	}
	stdout := &capWriter{max: maxBytes}
	stderr := &capWriter{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if pageCtx.Err() != nil {
			return "", fmt.Errorf("%w: OCR of one page took longer than %s", ErrLimit, timeout)
		}
		return "", fmt.Errorf("tesseract: %w: %s", err, strings.TrimSpace(stderr.buf.String()))
	}
	return strings.TrimSpace(stdout.buf.String()), nil
}

// ocrJob is one page image waiting for recognition.
type ocrJob struct {
	page int    // 0-based page index
	img  []byte // encoded image
}

// recognizeAll recognises jobs in parallel (bounded by the OCR's workers)
// and returns the text per page index. Pages that fail get a note instead
// of text; only cancellation of ctx fails the whole call.
func (o *OCR) recognizeAll(ctx context.Context, jobs []ocrJob, lim Limits) (map[int]string, []string, error) {
	texts := make(map[int]string, len(jobs))
	var notes []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			text, err := o.Recognize(ctx, j.img, lim.OCRPageTimeout, lim.MaxTextBytes)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					notes = append(notes, fmt.Sprintf("OCR failed on page %d: %v", j.page+1, err))
				}
				return
			}
			texts[j.page] = text
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	slices.Sort(notes)
	return texts, notes, nil
}

// capWriter keeps the first max bytes written to it and drops the rest
// without failing the writer (so the process is not killed by EPIPE).
type capWriter struct {
	buf bytes.Buffer
	max int
}

func (w *capWriter) Write(p []byte) (int, error) {
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
