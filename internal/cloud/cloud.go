// Package cloud stores document originals in a user's own cloud drive:
// WebDAV, Nextcloud, Google Drive and OneDrive, behind one small Drive
// interface. Files go into the folder "DocuVault/" of the drive.
//
// Requests to user-supplied servers (WebDAV, Nextcloud) go through the SSRF
// guard of package ssrf; credentials are sealed at rest by package seal.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Folder is the drive folder that holds DocuVault's files.
const Folder = "DocuVault"

// MaxNameBytes bounds a cleaned file name (most drives allow 255).
const MaxNameBytes = 200

var (
	// ErrNotFound: the file (or the drive item behind a ref) does not exist.
	ErrNotFound = errors.New("cloud: file not found")
	// ErrUnauthorized: the credentials are wrong, expired or revoked; the
	// user must reconnect the account.
	ErrUnauthorized = errors.New("cloud: credentials rejected")
	// ErrUnavailable: the drive could not be reached or answered with a
	// temporary failure (5xx, 429, network); retrying later may work.
	ErrUnavailable = errors.New("cloud: drive unavailable")
	// ErrBadName: a file name or ref is unusable.
	ErrBadName = errors.New("cloud: bad file name")
)

// Drive is one connected cloud account.
//
// Put stores size bytes from r as Folder/name (name is cleaned with
// CleanName; an existing file of that name is replaced where the drive
// addresses files by path) and returns a ref that Get, Stat and Delete take.
// Delete of a file that is already gone returns nil. Test checks that the
// credentials work and the folder exists, creating it if missing.
// Errors wrap ErrNotFound, ErrUnauthorized, ErrUnavailable, ErrBadName or,
// for guarded drives, ssrf.ErrForbiddenAddress.
type Drive interface {
	Put(ctx context.Context, name string, r io.Reader, size int64) (ref string, err error)
	Get(ctx context.Context, ref string) (io.ReadCloser, error)
	Stat(ctx context.Context, ref string) (size int64, err error)
	Delete(ctx context.Context, ref string) error
	Test(ctx context.Context) error
}

// CleanName makes name safe as a single path segment on every supported
// drive: path separators, control characters and the characters OneDrive
// and Windows refuse (\ / : * ? " < > |) become '_', leading and trailing
// spaces and dots are dropped, and long names are cut at MaxNameBytes on a
// rune boundary keeping the extension. Non-ASCII letters stay as they are.
// Errors wrap ErrBadName.
func CleanName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrBadName)
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '/' || r == '\\' || r == ':' || r == '*' || r == '?' || r == '"' || r == '<' || r == '>' || r == '|':
			b.WriteByte('_')
		case unicode.IsControl(r) || r == utf8.RuneError || (unicode.Is(unicode.Cf, r) && r != '\u200d'):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(b.String(), " .")
	if len(s) > MaxNameBytes {
		ext := ""
		if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 16 {
			ext = s[i:]
		}
		s = truncateUTF8(s[:len(s)-len(ext)], MaxNameBytes-len(ext)) + ext
	}
	if s == "" {
		return "", fmt.Errorf("%w: empty after cleaning %q", ErrBadName, name)
	}
	return s, nil
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], " .")
}

// statusErr maps an HTTP status of a failed call to a sentinel.
func statusErr(code int) error {
	switch {
	case code == http.StatusUnauthorized:
		return ErrUnauthorized
	case code == http.StatusNotFound || code == http.StatusGone:
		return ErrNotFound
	case code == http.StatusTooManyRequests || code >= 500:
		return ErrUnavailable
	}
	return nil
}
