package searchquery

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// fuzzDocs are small documents in Normalize form.
var fuzzDocs = map[int]string{1: "inv 2024 0042", 2: "cafe a b", 3: "a"}

// FuzzParse checks that Parse never panics, fails only with ErrInvalidQuery,
// and that whatever it accepts SQLite's FTS5 (and PostgreSQL's to_tsquery,
// when reachable) accepts without a syntax error, both matching the same
// documents.
func FuzzParse(f *testing.F) {
	for _, tt := range engineCases {
		f.Add(tt.q)
	}
	for _, s := range []string{`"`, `""*`, `-"`, `a OR`, `x:y`, `a* OR b*`, `NEAR(a, 5)`, `{a b}:c`, `a + b`,
		"\x00", "\u3392", "ǅ", "a\u0301*", "𝟘𝟙", "a\u200db", `'\'`, `a:*B`, "𐐀", "ⅻ", "١٢٣"} {
		f.Add(s)
	}
	db := openFTS5(f)
	for id, text := range fuzzDocs {
		if _, err := db.Exec(`INSERT INTO docs (rowid, body) VALUES (?, ?)`, id, text); err != nil {
			f.Fatal(err)
		}
	}
	pg := openPostgres(f)
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("Parse(%q): %v does not wrap ErrInvalidQuery", s, err)
			}
			return
		}
		_ = q.Terms()
		got, err := ids(db.Query(`SELECT rowid FROM docs WHERE docs MATCH ?`, q.FTS5()))
		if err != nil {
			t.Fatalf("FTS5 rejected %s (from %q): %v", q.FTS5(), s, err)
		}
		if pg != nil && commonScripts(q.Terms()) {
			var want []int
			for id, text := range fuzzDocs {
				var ok bool
				if err := pg.QueryRow(`SELECT to_tsvector('simple', $1) @@ to_tsquery('simple', $2)`, text, q.TSQuery()).Scan(&ok); err != nil {
					t.Fatalf("PostgreSQL rejected %s (from %q): %v", q.TSQuery(), s, err)
				}
				if ok {
					want = append(want, id)
				}
			}
			sort.Ints(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: FTS5 %s matched %v, tsquery %s matched %v", s, q.FTS5(), got, q.TSQuery(), want)
			}
		}
	})
}

// commonScripts reports whether every word is in Latin, Greek, Cyrillic,
// Arabic or Hebrew letters and ASCII digits. For other letters the engines'
// Unicode tables differ (SQLite's unicode61 dates from Unicode 6.1): a letter
// one engine knows may be a separator to the other.
func commonScripts(words []string) bool {
	for _, w := range words {
		for _, r := range strings.TrimSuffix(w, "*") {
			if !('0' <= r && r <= '9') && !unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Arabic, unicode.Hebrew) {
				return false
			}
		}
	}
	return true
}
