package local

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Errors returned by Train and UnmarshalBinary.
var (
	// ErrNoExamples means Train was given no examples at all.
	ErrNoExamples = errors.New("local: no training examples")
	// ErrTooManyExamples means the training set is larger than Config.MaxExamples.
	ErrTooManyExamples = errors.New("local: too many training examples")
	// ErrBadModel means serialised model bytes are malformed, of an unknown version or inconsistent.
	ErrBadModel = errors.New("local: malformed model")
)

// Example is one labelled training document. TopicIDs may hold several topics or none (a document
// known to belong to no topic is a negative example for every topic).
type Example struct {
	Text     string
	TopicIDs []string
}

// Score is the model's confidence, in [0,1], that a document belongs to a topic.
type Score struct {
	TopicID    string
	Confidence float64
}

// TopicReport says how many examples a topic had and whether the model learned it.
type TopicReport struct {
	TopicID  string
	Examples int
	Trained  bool
	// Note explains an untrained topic, e.g. "needs at least 3 examples, has 1".
	Note string
}

// Report describes a trained model: per-topic example counts and what could not be learned.
type Report struct {
	Documents   int
	Features    int
	MinExamples int
	Topics      []TopicReport
}

// Untrained lists the topics that had too few examples to be learned.
func (r Report) Untrained() []TopicReport {
	var out []TopicReport
	for _, t := range r.Topics {
		if !t.Trained {
			out = append(out, t)
		}
	}
	return out
}

// Model is a trained per-user classifier. It is safe for concurrent use by several goroutines once
// trained or unmarshalled; SetThreshold must not race with classification.
type Model struct {
	vocab     map[string]int32
	terms     []string
	idf       []float32
	topics    []string
	weights   [][]float32 // [topic][feature]
	bias      []float32
	threshold float64
	// cuts are the per-topic thresholds calibrated by cross-validation (nil: threshold for all).
	cuts    []float64
	maxText int
	report  Report
}

// Topics returns the IDs of the topics the model learned.
func (m *Model) Topics() []string { return append([]string(nil), m.topics...) }

// Report returns the training report: per-topic example counts and untrained topics.
func (m *Model) Report() Report { return m.report }

// Threshold returns the default cut: the confidence a topic needs when it has no calibrated cut.
func (m *Model) Threshold() float64 { return m.threshold }

// Cut returns the confidence topic needs before Assign applies it: its calibrated cut, or Threshold.
func (m *Model) Cut(topic string) float64 {
	for k, id := range m.topics {
		if id == topic && k < len(m.cuts) {
			return m.cuts[k]
		}
	}
	return m.threshold
}

// SetThreshold makes t the cut of every topic, dropping calibrated cuts; it must lie in (0,1).
func (m *Model) SetThreshold(t float64) error {
	if !(t > 0 && t < 1) {
		return fmt.Errorf("local: threshold %v outside (0,1)", t)
	}
	m.threshold, m.cuts = t, nil
	return nil
}

// Scores returns the confidence of every learned topic for text, highest first. A text with no known
// term gets confidence 0 everywhere: there is no evidence for any topic.
func (m *Model) Scores(text string) []Score {
	out := m.score(text)
	sortScores(out)
	return out
}

// score returns the confidences in the order of m.topics.
func (m *Model) score(text string) []Score {
	if len(text) > m.maxText {
		text = text[:m.maxText]
	}
	x := m.vectorize(terms(text))
	out := make([]Score, len(m.topics))
	for k, id := range m.topics {
		out[k] = Score{TopicID: id}
		if len(x.idx) > 0 {
			out[k].Confidence = sigmoid(dot(m.weights[k], x) + float64(m.bias[k]))
		}
	}
	return out
}

func sortScores(s []Score) {
	sort.SliceStable(s, func(i, j int) bool { return s[i].Confidence > s[j].Confidence })
}

// Assign returns the topics whose confidence reaches their cut (see Cut), highest first.
func (m *Model) Assign(text string) []Score {
	applied, _ := m.Classify(text, 0, 0)
	return applied
}

// Classify returns the applied topics (confidence at least the topic's cut, highest first) and the
// candidates: at most maxCandidates topics (all when <= 0) with confidence at least floor, highest first.
func (m *Model) Classify(text string, floor float64, maxCandidates int) (applied, candidates []Score) {
	all := m.score(text)
	for k, s := range all {
		cut := m.threshold
		if k < len(m.cuts) {
			cut = m.cuts[k]
		}
		if s.Confidence >= cut {
			applied = append(applied, s)
		}
	}
	sortScores(applied)
	sortScores(all)
	for _, s := range all {
		if s.Confidence < floor || (maxCandidates > 0 && len(candidates) == maxCandidates) {
			break
		}
		candidates = append(candidates, s)
	}
	return applied, candidates
}

// sparse is an L2-normalised TF-IDF vector.
type sparse struct {
	idx []int32
	val []float32
}

func dot(w []float32, x sparse) float64 {
	var s float64
	for i, j := range x.idx {
		s += float64(w[j]) * float64(x.val[i])
	}
	return s
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// vectorize turns a document's terms into a sublinear-TF x IDF vector of unit length over the vocabulary.
func (m *Model) vectorize(ts []string) sparse {
	counts := make(map[int32]int, len(ts))
	for _, t := range ts {
		if j, ok := m.vocab[t]; ok {
			counts[j]++
		}
	}
	return weigh(counts, m.idf)
}

func weigh(counts map[int32]int, idf []float32) sparse {
	x := sparse{idx: make([]int32, 0, len(counts)), val: make([]float32, 0, len(counts))}
	for j := range counts {
		x.idx = append(x.idx, j)
	}
	sort.Slice(x.idx, func(a, b int) bool { return x.idx[a] < x.idx[b] })
	var norm float64
	for _, j := range x.idx {
		v := (1 + math.Log(float64(counts[j]))) * float64(idf[j])
		x.val = append(x.val, float32(v))
		norm += v * v
	}
	if norm > 0 {
		inv := 1 / math.Sqrt(norm)
		for i := range x.val {
			x.val[i] = float32(float64(x.val[i]) * inv)
		}
	}
	return x
}
