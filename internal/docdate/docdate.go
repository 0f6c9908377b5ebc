// Package docdate finds a document's own date (the date a letter or invoice
// was written) in its extracted text. It recognises numeric dates
// (2024-03-05, 05.03.2024, 5.3.24, 05/03/2024) and written dates in the
// languages DocuVault offers OCR and language detection for (English,
// German, French, Spanish, Italian, Dutch, Portuguese), and prefers the
// letter's date over dates quoted in its body: a labelled date ("Datum:",
// "Invoice date:"), a date after a place name ("Berlin, 5. März 2024") and a
// date near the top win; due dates, validity ends, birth dates and the ends
// of periods lose.
//
// Find is linear in its input and reads at most MaxScan bytes of it.
package docdate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxScan is how much of a text Find reads: a document's date is on its
// first pages.
const MaxScan = 64 << 10

// maxCandidates bounds the dates Find weighs in one text.
const maxCandidates = 2000

// Order is how an all-numeric date with slashes or hyphens is read.
// Dates with dots (05.03.2024) are always day first, and dates that start
// with a four-digit year are always year, month, day.
type Order int

const (
	// DMY reads 05/03/2024 as 5 March 2024 (most of the world).
	DMY Order = iota
	// MDY reads 03/05/2024 as 5 March 2024 (the United States).
	MDY
)

// String is the setting's spelling, "DMY" or "MDY".
func (o Order) String() string {
	if o == MDY {
		return "MDY"
	}
	return "DMY"
}

// ParseOrder reads DATE_ORDER: "DMY" or "MDY", in any case. Anything else is
// an error naming the choices.
func ParseOrder(s string) (Order, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DMY":
		return DMY, nil
	case "MDY":
		return MDY, nil
	}
	return DMY, fmt.Errorf("%q is not a date order: use DMY (05/03/2024 is 5 March) or MDY (05/03/2024 is May 3)", s)
}

// Options tune Find.
type Options struct {
	// Order reads ambiguous numeric dates; the zero value is DMY.
	Order Order
	// Now bounds the result: a date more than a year after Now is ignored
	// (a typo or a due date far ahead). The zero value means time.Now().
	Now time.Time
	// Languages, when not empty, restricts written month names to these
	// ISO 639-1 codes ("en", "de", "fr", "es", "it", "nl", "pt"). Numeric
	// dates are always recognised.
	Languages []string
}

// Earliest is the earliest date Find returns.
var Earliest = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// Latest is the latest date Find returns for now: a year after it.
func Latest(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y+1, m, d, 0, 0, 0, 0, time.UTC)
}

// Find returns the document date found in text, at midnight UTC, and
// whether one was found. It never returns a date before Earliest or after
// Latest(opt.Now).
func Find(text string, opt Options) (time.Time, bool) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	text = head(text, MaxScan)
	cands := candidates(text, opt)
	if len(cands) == 0 {
		return time.Time{}, false
	}
	score(text, cands)
	best := -1
	for i, c := range cands {
		if c.discard {
			continue
		}
		if best < 0 || c.score > cands[best].score {
			best = i
		}
	}
	if best < 0 {
		return time.Time{}, false
	}
	return cands[best].date, true
}

// head is the first n bytes of s, cut back to a UTF-8 boundary.
func head(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// candidate is one date found in the text.
type candidate struct {
	start, end int // byte offsets of the match
	line, eol  int // byte offsets of its line's start and end
	date       time.Time
	score      int
	discard    bool // a due date, a birth date, a validity end: never the document's date
}

// candidates finds every plausible date in text, in order, without overlaps.
func candidates(text string, opt Options) []candidate {
	var out []candidate
	lo, hi := Earliest, Latest(opt.Now)
	var line, eol int
	add := func(start, end, y, m, d int) {
		t, ok := makeDate(y, m, d)
		if !ok || t.Before(lo) || t.After(hi) {
			return
		}
		out = append(out, candidate{start: line + start, end: line + end, line: line, eol: eol, date: t})
	}
	// A date never spans lines, and a line without a digit holds none: the
	// regular expressions only see the lines that may (most of a letter's
	// prose has no digit).
	for base := 0; base < len(text) && len(out) <= maxCandidates; {
		end := strings.IndexByte(text[base:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += base
		}
		if s := text[base:end]; strings.ContainsAny(s, "0123456789") {
			line, eol = base, end
			findISO(s, opt, add)
			findNumeric(s, opt, add)
			findWritten(s, opt, add)
		}
		base = end + 1
	}
	slices.SortStableFunc(out, func(a, b candidate) int { return a.start - b.start })
	// Drop overlaps (the first, longest reading of a span wins).
	kept := out[:0]
	for _, c := range out {
		if len(kept) > 0 && c.start < kept[len(kept)-1].end {
			continue
		}
		kept = append(kept, c)
	}
	if len(kept) > maxCandidates {
		kept = kept[:maxCandidates]
	}
	return kept
}

// makeDate builds a calendar date, refusing impossible ones (31.02.2024).
func makeDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 || y < 1 || y > 9999 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, false
	}
	return t, true
}
