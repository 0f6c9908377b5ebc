package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
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
	// archive/zip allocates every central directory entry before we can
	// count them: check the count the end record declares first.
	if n, ok := declaredEntries(in); ok && n > uint64(lim.MaxEntries) {
		return nil, fmt.Errorf("%w: zip declares %d entries, more than %d", ErrLimit, n, lim.MaxEntries)
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

// declaredEntries reads the entry count from the end of central directory
// record (or its zip64 form). ok is false when no record is found; the zip
// reader then reports the damage.
func declaredEntries(in Input) (n uint64, ok bool) {
	const eocdLen, locatorLen = 22, 20
	tail := min(in.Size, eocdLen+65535+locatorLen)
	buf := make([]byte, tail)
	if _, err := in.R.ReadAt(buf, in.Size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < eocdLen {
		return 0, false
	}
	n = uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if n != 0xFFFF || i < locatorLen || !bytes.Equal(buf[i-locatorLen:i-locatorLen+4], []byte("PK\x06\x07")) {
		return n, true
	}
	off := binary.LittleEndian.Uint64(buf[i-locatorLen+8:])
	rec := make([]byte, 40)
	if off > uint64(in.Size) {
		return 0, false
	}
	if _, err := in.R.ReadAt(rec, int64(off)); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
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
