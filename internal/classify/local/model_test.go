package local

import (
	"bytes"
	"encoding/gob"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Héllo, WORLD! the naïve x 42abc", []string{"héllo", "world", "naïve", "42abc"}},
		{"東京 タワー and 2024", []string{"東京", "タワー", "2024"}},
		{"   ", nil},
		{"it is of the", nil},
		{"e-mail: user@example.org", []string{"mail", "user", "example", "org"}},
		{strings.Repeat("a", maxTokenRunes+1) + " ok", []string{"ok"}},
	}
	for _, tt := range tests {
		if got := tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := terms("Tax return for the year"), []string{"tax", "return", "year", "tax return", "return year"}; !reflect.DeepEqual(got, want) {
		t.Errorf("terms = %q, want %q", got, want)
	}
}

// synthetic builds documents from topic vocabularies with a fixed seed; a document may mix topics.
var topicWords = map[string][]string{
	"invoices": {"invoice", "payment", "amount", "due", "vat", "total", "customer", "number", "bank", "transfer"},
	"health":   {"doctor", "patient", "diagnosis", "blood", "pressure", "prescription", "clinic", "treatment", "dose", "symptoms"},
	"travel":   {"flight", "hotel", "booking", "passport", "departure", "arrival", "airport", "reservation", "luggage", "gate"},
}

var fillerWords = []string{"please", "find", "attached", "document", "regards", "thanks", "information", "note", "date", "reference"}

func synthDoc(rng *rand.Rand, topics ...string) string {
	var words []string
	for _, tp := range topics {
		for range 12 {
			words = append(words, topicWords[tp][rng.IntN(len(topicWords[tp]))])
		}
	}
	for range 10 {
		words = append(words, fillerWords[rng.IntN(len(fillerWords))])
	}
	rng.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
	return strings.Join(words, " ")
}

func synthExamples(n int, seed uint64) []Example {
	rng := rand.New(rand.NewPCG(seed, 2))
	names := []string{"invoices", "health", "travel"}
	var out []Example
	for i := range n {
		tp := names[i%3]
		out = append(out, Example{Text: synthDoc(rng, tp), TopicIDs: []string{tp}})
	}
	// users also label documents with several topics
	for i := range 12 {
		a, b := names[i%3], names[(i+1)%3]
		out = append(out, Example{Text: synthDoc(rng, a, b), TopicIDs: []string{a, b}})
	}
	// a topic with a single example cannot be learned
	out = append(out, Example{Text: "garden roses tulips compost", TopicIDs: []string{"garden"}})
	// documents without topics are negatives for all of them
	for range 5 {
		out = append(out, Example{Text: strings.Join(fillerWords, " ")})
	}
	return out
}

func TestTrainMultiLabelAndReport(t *testing.T) {
	m, err := Train(synthExamples(90, 1))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(99, 3))
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"single", synthDoc(rng, "health"), []string{"health"}},
		{"two topics", synthDoc(rng, "invoices", "travel"), []string{"invoices", "travel"}},
		{"none", "weather sunny tomorrow mountains", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range m.Assign(tt.text) {
				if s.Confidence < m.Threshold() || s.Confidence > 1 {
					t.Errorf("confidence %v outside [threshold,1]", s.Confidence)
				}
				got = append(got, s.TopicID)
			}
			slices.Sort(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Assign = %v (scores %v), want %v", got, m.Scores(tt.text), tt.want)
			}
		})
	}

	r := m.Report()
	if r.Documents != 108 || r.MinExamples != 3 {
		t.Errorf("report = %+v", r)
	}
	un := r.Untrained()
	if len(un) != 1 || un[0].TopicID != "garden" || un[0].Examples != 1 || un[0].Note != "needs at least 3 examples, has 1" {
		t.Errorf("untrained = %+v", un)
	}
	if got := m.Topics(); !reflect.DeepEqual(got, []string{"health", "invoices", "travel"}) {
		t.Errorf("Topics = %v", got)
	}
}

func TestThreshold(t *testing.T) {
	m, err := Config{Threshold: 0.5, Folds: -1}.Train(synthExamples(60, 2))
	if err != nil {
		t.Fatal(err)
	}
	text := synthDoc(rand.New(rand.NewPCG(5, 5)), "travel")
	if len(m.Assign(text)) != 1 {
		t.Fatalf("want one assignment at 0.5, got %v", m.Scores(text))
	}
	top := m.Scores(text)[0].Confidence
	if err := m.SetThreshold(min(0.999999, top+1e-6)); err != nil {
		t.Fatal(err)
	}
	if got := m.Assign(text); len(got) != 0 {
		t.Errorf("above top confidence: got %v", got)
	}
	for _, bad := range []float64{0, 1, -0.5, 2} {
		if err := m.SetThreshold(bad); err == nil {
			t.Errorf("SetThreshold(%v) accepted", bad)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil); !errors.Is(err, ErrNoExamples) {
		t.Errorf("empty: %v", err)
	}
	if _, err := (Config{MaxExamples: 2}).Train(synthExamples(3, 1)); !errors.Is(err, ErrTooManyExamples) {
		t.Errorf("too many: %v", err)
	}
	// only untrainable topics: a model that assigns nothing, and says why
	m, err := Train([]Example{{Text: "one lonely document", TopicIDs: []string{"a"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Topics()) != 0 || len(m.Assign("one lonely document")) != 0 || len(m.Report().Untrained()) != 1 {
		t.Errorf("model = %+v", m.Report())
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	m, err := Config{Threshold: 0.4}.Train(synthExamples(60, 3))
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := back.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 5 {
		text := synthDoc(rng, "invoices", "health")
		if a, b := m.Scores(text), back.Scores(text); !reflect.DeepEqual(a, b) {
			t.Errorf("scores differ after round trip: %v vs %v", a, b)
		}
	}
	if back.Threshold() != 0.4 || !reflect.DeepEqual(back.Report(), m.Report()) {
		t.Errorf("threshold %v report %+v", back.Threshold(), back.Report())
	}
}

func TestUnmarshalBad(t *testing.T) {
	m, err := Train(synthExamples(30, 4))
	if err != nil {
		t.Fatal(err)
	}
	good, _ := m.MarshalBinary()
	wrongVersion := bytes.Clone(good)
	wrongVersion[len(modelMagic)] = 9
	inconsistent := func() []byte {
		var buf bytes.Buffer
		buf.WriteString(modelMagic)
		buf.WriteByte(modelVersion)
		w := wireModel{Terms: []string{"a", "b"}, IDF: []float32{1}, Threshold: 0.5, MaxText: 10}
		if err := gob.NewEncoder(&buf).Encode(&w); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	tests := map[string][]byte{
		"empty":         nil,
		"no header":     []byte("hello world"),
		"wrong version": wrongVersion,
		"truncated":     good[:len(good)/2],
		"garbage":       append([]byte(modelMagic+"\x01"), bytes.Repeat([]byte{0xff}, 64)...),
		"inconsistent":  inconsistent,
		"oversized":     make([]byte, MaxModelBytes+1),
	}
	for name, data := range tests {
		var back Model
		if err := back.UnmarshalBinary(data); !errors.Is(err, ErrBadModel) {
			t.Errorf("%s: err = %v, want ErrBadModel", name, err)
		}
	}
}

func TestSuggest(t *testing.T) {
	docs := []Doc{
		{"d1", "Tax return 2023: income tax statement from the tax office, refund expected."},
		{"d2", "Your tax return was received. Income tax assessment and tax refund details."},
		{"d3", "Tax return checklist: income tax forms, deductions, tax office address."},
		{"d4", "Dentist appointment reminder: dental cleaning on Monday, dentist Dr. Weber."},
		{"d5", "Invoice from the dentist for the dental cleaning and x-ray."},
		{"d6", "Bicycle repair shop opening hours."},
	}
	got := Suggest(docs, 0)
	if len(got) < 2 {
		t.Fatalf("want at least two suggestions, got %+v", got)
	}
	byName := map[string]Suggestion{}
	for _, s := range got {
		byName[s.Name] = s
		if s.Reason == "" || len(s.DocumentIDs) == 0 {
			t.Errorf("suggestion without reason or documents: %+v", s)
		}
	}
	tax, ok := byName["Tax"]
	if !ok {
		tax, ok = byName["Income Tax"]
	}
	if !ok || !reflect.DeepEqual(tax.DocumentIDs, []string{"d1", "d2", "d3"}) {
		t.Errorf("tax group missing or wrong: %+v", got)
	}
	found := false
	for _, s := range got {
		if reflect.DeepEqual(s.DocumentIDs, []string{"d4", "d5"}) && strings.Contains(strings.ToLower(s.Name), "dent") {
			found = true
			if !strings.Contains(s.Reason, "2 unassigned documents share") {
				t.Errorf("reason = %q", s.Reason)
			}
		}
	}
	if !found {
		t.Errorf("no dentist group: %+v", got)
	}
	if s := Suggest(docs, 1); len(s) != 1 {
		t.Errorf("max 1: got %d", len(s))
	}
	if s := Suggest(nil, 3); s != nil {
		t.Errorf("no documents: %v", s)
	}
}

// With examples of only one topic nothing tells that topic apart: it is reported as not learned and
// applied to nothing (before, it landed on every document).
func TestSingleTopicModelAppliesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	var ex []Example
	for range 20 {
		ex = append(ex, Example{Text: synthDoc(rng, "invoices"), TopicIDs: []string{"invoices"}})
	}
	m, err := Train(ex)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Topics()) != 0 {
		t.Fatalf("learned %v from one topic", m.Topics())
	}
	un := m.Report().Untrained()
	if len(un) != 1 || un[0].Examples != 20 || !strings.Contains(un[0].Note, "outside it") {
		t.Errorf("report = %+v", m.Report())
	}
	for _, text := range []string{synthDoc(rng, "invoices"), synthDoc(rng, "health")} {
		if got := m.Assign(text); len(got) != 0 {
			t.Errorf("Assign(%q) = %v", text, got)
		}
	}
}

// The calibrated rule: a topic whose scores run low (few examples among many) gets a cut below 0.5 from
// cross-validation, so its documents get it where one fixed cut of 0.5 left them with no topic.
func TestCalibratedCuts(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	var ex []Example
	for i := range 150 {
		tp := []string{"invoices", "health"}[i%2]
		ex = append(ex, Example{Text: synthDoc(rng, tp), TopicIDs: []string{tp}})
	}
	// travel: few examples, and they share much vocabulary with the others
	for range 6 {
		text := synthDoc(rng, "travel") + " " + synthDoc(rng, "invoices") + " " + synthDoc(rng, "health")
		ex = append(ex, Example{Text: text, TopicIDs: []string{"travel"}})
	}
	cal, err := Train(ex)
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := Config{Folds: -1}.Train(ex)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range cal.Topics() {
		if c := cal.Cut(id); c < minCut || c > maxCut {
			t.Errorf("cut of %s = %v outside [%v,%v]", id, c, minCut, maxCut)
		}
		if fixed.Cut(id) != 0.5 {
			t.Errorf("uncalibrated cut of %s = %v", id, fixed.Cut(id))
		}
	}
	// held-out documents: count how many get their own topic applied under each rule
	hits := func(m *Model) (n int) {
		r := rand.New(rand.NewPCG(22, 22))
		for range 30 {
			text := synthDoc(r, "travel") + " " + synthDoc(r, "invoices") + " " + synthDoc(r, "health")
			for _, s := range m.Assign(text) {
				if s.TopicID == "travel" {
					n++
				}
			}
		}
		return n
	}
	hc, hf := hits(cal), hits(fixed)
	t.Logf("travel cut calibrated %.3f: %d/30 applied; fixed 0.5: %d/30", cal.Cut("travel"), hc, hf)
	if hc <= hf || hc < 10 {
		t.Errorf("calibrated rule applies travel to %d/30 documents, fixed cut %d/30", hc, hf)
	}
	// the cuts survive a round trip
	data, _ := cal.MarshalBinary()
	var back Model
	if err := back.UnmarshalBinary(data); err != nil || back.Cut("travel") != cal.Cut("travel") {
		t.Errorf("round trip: %v cut %v", err, back.Cut("travel"))
	}
}
