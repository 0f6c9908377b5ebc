package extract

import (
	"strings"
	"unicode"
)

// stopWords are frequent function words of the languages we offer OCR for.
// A word shared by several languages counts for each of them with weight
// 1/n, so distinctive words decide.
var stopWords = map[string]string{
	"en": "the and of to in is that for it with as was on are be by this have from or an at not which but " +
		"they you his her their were has been will would can there what all if we when more these into than its our should about",
	"de": "der die und das ist nicht ein eine zu den von mit sich des auf für im dem auch es an werden aus er hat dass " +
		"sie nach wird bei einer um noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man " +
		"sind wenn können kann diese ich wir ihr sein",
	"fr": "le la les de des et est un une du en que qui dans pour pas au sur ne se plus par avec ce il elle sont ou " +
		"mais nous vous leur aux cette été être fait comme son sa ses tout très aussi peut même on je si",
	"es": "el la los las de del y que en un una es por con para no se su sus al lo como más pero este esta también " +
		"son fue ha muy hay entre cuando sobre ser sin todo ya puede porque está desde nos le me mi yo",
	"it": "il lo la i gli le di del della dei delle e è che un una per non con si sono da al alla nel nella come anche " +
		"più ma questo questa essere ha hanno sul sulla tra fra perché se molto ci io noi loro suo sua degli",
	"nl": "de het een en van is dat die in te niet op voor met zijn er aan om ook als bij door maar naar dan wordt nog " +
		"uit kan worden hij wij ze zij ik je was heeft hebben over dit deze meer geen of tot al wel zo",
	"pt": "o a os as de do da dos das e é que em no na nos nas um uma para com não por se ao mais mas como foi ser são " +
		"seu sua pelo pela também está muito já quando há isso este esta ou entre até pode você eu ele ela",
}

// Detection thresholds: enough words, enough of them stop words, and a
// clear lead over the runner-up.
const (
	langMinWords = 12
	langMaxWords = 20000
	langMinShare = 0.12 // weighted stop-word hits per word of the winner
	langMinLead  = 1.3  // winner score over runner-up score
)

// detectLanguage guesses the ISO 639-1 code of text ("en", "de", "fr", "es",
// "it", "nl", "pt") from stop-word frequencies. It returns "" when the text
// is too short or no language clearly wins.
func detectLanguage(text string) string {
	weights := langWeights()
	scores := map[string]float64{}
	words := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if words >= langMaxWords {
			break
		}
		words++
		for lang, wt := range weights[strings.ToLower(w)] {
			scores[lang] += wt
		}
	}
	if words < langMinWords {
		return ""
	}
	best, second := "", 0.0
	for lang, s := range scores {
		switch {
		case best == "" || s > scores[best] || s == scores[best] && lang < best:
			if best != "" {
				second = max(second, scores[best])
			}
			best = lang
		default:
			second = max(second, s)
		}
	}
	if best == "" || scores[best]/float64(words) < langMinShare || scores[best] < langMinLead*second {
		return ""
	}
	return best
}

// langWeights builds word -> language -> weight from stopWords.
func langWeights() map[string]map[string]float64 {
	langs := map[string][]string{}
	for lang, list := range stopWords {
		for _, w := range strings.Fields(list) {
			langs[w] = append(langs[w], lang)
		}
	}
	out := make(map[string]map[string]float64, len(langs))
	for w, ls := range langs {
		m := make(map[string]float64, len(ls))
		for _, l := range ls {
			m[l] = 1 / float64(len(ls))
		}
		out[w] = m
	}
	return out
}
