package extract

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Zip bomb detection: once an entry has produced more than ratioFloor bytes,
// it may not expand more than maxRatio times its compressed size. Real
// office XML stays well under 100:1; deflate tops out near 1032:1.
const (
	maxRatio   = 200
	ratioFloor = 1 << 20
)

// safeZip is a zip container opened under Limits. Every byte read out of it
// is counted against one budget of Limits.MaxDecompressedBytes, as read:
// the sizes in the headers are never trusted.
type safeZip struct {
	files   map[string]*zip.File // clean, relative names only
	order   []string             // names in central directory order
	lim     Limits
	used    int64 // decompressed bytes read so far
	skipped int   // entries ignored for unsafe names
}

// openZip checks the entry count and indexes the entries with safe names.
// Names that are absolute or climb out with ".." are ignored (zip slip);
// entries are never followed as nested zips.
func openZip(in Input, lim Limits) (*safeZip, error) {
	if in.R == nil || in.Size <= 0 {
		return nil, fmt.Errorf("%w: empty zip container", ErrMalformed)
	}
	zr, err := zip.NewReader(in.R, in.Size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: not a zip container: %w", ErrMalformed, err)
	}
	if n := len(zr.File); n > lim.MaxEntries {
		return nil, fmt.Errorf("%w: zip has %d entries, more than %d", ErrLimit, n, lim.MaxEntries)
	}
	z := &safeZip{files: make(map[string]*zip.File, len(zr.File)), lim: lim}
	for _, f := range zr.File {
		name, ok := safeName(f.Name)
		if !ok {
			z.skipped++
			continue
		}
		if _, dup := z.files[name]; dup || f.FileInfo().IsDir() {
			continue
		}
		z.files[name] = f
		z.order = append(z.order, name)
	}
	return z, nil
}

// safeName cleans a zip entry name and reports whether it stays inside the
// container: no absolute paths, drive letters, backslashes or "..".
func safeName(name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") ||
		(len(name) > 1 && name[1] == ':') {
		return "", false
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", false
		}
	}
	return path.Clean(name), true
}

// has reports whether the container holds the entry.
func (z *safeZip) has(name string) bool { _, ok := z.files[name]; return ok }

// open returns a reader of one entry that enforces the budget, the ratio
// check and ctx. It fails with an error wrapping ErrMalformed when the entry
// is missing.
func (z *safeZip) open(ctx context.Context, name string) (io.ReadCloser, error) {
	f, ok := z.files[name]
	if !ok {
		return nil, fmt.Errorf("%w: zip entry %q is missing", ErrMalformed, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: zip entry %q: %w", ErrMalformed, name, err)
	}
	return &limitedEntry{ctx: ctx, rc: rc, z: z, name: name, compressed: int64(f.CompressedSize64)}, nil
}

// readAll reads one entry completely under the limits.
func (z *safeZip) readAll(ctx context.Context, name string) ([]byte, error) {
	rc, err := z.open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return data, nil
}

// checkAll reads every entry through the limits and throws the bytes away.
// It proves a container is no bomb before a library that trusts headers
// (excelize) gets it.
func (z *safeZip) checkAll(ctx context.Context) error {
	for _, name := range z.order {
		rc, err := z.open(ctx, name)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// limitedEntry counts the decompressed bytes of one entry as they are read.
type limitedEntry struct {
	ctx        context.Context
	rc         io.ReadCloser
	z          *safeZip
	name       string
	compressed int64
	read       int64
}

func (e *limitedEntry) Read(p []byte) (int, error) {
	if err := e.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := e.rc.Read(p)
	e.read += int64(n)
	e.z.used += int64(n)
	switch {
	case e.z.used > e.z.lim.MaxDecompressedBytes:
		return n, fmt.Errorf("%w: zip decompresses to more than %d bytes (at entry %q)",
			ErrLimit, e.z.lim.MaxDecompressedBytes, e.name)
	case e.read > ratioFloor && e.read > maxRatio*max(e.compressed, 1):
		return n, fmt.Errorf("%w: zip entry %q expands more than %d times its compressed size of %d bytes (zip bomb)",
			ErrLimit, e.name, maxRatio, e.compressed)
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("%w: zip entry %q: %w", ErrMalformed, e.name, err)
	}
	return n, err
}

func (e *limitedEntry) Close() error { return e.rc.Close() }
