package searchquery

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FieldTerms are the field terms of a search box: correspondent:acme,
// type:invoice, tag:tax (a topic's name) and date:2024, date:2024-03 or
// date:2024-03-05. Names are compared case-insensitively by the caller; a
// quoted name may hold spaces (correspondent:"acme inc").
type FieldTerms struct {
	Correspondents []string
	Types          []string
	Tags           []string
	// DateFrom and DateTo (YYYY-MM-DD, inclusive) are the intersection of
	// every date: term; DateFrom > DateTo when they do not overlap.
	DateFrom, DateTo string
}

// Empty says there are no field terms.
func (f FieldTerms) Empty() bool {
	return len(f.Correspondents) == 0 && len(f.Types) == 0 && len(f.Tags) == 0 && f.DateFrom == "" && f.DateTo == ""
}

var fieldKeys = []string{"correspondent", "type", "tag", "date"}

// ExtractFields takes the field terms out of a search box's text and
// returns the rest, to Parse as words, with them. A key this package does
// not know ("foo:bar") stays text. Errors wrap ErrInvalidQuery: a date that
// is not a year, month or day, or an empty name.
func ExtractFields(s string) (string, FieldTerms, error) {
	var ft FieldTerms
	if n := utf8.RuneCountInString(s); n > MaxQueryLen {
		return "", ft, fmt.Errorf("%w: the query has %d characters, at most %d are allowed", ErrInvalidQuery, n, MaxQueryLen)
	}
	var rest []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		start := i
		key := ""
		for _, k := range fieldKeys {
			if len(s)-i > len(k) && strings.EqualFold(s[i:i+len(k)], k) && s[i+len(k)] == ':' {
				key = k
				break
			}
		}
		if key == "" {
			// An ordinary item: up to the next space, or a whole quoted phrase.
			if s[i] == '"' || (s[i] == '-' && i+1 < len(s) && s[i+1] == '"') {
				q := strings.IndexByte(s[i:], '"')
				end := strings.IndexByte(s[i+q+1:], '"')
				if end < 0 {
					i = len(s)
				} else {
					i += q + 1 + end + 1
				}
			}
			end := strings.IndexFunc(s[i:], unicode.IsSpace)
			if end < 0 {
				end = len(s) - i
			}
			i += end
			rest = append(rest, s[start:i])
			continue
		}
		i += len(key) + 1
		var val string
		if i < len(s) && s[i] == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				val, i = s[i+1:], len(s)
			} else {
				val, i = s[i+1:i+1+end], i+2+end
			}
		} else {
			end := strings.IndexFunc(s[i:], unicode.IsSpace)
			if end < 0 {
				end = len(s) - i
			}
			val, i = s[i:i+end], i+end
		}
		val = strings.TrimSpace(val)
		if val == "" {
			return "", ft, fmt.Errorf("%w: %s: needs a value", ErrInvalidQuery, key)
		}
		switch key {
		case "correspondent":
			ft.Correspondents = append(ft.Correspondents, val)
		case "type":
			ft.Types = append(ft.Types, val)
		case "tag":
			ft.Tags = append(ft.Tags, val)
		case "date":
			from, to, ok := DateRange(val)
			if !ok {
				return "", ft, fmt.Errorf("%w: date: takes a year, a month or a day, like 2024, 2024-03 or 2024-03-05", ErrInvalidQuery)
			}
			if ft.DateFrom == "" || from > ft.DateFrom {
				ft.DateFrom = from
			}
			if ft.DateTo == "" || to < ft.DateTo {
				ft.DateTo = to
			}
		}
	}
	return strings.Join(rest, " "), ft, nil
}

// DateRange is the first and last day of a year (2024), month (2024-03) or
// day (2024-03-05), as YYYY-MM-DD.
func DateRange(v string) (from, to string, ok bool) {
	for _, l := range []struct {
		layout string
		add    func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, -1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, -1) }},
		{time.DateOnly, func(t time.Time) time.Time { return t }},
	} {
		if len(v) != len(l.layout) {
			continue
		}
		t, err := time.Parse(l.layout, v)
		if err != nil {
			return "", "", false
		}
		return t.Format(time.DateOnly), l.add(t).Format(time.DateOnly), true
	}
	return "", "", false
}
