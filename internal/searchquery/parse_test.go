package searchquery

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		in, fts5, ts string
		terms        []string
	}{
		{"invoice", `"invoice"`, `'invoice'`, []string{"invoice"}},
		{"Invoice ACME", `"invoice" AND "acme"`, `'invoice' & 'acme'`, []string{"invoice", "acme"}},
		{`"quick brown fox"`, `"quick brown fox"`, `'quick' <-> 'brown' <-> 'fox'`, []string{"quick", "brown", "fox"}},
		{`"quick brown"*`, `"quick brown"*`, `'quick' <-> 'brown':*`, []string{"quick", "brown*"}},
		{"invoice -globex", `("invoice") NOT "globex"`, `'invoice' & !'globex'`, []string{"invoice"}},
		{`notes -"lazy dog" -fox`, `("notes") NOT ("lazy dog" OR "fox")`, `'notes' & !('lazy' <-> 'dog') & !'fox'`, []string{"notes"}},
		{"acme OR globex", `("acme" OR "globex")`, `('acme' | 'globex')`, []string{"acme", "globex"}},
		{"tax OR contract OR lease 2023", `("tax" OR "contract" OR "lease") AND "2023"*`, `('tax' | 'contract' | 'lease') & '2023':*`, []string{"tax", "contract", "lease", "2023*"}},
		{"invo*", `"invo"*`, `'invo':*`, []string{"invo*"}},
		{"INV-2024-0042", `"inv 2024 0042"*`, `'inv' <-> '2024' <-> '0042':*`, []string{"inv", "2024", "0042*"}},
		{"DE89370400440532013000", `"de89370400440532013000"*`, `'de89370400440532013000':*`, []string{"de89370400440532013000*"}},
		{"Café Straße", `"cafe" AND "straße"`, `'cafe' & 'straße'`, []string{"cafe", "straße"}},
		{"e-mail", `"e mail"`, `'e' <-> 'mail'`, []string{"e", "mail"}},
		{"a a A", `"a" AND "a" AND "a"`, `'a' & 'a' & 'a'`, []string{"a"}},
		// FTS5 and tsquery syntax is text.
		{"title:invoice", `"title invoice"`, `'title' <-> 'invoice'`, []string{"title", "invoice"}},
		{"NEAR(a b) AND c NOT d", `"near a" AND "b" AND "and" AND "c" AND "not" AND "d"`, `'near' <-> 'a' & 'b' & 'and' & 'c' & 'not' & 'd'`, []string{"near", "a", "b", "and", "c", "not", "d"}},
		{`^start "x"" y`, `"start" AND "x" AND "y"`, `'start' & 'x' & 'y'`, []string{"start", "x", "y"}},
		{`a:* | !b & 'c' <-> d`, `"a"* AND "b" AND "c" AND "d"`, `'a':* & 'b' & 'c' & 'd'`, []string{"a*", "b", "c", "d"}},
		{"or and", `"or" AND "and"`, `'or' & 'and'`, []string{"or", "and"}},
		{`"unclosed phrase`, `"unclosed phrase"`, `'unclosed' <-> 'phrase'`, []string{"unclosed", "phrase"}},
		{"- * -- word", `"word"`, `'word'`, []string{"word"}},
		{"-OR x", `("x") NOT "or"`, `'x' & !'or'`, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := q.FTS5(); got != tt.fts5 {
				t.Errorf("FTS5() = %s, want %s", got, tt.fts5)
			}
			if got := q.TSQuery(); got != tt.ts {
				t.Errorf("TSQuery() = %s, want %s", got, tt.ts)
			}
			if got := q.Terms(); !reflect.DeepEqual(got, tt.terms) {
				t.Errorf("Terms() = %q, want %q", got, tt.terms)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"empty", "", "no words"},
		{"blank", " \t\n", "no words"},
		{"punctuation", `!!! ** "" -`, "no words"},
		{"only exclusions", `-foo -"bar baz"`, "only excludes"},
		{"trailing OR", "foo OR", "OR needs"},
		{"leading OR", "OR foo", "OR needs"},
		{"double OR", "foo OR OR bar", "OR needs"},
		{"OR with exclusion after", "foo OR -bar", "excluded term"},
		{"OR with exclusion before", "-foo OR bar", "excluded term"},
		{"too long", strings.Repeat("a", MaxQueryLen+1), "characters, at most 512"},
		{"too many words", strings.Repeat("w ", MaxWords+1), "more than 32 words"},
		{"too many words in a phrase", `"` + strings.Repeat("w ", MaxWords+1) + `"`, "more than 32 words"},
		{"too many words with OR", strings.Repeat("w OR ", MaxWords) + "w", "more than 32 words"},
		{"word too long", strings.Repeat("x", MaxWordLen+1), "a word has 129 characters"},
		{"word too long after NFKD", strings.Repeat("\u3392", 50), "a word has"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.in)
			if !errors.Is(err, ErrInvalidQuery) {
				t.Fatalf("Parse(%q) = %v, %v; want ErrInvalidQuery", tt.in, q, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestLimitsAccepted(t *testing.T) {
	for _, in := range []string{
		strings.Repeat(strings.Repeat("a", MaxWordLen-1)+" ", MaxQueryLen/MaxWordLen),
		strings.TrimSpace(strings.Repeat("w ", MaxWords)),
		strings.Repeat("é", MaxWordLen),
	} {
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%d characters) = %v, want it accepted", len([]rune(in)), err)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Café", "cafe"},
		{"  INV-2024-0042, total: 1.250,00 EUR ", "inv 2024 0042 total 1 250 00 eur"},
		{"ﬁle Ⅻ x²", "file xii x2"},
		{"İstanbul ÅNGSTRÖM", "istanbul angstrom"},
		{"日本語 テキスト", "日本語 テキスト"},
		{"\x00\xff", ""},
		{"\xf7Ǟ", "a"}, // decomposed after an invalid byte too
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNormalizeIsItsWords: Normalize (what the store indexes, through
// store.SearchNormalize) and words (what queries are built from) split text
// into the same words, for scripts, marks, compatibility forms and invalid
// bytes alike.
func TestNormalizeIsItsWords(t *testing.T) {
	for _, s := range []string{
		"", "   ", "Invoice INV-2024-0042", "Straße und Ärger — ÅNGSTRÖM İstanbul", "ﬁnance ①②③ Ｆｕｌｌ",
		"e\u0301te\u0301", "naïve café", "a\xffb\xfe c", "日本語のテキスト", "x\u200by", "tab\tnew\nline",
	} {
		if got, want := Normalize(s), strings.Join(words(s), " "); got != want {
			t.Errorf("Normalize(%q) = %q, words give %q", s, got, want)
		}
	}
}
