package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
)

// downloadDocument streams the original bytes with ETag and single-range
// support; with ?redirect=true and a presigning store it answers 302 to a
// URL valid for 1 minute (short, so a member removed from the space cannot use one for long).
func (s *Server) downloadDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	ctx := r.Context()
	id := r.PathValue("id")
	redirect, err := boolQuery(r, "redirect")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.documentAccess(r, p, id, model.RoleViewer, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if redirect {
		u, err := s.deps.Documents.PresignDownload(ctx, d, time.Minute)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if u != "" {
			http.Redirect(w, r, u, http.StatusFound)
			return
		}
	}
	etag := `"` + d.SHA256 + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Disposition", document.ContentDisposition(d.OriginalFilename))
	h.Set("Content-Type", d.MIMEType)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Last-Modified", d.CreatedAt.UTC().Format(http.TimeFormat))
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var rng *blob.Range
	status := http.StatusOK
	if rh := r.Header.Get("Range"); rh != "" && (r.Header.Get("If-Range") == "" || r.Header.Get("If-Range") == etag) {
		start, length, ok, satisfiable := parseRange(rh, d.SizeBytes)
		if !satisfiable {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", d.SizeBytes))
			s.writeError(w, r, &apperr.Error{Kind: apperr.Invalid, Status: http.StatusRequestedRangeNotSatisfiable,
				Message: "the requested range is outside the file"})
			return
		}
		if ok {
			rng = &blob.Range{Offset: start, Length: length}
			status = http.StatusPartialContent
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, d.SizeBytes))
		}
	}
	rc, _, err := s.deps.Documents.Open(ctx, d.SpaceID, id, rng)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	size := d.SizeBytes
	if rng != nil {
		size = rng.Length
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		s.log.WarnContext(ctx, "download interrupted", "document", id, "error", err)
	}
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// parseRange understands one "bytes=a-b", "bytes=a-" or "bytes=-n" range.
// Several ranges, or a malformed header, are ignored (ok false): the whole
// file is sent, as RFC 9110 allows.
func parseRange(h string, size int64) (start, length int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, true
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, true
	}
	switch {
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, true
		}
		if n == 0 || size == 0 {
			return 0, 0, false, false
		}
		n = min(n, size)
		return size - n, n, true, true
	default:
		s, err := strconv.ParseInt(a, 10, 64)
		if err != nil || s < 0 {
			return 0, 0, false, true
		}
		if s >= size {
			return 0, 0, false, false
		}
		end := size - 1
		if b != "" {
			e, err := strconv.ParseInt(b, 10, 64)
			if err != nil || e < s {
				return 0, 0, false, true
			}
			end = min(e, size-1)
		}
		return s, end - s + 1, true, true
	}
}
