package pipeline

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxWordRunes is the longest word kept whole in a document's text. Longer
// runs without white space (base64, hex dumps, a hostile file's megabytes of
// one letter) are cut to it: nobody searches for them, and one huge token
// costs the index and the classifier far more than its worth.
const MaxWordRunes = 200

// capText cuts every word longer than MaxWordRunes and keeps at most
// maxBytes of the result (never splitting a character). notes say what was
// cut, none when nothing was; truncated says the end of the text was.
func capText(text string, maxBytes int) (_ string, notes []string, truncated bool) {
	var (
		b        strings.Builder
		word     int  // runes of the current word
		cutWords int  // words cut to MaxWordRunes
		cutting  bool // in the dropped tail of a long word
		full     bool
	)
	b.Grow(min(len(text), maxBytes))
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		start := i
		i += n
		if unicode.IsSpace(r) {
			word, cutting = 0, false
		} else if word++; word > MaxWordRunes {
			if !cutting {
				cutting = true
				cutWords++
			}
			continue
		}
		if b.Len()+n > maxBytes {
			full = true
			break
		}
		b.WriteString(text[start:i])
	}
	if !full && cutWords == 0 {
		return text, nil, false
	}
	if cutWords > 0 {
		notes = append(notes, fmt.Sprintf("%d words longer than %d characters cut", cutWords, MaxWordRunes))
	}
	if full {
		notes = append(notes, fmt.Sprintf("text truncated to %d bytes", maxBytes))
	}
	return b.String(), notes, full
}
