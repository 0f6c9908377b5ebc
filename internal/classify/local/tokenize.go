package local

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTokenRunes drops absurdly long "words" (base64 blobs, hashes) that would only bloat the vocabulary.
const maxTokenRunes = 40

// stopWords are frequent English function words that carry no topic.
var stopWords = func() map[string]struct{} {
	words := strings.Fields(`a about above after again against all also am an and any are as at be because
	been before being below between both but by can could did do does doing down during each few for from
	further had has have having he her here hers herself him himself his how i if in into is it its itself
	just me more most my myself no nor not of off on once only or other our ours ourselves out over own same
	she should so some such than that the their theirs them themselves then there these they this those
	through to too under until up very was we were what when where which while who whom why will with would
	you your yours yourself yourselves may might must shall us via etc e g ie eg`)
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}()

// tokens splits text into lowercase words made of unicode letters and digits, without stop words and
// without one-character words.
func tokens(text string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(text[start:end])
		start = -1
		n := utf8.RuneCountInString(w)
		if n < 2 || n > maxTokenRunes {
			return
		}
		if _, stop := stopWords[w]; stop {
			return
		}
		out = append(out, w)
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return out
}

// terms returns the words of text followed by its word bigrams ("w1 w2", over the words that remain
// after stop-word removal).
func terms(text string) []string {
	words := tokens(text)
	if len(words) == 0 {
		return nil
	}
	out := make([]string, 0, 2*len(words)-1)
	out = append(out, words...)
	for i := 0; i+1 < len(words); i++ {
		out = append(out, words[i]+" "+words[i+1])
	}
	return out
}
