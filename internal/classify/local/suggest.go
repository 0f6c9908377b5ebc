package local

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Doc is an unassigned document offered to Suggest.
type Doc struct {
	ID   string
	Text string
}

// Suggestion proposes a new topic for a group of documents that share distinctive terms.
type Suggestion struct {
	Name        string
	Reason      string
	Terms       []string
	DocumentIDs []string
}

// Suggest limits: documents considered, bytes read per document, top terms kept per document.
const (
	maxSuggestDocs   = 2000
	topTermsPerDoc   = 8
	defaultMaxTopics = 5
)

// Suggest groups documents by the distinctive (top TF-IDF) terms they share and proposes at most max
// topics (5 when max <= 0), biggest groups first. A term must be among the top terms of at least two
// documents (of the only document when just one is given). Documents past the first 2,000 are ignored.
func Suggest(docs []Doc, max int) []Suggestion {
	if max <= 0 {
		max = defaultMaxTopics
	}
	if len(docs) > maxSuggestDocs {
		docs = docs[:maxSuggestDocs]
	}
	n := len(docs)
	if n == 0 {
		return nil
	}
	tfs := make([]map[string]int, n)
	df := map[string]int{}
	for i, d := range docs {
		text := d.Text
		if len(text) > 64<<10 {
			text = text[:64<<10]
		}
		tfs[i] = map[string]int{}
		for _, t := range terms(text) {
			if !nameable(t) {
				continue
			}
			if tfs[i][t] == 0 {
				df[t]++
			}
			tfs[i][t]++
		}
	}

	// top terms of each document, and for each term the documents that rank it on top
	holders := map[string][]int{}
	weight := map[string]float64{}
	for i, tf := range tfs {
		type tw struct {
			t string
			w float64
		}
		var ws []tw
		for t, c := range tf {
			if n > 2 && df[t] == n { // in every document: not distinctive
				continue
			}
			if n > 1 && df[t] < 2 { // in one document only: groups nothing
				continue
			}
			w := (1 + math.Log(float64(c))) * (math.Log(float64(1+n)/float64(1+df[t])) + 1)
			if strings.Contains(t, " ") {
				w *= 1.3 // a shared phrase names a topic better than a shared word
			}
			ws = append(ws, tw{t, w})
		}
		sort.Slice(ws, func(a, b int) bool {
			if ws[a].w != ws[b].w {
				return ws[a].w > ws[b].w
			}
			return ws[a].t < ws[b].t
		})
		for _, x := range ws[:min(topTermsPerDoc, len(ws))] {
			holders[x.t] = append(holders[x.t], i)
			weight[x.t] += x.w
		}
	}
	need := 2
	if n == 1 {
		need = 1
	}
	var cands []string
	for t, hs := range holders {
		if len(hs) >= need {
			cands = append(cands, t)
		}
	}
	sort.Slice(cands, func(a, b int) bool {
		ha, hb := len(holders[cands[a]]), len(holders[cands[b]])
		if ha != hb {
			return ha > hb
		}
		if weight[cands[a]] != weight[cands[b]] {
			return weight[cands[a]] > weight[cands[b]]
		}
		return cands[a] < cands[b]
	})

	covered := map[int]bool{}
	var out []Suggestion
	for _, t := range cands {
		if len(out) == max {
			break
		}
		hs := holders[t]
		fresh := 0
		for _, i := range hs {
			if !covered[i] {
				fresh++
			}
		}
		if fresh*2 <= len(hs) { // mostly documents an earlier suggestion already took
			continue
		}
		s := Suggestion{Name: titleCase(t), Terms: []string{t}}
		for _, i := range hs {
			covered[i] = true
			s.DocumentIDs = append(s.DocumentIDs, docs[i].ID)
		}
		s.Terms = append(s.Terms, sharedTerms(t, hs, holders, 3)...)
		quoted := make([]string, len(s.Terms))
		for i, x := range s.Terms {
			quoted[i] = fmt.Sprintf("%q", x)
		}
		noun := "documents share"
		if len(hs) == 1 {
			noun = "document stands out by"
		}
		s.Reason = fmt.Sprintf("%d unassigned %s the distinctive terms %s", len(hs), noun, strings.Join(quoted, ", "))
		out = append(out, s)
	}
	return out
}

// sharedTerms lists other top terms held by at least half of the group, most widely held first.
func sharedTerms(name string, group []int, holders map[string][]int, limit int) []string {
	in := map[int]bool{}
	for _, i := range group {
		in[i] = true
	}
	type tc struct {
		t string
		c int
	}
	var tcs []tc
	for t, hs := range holders {
		if t == name || strings.Contains(name, t) {
			continue
		}
		c := 0
		for _, i := range hs {
			if in[i] {
				c++
			}
		}
		if c*2 >= len(group) && c >= 1 {
			tcs = append(tcs, tc{t, c})
		}
	}
	sort.Slice(tcs, func(a, b int) bool {
		if tcs[a].c != tcs[b].c {
			return tcs[a].c > tcs[b].c
		}
		return tcs[a].t < tcs[b].t
	})
	var out []string
	for _, x := range tcs[:min(limit, len(tcs))] {
		out = append(out, x.t)
	}
	return out
}

// nameable keeps terms that can name a topic: at least three letters and not only digits.
func nameable(t string) bool {
	letters := 0
	for _, r := range t {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 3
}

func titleCase(t string) string {
	words := strings.Fields(t)
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToTitle(r)) + w[size:]
	}
	return strings.Join(words, " ")
}
