package docdate

import (
	"regexp"
	"strings"
	"unicode"
)

// Weights of the signals that make a date the document's own.
const (
	wLabel      = 6  // "Datum:", "Invoice date:", "Date of issue"
	wPlace      = 5  // "Berlin, 5. März 2024", "Paris, le 5 mars 2024"
	wTop        = 3  // in the first topBytes of the text
	wNearTop    = 1  // in the first nearTopBytes
	wAlone      = 2  // the only thing on its line (a right-aligned letter date)
	wWeak       = -2 // "from", "vom", "of": a date the text refers to
	wRange      = -4 // one end of a period "01.03.2024 - 31.03.2024"
	wDelivery   = 1  // "delivery date", "Lieferdatum": a date of the document, not its own
	labelWindow = 48
	topBytes    = 1500
	nearTop     = 4000
)

// discardWords make the date after them never the document's date: due
// dates, validity ends, birth dates. Matched as whole words or, for German
// compounds, as word prefixes (prefix entries end in "*").
var discardWords = wordSet(`due payable expires expiry expiration until till valid* birth* born dob deadline
	fällig* faellig* zahlbar* gültig* gueltig* geburt* geboren geb ablauf* frist* spätestens spaetestens
	échéance* echeance* avant expire* naissance né née jusqu valable
	vencimiento* vence nacimiento nacido nacida hasta válido valido
	scadenza* scade nascita nato nata entro fino valido*
	vervaldatum* uiterlijk geboortedatum* geboren tot
	vencimento* nascimento* até ate`)

// rangeWords before a date mark it as one end of a period.
var rangeWords = wordSet(`period* zeitraum* leistungszeitraum* abrechnungszeitraum* période* periode* periodo*
	between zwischen entre tra tussen`)

// weakWords before a date mark it as a date the text refers to.
var weakWords = wordSet(`from vom seit since of letter schreiben order bestellung auftrag ref du del dal van de`)

// deliveryWords label a date of the transaction rather than of the document.
var deliveryWords = wordSet(`delivery lieferdatum* leistungsdatum* lieferung* livraison* entrega* consegna* levering* shipped shipping`)

// labelWords label the document's own date.
var labelWords = wordSet(`date dated datum* rechnungsdatum* belegdatum* briefdatum* ausstellungsdatum* ausgestellt
	issued issue erstellt invoice* rechnung* fecha data emissione emisión emision emitido émis emis factuurdatum* factura* fattura*
	facture*`)

// placePrefix is a line up to a date that starts with a place name and a
// comma, with the little word some languages put before the date.
var placePrefix = regexp.MustCompile(`^\s*\p{Lu}[\p{L}.'’\- ]{1,40},\s*(?:(?:le|den|am|el|il|lì|li|a|em|op)\s+)?$`)

// rangeGap is what may stand between the two ends of a period.
var rangeGap = regexp.MustCompile(`(?i)^[\s\x{00A0}]*(?:-|–|—|bis|to|until|till|through|thru|au|al|a|à|tot|t/m|bis zum|jusqu'au|hasta el)[\s\x{00A0}]*(?:(?:the|le|el|zum)\s+)?$`)

// score weighs every candidate by where it is and what stands before it.
func score(text string, cands []candidate) {
	for i := range cands {
		c := &cands[i]
		switch {
		case c.start < topBytes:
			c.score += wTop
		case c.start < nearTop:
			c.score += wNearTop
		}
		lineStart, lineEnd := c.line, c.eol
		// What stands before the date on its line, since the previous date.
		from := max(lineStart, c.start-labelWindow)
		if i > 0 && cands[i-1].end > from {
			from = cands[i-1].end
		}
		words := wordsOf(text[from:c.start])
		if len(words) == 0 && lineStart > 0 && (i == 0 || cands[i-1].end < lineStart) {
			// A label on the line above ("Rechnungsdatum\n05.03.2024")
			// counts for the date; the line above may be the heads of
			// table columns, so it never discards.
			prevStart := strings.LastIndexByte(text[:lineStart-1], '\n') + 1
			if lineStart-1-prevStart <= labelWindow && hasAny(lastWords(wordsOf(text[prevStart:lineStart-1]), 3), labelWords) {
				c.score += wLabel
			}
		}
		switch {
		case hasAny(lastWords(words, 4), discardWords):
			c.discard = true
			continue
		case hasAny(words, rangeWords):
			c.score += wRange
		case hasAny(lastWords(words, 3), deliveryWords):
			c.score += wDelivery
		case hasAny(lastWords(words, 3), labelWords):
			c.score += wLabel
		case hasAny(lastWords(words, 1), weakWords):
			c.score += wWeak
		}
		if c.start-lineStart <= 60 && placePrefix.MatchString(text[lineStart:c.start]) {
			c.score += wPlace
		}
		if strings.TrimSpace(text[lineStart:c.start]) == "" && strings.TrimSpace(text[c.end:lineEnd]) == "" {
			c.score += wAlone
		}
	}
	// Both ends of a period ("01.03.2024 – 31.03.2024", "vom 1. bis 31. März")
	// lose.
	for i := 0; i+1 < len(cands); i++ {
		a, b := &cands[i], &cands[i+1]
		if b.start-a.end <= 16 && rangeGap.MatchString(text[a.end:b.start]) {
			a.score += wRange
			b.score += wRange
		}
	}
}

// wordSet parses a space-separated word list; "x*" is a prefix.
func wordSet(s string) []string { return strings.Fields(s) }

// wordsOf is the lower-cased words of s.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

func lastWords(words []string, n int) []string {
	if len(words) > n {
		return words[len(words)-n:]
	}
	return words
}

// hasAny reports whether a word is in set (whole, or by prefix for "x*").
func hasAny(words, set []string) bool {
	for _, w := range words {
		for _, s := range set {
			if p, ok := strings.CutSuffix(s, "*"); ok {
				if strings.HasPrefix(w, p) {
					return true
				}
			} else if w == s {
				return true
			}
		}
	}
	return false
}
