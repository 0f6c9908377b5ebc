package document

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/extract"
	"github.com/docuvault/docuvault/internal/model"
)

// PageRenderer draws one page of a document; internal/extract's Extractor
// satisfies it.
type PageRenderer interface {
	CanRenderPages(mime string) bool
	RenderPage(ctx context.Context, in extract.Input, n, width int) ([]byte, error)
}

// SetPageRenderer lets Page draw every page; without it (a process that
// does not read documents) only page 1 is served, from the thumbnail.
func (s *Service) SetPageRenderer(r PageRenderer) { s.pages = r }

// PageImage is one rendered page.
type PageImage struct {
	PNG    []byte
	Cached bool // served from the page cache
	// Preview is true when the page is the document's thumbnail because
	// its type (or this process) has no page rendering.
	Preview bool
}

// Page renders page n (1-based) of the owner's document at width pixels
// (clamped to extract.MinPageWidth..MaxPageWidth, 0 for the default). A
// rendered page is kept in the page cache, keyed by the document's SHA-256,
// page and width, so the next request is a file read. Another owner's
// document, a page beyond the last, or a page of a document without pages
// is apperr.NotFound.
func (s *Service) Page(ctx context.Context, ownerID, id string, n, width int) (*PageImage, error) {
	d, err := s.store.Document(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	last := 1
	if d.PageCount != nil {
		last = max(*d.PageCount, 1)
	}
	if n < 1 || n > last {
		return nil, apperr.New(apperr.NotFound, "this document has %d page(s); there is no page %d", last, n)
	}
	width = extract.ClampPageWidth(width)
	if s.pages == nil || !s.pages.CanRenderPages(d.MIMEType) {
		return s.thumbnailPage(ctx, d, n)
	}
	path := s.pageCachePath(d.SHA256, n, width)
	if path != "" {
		if b, err := os.ReadFile(path); err == nil {
			return &PageImage{PNG: b, Cached: true}, nil
		}
	}
	rc, _, err := s.Open(ctx, ownerID, id, nil)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(rc, d.SizeBytes+1))
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", d.ID, err)
	}
	png, err := s.pages.RenderPage(ctx, extract.Input{R: bytes.NewReader(data), Size: int64(len(data)), MIMEType: d.MIMEType,
		Filename: d.OriginalFilename}, n, width)
	switch {
	case errors.Is(err, extract.ErrNoSuchPage):
		return nil, apperr.New(apperr.NotFound, "this document has no page %d", n)
	case errors.Is(err, extract.ErrLimit):
		return nil, apperr.Wrap(err, apperr.Unavailable, "this page took too long or is too large to draw")
	case errors.Is(err, extract.ErrMalformed):
		return nil, &apperr.Error{Kind: apperr.Invalid, Status: 422, Err: err, Message: "this page could not be drawn: the file is damaged"}
	case err != nil:
		return nil, err
	}
	if path != "" {
		s.writeCache(path, png)
	}
	return &PageImage{PNG: png}, nil
}

// thumbnailPage serves page 1 from the thumbnail made at processing.
func (s *Service) thumbnailPage(ctx context.Context, d *model.Document, n int) (*PageImage, error) {
	if n != 1 || d.ThumbnailKey == "" {
		return nil, apperr.New(apperr.NotFound, "no picture of page %d of this document exists", n)
	}
	rc, _, err := s.blobs.Get(ctx, d.ThumbnailKey, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read thumbnail: %w", err)
	}
	return &PageImage{PNG: b, Preview: true}, nil
}

var hexSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pageCachePath is the cache file of one page, "" without a cache.
func (s *Service) pageCachePath(sha string, n, width int) string {
	if s.cfg.PageCacheDir == "" || !hexSHA.MatchString(sha) {
		return ""
	}
	return filepath.Join(s.cfg.PageCacheDir, sha[:2], sha+"-"+strconv.Itoa(n)+"-"+strconv.Itoa(width)+".png")
}

// writeCache stores a page atomically; a failure only costs a re-render.
func (s *Service) writeCache(path string, png []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		s.log.Warn("page cache", "error", err)
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".page-*")
	if err != nil {
		s.log.Warn("page cache", "error", err)
		return
	}
	_, werr := f.Write(png)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(f.Name())
		s.log.Warn("page cache", "error", errors.Join(werr, cerr))
		return
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		s.log.Warn("page cache", "error", err)
	}
}

// removeCachedPages deletes every cached page of the file with this sha.
func (s *Service) removeCachedPages(sha string) {
	if s.cfg.PageCacheDir == "" || !hexSHA.MatchString(sha) {
		return
	}
	matches, _ := filepath.Glob(filepath.Join(s.cfg.PageCacheDir, sha[:2], sha+"-*.png"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove cached page", "error", err)
		}
	}
}
