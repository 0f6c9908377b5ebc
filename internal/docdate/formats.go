package docdate

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// monthNames are the month names and usual abbreviations per language, in
// month order; several spellings of one month are separated by "|".
// Accent-less spellings are there for OCR and plain-ASCII senders.
var monthNames = map[string][12]string{
	"en": {"january|jan", "february|feb", "march|mar", "april|apr", "may", "june|jun", "july|jul",
		"august|aug", "september|sept|sep", "october|oct", "november|nov", "december|dec"},
	"de": {"januar|jänner|jaenner|jan", "februar|feber|feb", "märz|maerz|marz|mär|mrz", "april|apr", "mai",
		"juni|jun", "juli|jul", "august|aug", "september|sept|sep", "oktober|okt", "november|nov", "dezember|dez"},
	"fr": {"janvier|janv", "février|fevrier|févr|fevr|fév|fev", "mars", "avril|avr", "mai", "juin",
		"juillet|juil", "août|aout", "septembre|sept", "octobre|oct", "novembre|nov", "décembre|decembre|déc|dec"},
	"es": {"enero|ene", "febrero|feb", "marzo|mar", "abril|abr", "mayo|may", "junio|jun", "julio|jul",
		"agosto|ago", "septiembre|setiembre|sept|sep|set", "octubre|oct", "noviembre|nov", "diciembre|dic"},
	"it": {"gennaio|gen", "febbraio|feb", "marzo|mar", "aprile|apr", "maggio|mag", "giugno|giu", "luglio|lug",
		"agosto|ago", "settembre|set", "ottobre|ott", "novembre|nov", "dicembre|dic"},
	"nl": {"januari|jan", "februari|feb", "maart|mrt", "april|apr", "mei", "juni|jun", "juli|jul",
		"augustus|aug", "september|sept|sep", "oktober|okt", "november|nov", "december|dec"},
	"pt": {"janeiro|jan", "fevereiro|fev", "março|marco|mar", "abril|abr", "maio|mai", "junho|jun",
		"julho|jul", "agosto|ago", "setembro|set", "outubro|out", "novembro|nov", "dezembro|dez"},
}

// monthWord is one spelling of a month and the languages that use it.
type monthWord struct {
	month int
	langs []string
}

var (
	months = buildMonths()

	// sp is a space as PDFs and OCR give it (including no-break spaces).
	sp = `[\s\x{00A0}\x{202F}]`

	// 2024-03-05, 2024/03/05, 2024.03.05
	reISO = regexp.MustCompile(`(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})`)
	// 05.03.2024, 5.3.24, 05. 03. 2024 (always day first)
	reDots = regexp.MustCompile(`(\d{1,2})\.` + sp + `?(\d{1,2})\.` + sp + `?(\d{4}|\d{2})`)
	// 05/03/2024, 05-03-2024, 5/3/24 (Options.Order)
	reSlash = regexp.MustCompile(`(\d{1,2})([/-])(\d{1,2})[/-](\d{4}|\d{2})`)
	// 5 March 2024, 5th March 2024, 5. März 2024, 05. Mär. 2024, 1er mars 2024, 5 de marzo de 2024,
	// the 5th of March, 2024. The month is any word here, looked up in months
	// afterwards: an alternation of every spelling makes the regexp ~50 times slower.
	reDayMonth = regexp.MustCompile(`(\d{1,2})(?:st|nd|rd|th|er|re|º|°|ª)?\.?` + sp + `{0,3}(?:(?i:de|of)` + sp + `{1,3})?(\pL+)\.?,?` +
		sp + `{0,3}(?:(?i:de|del)` + sp + `{1,3})?(\d{4})`)
	// March 5, 2024, Mar. 5th 2024
	reMonthDay = regexp.MustCompile(`(\pL+)\.?` + sp + `{1,3}(\d{1,2})(?:st|nd|rd|th)?,?` + sp + `{1,3}(\d{4})`)
)

func buildMonths() map[string]monthWord {
	out := map[string]monthWord{}
	for lang, names := range monthNames {
		for i, spellings := range names {
			for _, w := range strings.Split(spellings, "|") {
				mw := out[w]
				mw.month = i + 1
				mw.langs = append(mw.langs, lang)
				out[w] = mw
			}
		}
	}
	return out
}

// month looks a matched month word up, honouring Options.Languages.
func month(word string, langs []string) int {
	mw, ok := months[strings.ToLower(word)]
	if !ok {
		return 0
	}
	if len(langs) > 0 && !slices.ContainsFunc(mw.langs, func(l string) bool { return slices.Contains(langs, l) }) {
		return 0
	}
	return mw.month
}

type addFunc = func(start, end, y, m, d int)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// numberBefore reports whether the match at i continues a number
// ("192.168.1.10", "12024-03-05", "v1.05.03.2024").
func numberBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	c := s[i-1]
	if isDigit(c) {
		return true
	}
	return (c == '.' || c == '/' || c == '-' || c == ':') && i >= 2 && isDigit(s[i-2])
}

// numberAfter reports whether the match ending at j goes on as a number.
func numberAfter(s string, j int) bool {
	if j >= len(s) {
		return false
	}
	c := s[j]
	if isDigit(c) {
		return true
	}
	return (c == '.' || c == '/' || c == '-') && j+1 < len(s) && isDigit(s[j+1])
}

// letterBefore reports whether a word runs into position i.
func letterBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && unicode.IsLetter(r)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// fullYear reads a two-digit year: 24 is 2024 unless that is more than a
// year ahead of now, then 1924.
func fullYear(s string, nowYear int) int {
	y := atoi(s)
	if len(s) == 4 {
		return y
	}
	if 2000+y > nowYear+1 {
		return 1900 + y
	}
	return 2000 + y
}

func findISO(text string, opt Options, add addFunc) {
	for _, m := range reISO.FindAllStringSubmatchIndex(text, -1) {
		if numberBefore(text, m[0]) || numberAfter(text, m[1]) {
			continue
		}
		add(m[0], m[1], atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]]))
	}
}

func findNumeric(text string, opt Options, add addFunc) {
	nowYear := opt.Now.Year()
	for _, m := range reDots.FindAllStringSubmatchIndex(text, -1) {
		if numberBefore(text, m[0]) || numberAfter(text, m[1]) {
			continue
		}
		add(m[0], m[1], fullYear(text[m[6]:m[7]], nowYear), atoi(text[m[4]:m[5]]), atoi(text[m[2]:m[3]]))
	}
	for _, m := range reSlash.FindAllStringSubmatchIndex(text, -1) {
		if numberBefore(text, m[0]) || numberAfter(text, m[1]) {
			continue
		}
		a, b := atoi(text[m[2]:m[3]]), atoi(text[m[6]:m[7]])
		y := fullYear(text[m[8]:m[9]], nowYear)
		d, mo := a, b
		if opt.Order == MDY {
			d, mo = b, a
		}
		if mo > 12 && d <= 12 { // 13/05/2024 in MDY, 05/13/2024 in DMY: only one reading exists
			d, mo = mo, d
		}
		add(m[0], m[1], y, mo, d)
	}
}

func findWritten(text string, opt Options, add addFunc) {
	for _, m := range reDayMonth.FindAllStringSubmatchIndex(text, -1) {
		if numberBefore(text, m[0]) || numberAfter(text, m[1]) {
			continue
		}
		mo := month(text[m[4]:m[5]], opt.Languages)
		if mo == 0 {
			continue
		}
		add(m[0], m[1], atoi(text[m[6]:m[7]]), mo, atoi(text[m[2]:m[3]]))
	}
	for _, m := range reMonthDay.FindAllStringSubmatchIndex(text, -1) {
		if letterBefore(text, m[0]) || numberAfter(text, m[1]) {
			continue
		}
		mo := month(text[m[2]:m[3]], opt.Languages)
		if mo == 0 {
			continue
		}
		add(m[0], m[1], atoi(text[m[6]:m[7]]), mo, atoi(text[m[4]:m[5]]))
	}
}
