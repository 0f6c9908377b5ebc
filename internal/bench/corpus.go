package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Corpus generates the same synthetic documents for the same seed: words
// from a fixed vocabulary drawn with a Zipf distribution (short words are
// the frequent ones), 100-300 words in sentences, and an invoice number in
// every InvoiceEvery-th document.
type Corpus struct {
	seed  uint64
	words []string       // by rank: words[0] is the most frequent
	rank  map[string]int // word -> rank
}

// InvoiceEvery is how often a document carries an invoice number.
const InvoiceEvery = 7

// Doc is one generated document.
type Doc struct {
	Title string
	Body  string
}

var (
	onsets = []string{"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
		"br", "ch", "cl", "dr", "gr", "pl", "pr", "sh", "st", "tr"}
	nuclei = []string{"a", "e", "i", "o", "u", "ai", "ea", "ou", "io"}
	codas  = []string{"", "", "", "n", "r", "s", "t", "l", "nd", "rt", "st"}
)

// NewCorpus builds the vocabulary of size words (at least 100) for seed.
func NewCorpus(seed uint64, size int) *Corpus {
	size = max(size, 100)
	r := rand.New(rand.NewPCG(seed, 0x76_6f_63_61_62))
	seen := make(map[string]bool, size)
	words := make([]string, 0, size)
	for len(words) < size {
		var b strings.Builder
		n := 1 + r.IntN(3)
		if len(words) < size/20 {
			n = 1 // the most frequent words are short
		}
		for range n {
			b.WriteString(onsets[r.IntN(len(onsets))])
			b.WriteString(nuclei[r.IntN(len(nuclei))])
		}
		b.WriteString(codas[r.IntN(len(codas))])
		if w := b.String(); len(w) >= 2 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	slices.SortStableFunc(words, func(a, b string) int { return len(a) - len(b) })
	rank := make(map[string]int, len(words))
	for i, w := range words {
		rank[w] = i
	}
	return &Corpus{seed: seed, words: words, rank: rank}
}

// Size is the number of words in the vocabulary.
func (c *Corpus) Size() int { return len(c.words) }

// Word is the word of a frequency rank (0 is the most frequent); ranks wrap.
func (c *Corpus) Word(rank int) string { return c.words[rank%len(c.words)] }

// Rarest is the least frequent vocabulary word of document i.
func (c *Corpus) Rarest(i int) string {
	best := 0
	for _, w := range strings.Fields(strings.ToLower(c.Document(i).Body)) {
		if r, ok := c.rank[strings.Trim(w, ".,")]; ok && r > best {
			best = r
		}
	}
	return c.words[best]
}

// Invoice is the invoice number of document i ("" when it has none).
func (c *Corpus) Invoice(i int) string {
	if i%InvoiceEvery != 0 {
		return ""
	}
	return fmt.Sprintf("INV-%d-%06d", 2020+i%5, i)
}

// Document generates document i.
func (c *Corpus) Document(i int) Doc {
	r := rand.New(rand.NewPCG(c.seed, uint64(i)+1))
	z := rand.NewZipf(r, 1.07, 2, uint64(len(c.words)-1))
	word := func() string { return c.words[z.Uint64()] }

	var title []string
	for range 3 + r.IntN(4) {
		title = append(title, word())
	}
	title[0] = capital(title[0])

	var b strings.Builder
	total := 100 + r.IntN(201)
	for written := 0; written < total; {
		n := min(6+r.IntN(15), total-written)
		for k := range n {
			w := word()
			if k == 0 {
				w = capital(w)
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		written += n
		b.WriteString(". ")
		if r.IntN(8) == 0 {
			b.WriteString("\n\n")
		}
	}
	if inv := c.Invoice(i); inv != "" {
		fmt.Fprintf(&b, "\n\nInvoice %s, total due %d.%02d EUR.\n", inv, 10+r.IntN(5000), r.IntN(100))
	}
	return Doc{Title: strings.Join(title, " "), Body: strings.TrimSpace(b.String()) + "\n"}
}

// SHA256 is the hex digest documents store for their content.
func SHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func capital(w string) string {
	if w == "" {
		return w
	}
	return strings.ToUpper(w[:1]) + w[1:]
}
