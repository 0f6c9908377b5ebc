package store

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Page asks for one page of a keyset-paginated list.
type Page struct {
	Limit  int    // default 50, at most 200
	Cursor string // opaque; "" for the first page
}

// MaxPageLimit is the largest page a list returns.
const MaxPageLimit = 200

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > MaxPageLimit:
		return MaxPageLimit
	}
	return p.Limit
}

// ErrBadCursor is returned for a cursor this package did not make.
var ErrBadCursor = fmt.Errorf("%w: invalid cursor", ErrInvalid)

// ErrInvalid marks input the store refuses (bad cursor, bad filter).
var ErrInvalid = fmt.Errorf("store: invalid input")

// timeCursor encodes a (time, id) position.
func timeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func parseTimeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	ts, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return time.Time{}, "", ErrBadCursor
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	return at, id, nil
}

// keyCursor encodes a (sort key, id) position.
func keyCursor(key, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "\x00" + id))
}

func parseKeyCursor(c string) (string, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", "", ErrBadCursor
	}
	key, id, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return "", "", ErrBadCursor
	}
	return key, id, nil
}
