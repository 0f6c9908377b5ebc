package local

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
)

// Config tunes training. The zero value of a field means its default.
type Config struct {
	// MinExamples is how many labelled documents a topic needs before it is learned (default 3).
	MinExamples int
	// Threshold is the confidence a topic needs to be assigned when it has no calibrated cut (default 0.5).
	Threshold float64
	// Folds of the cross-validation on the training set that calibrates each topic's cut (default 3;
	// negative: no calibration, every topic is cut at Threshold).
	Folds int
	// MinDF drops terms seen in fewer documents (default 2; 1 when there are fewer than 500 examples).
	MinDF int
	// MaxFeatures caps the vocabulary, keeping the most frequent terms (default 200,000).
	MaxFeatures int
	// MaxTextBytes is how much of each document is read (default 64 KiB).
	MaxTextBytes int
	// MaxExamples refuses larger training sets (default 200,000).
	MaxExamples int
	// Epochs of stochastic gradient descent (default 20).
	Epochs int
	// L2 is the regularisation strength (default 1e-7; stronger values underfit short texts).
	L2 float64
	// Seed makes training deterministic (default 1).
	Seed uint64
}

func (c Config) withDefaults(n int) Config {
	if c.MinExamples <= 0 {
		c.MinExamples = 3
	}
	if c.Threshold <= 0 || c.Threshold >= 1 {
		c.Threshold = 0.5
	}
	if c.Folds == 0 {
		c.Folds = 3
	}
	if c.MinDF <= 0 {
		c.MinDF = 2
		if n < 500 {
			c.MinDF = 1
		}
	}
	if c.MaxFeatures <= 0 {
		c.MaxFeatures = 200_000
	}
	if c.MaxTextBytes <= 0 {
		c.MaxTextBytes = 64 << 10
	}
	if c.MaxExamples <= 0 {
		c.MaxExamples = 200_000
	}
	if c.Epochs <= 0 {
		c.Epochs = 20
	}
	if c.L2 <= 0 {
		c.L2 = 1e-7
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// Train learns a model from examples with the default Config.
func Train(examples []Example) (*Model, error) { return Config{}.Train(examples) }

// Train learns one logistic regression per topic that has at least MinExamples examples. Topics with
// fewer are listed in the model's Report as untrained. It returns ErrNoExamples for an empty set and
// ErrTooManyExamples past MaxExamples.
func (c Config) Train(examples []Example) (*Model, error) {
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	c = c.withDefaults(len(examples))
	if len(examples) > c.MaxExamples {
		return nil, fmt.Errorf("%w: %d > %d", ErrTooManyExamples, len(examples), c.MaxExamples)
	}

	docs := make([][]string, len(examples))
	df := make(map[string]int)
	for i, ex := range examples {
		text := ex.Text
		if len(text) > c.MaxTextBytes {
			text = text[:c.MaxTextBytes]
		}
		docs[i] = terms(text)
		seen := make(map[string]struct{}, len(docs[i]))
		for _, t := range docs[i] {
			if _, ok := seen[t]; !ok {
				seen[t] = struct{}{}
				df[t]++
			}
		}
	}

	m := &Model{threshold: c.Threshold, maxText: c.MaxTextBytes}
	m.buildVocab(df, len(examples), c)

	xs := make([]sparse, len(docs))
	for i, d := range docs {
		xs[i] = m.vectorize(d)
		docs[i] = nil
	}

	counts := map[string]int{}
	for _, ex := range examples {
		for _, id := range uniq(ex.TopicIDs) {
			counts[id]++
		}
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	m.report = Report{Documents: len(examples), Features: len(m.terms), MinExamples: c.MinExamples}
	// A topic is learned from at least MinExamples documents under it and as many outside it: with
	// examples of one topic only, nothing tells it apart and it would land on every document.
	for _, id := range ids {
		neg := len(examples) - counts[id]
		tr := TopicReport{TopicID: id, Examples: counts[id], Trained: counts[id] >= c.MinExamples && neg >= c.MinExamples}
		switch {
		case counts[id] < c.MinExamples:
			tr.Note = fmt.Sprintf("needs at least %d examples, has %d", c.MinExamples, counts[id])
		case !tr.Trained:
			tr.Note = fmt.Sprintf("needs at least %d documents outside it (under other topics), has %d", c.MinExamples, neg)
		default:
			m.topics = append(m.topics, id)
		}
		m.report.Topics = append(m.report.Topics, tr)
	}

	labels := make([][]bool, len(m.topics))
	for k, id := range m.topics {
		labels[k] = make([]bool, len(examples))
		for i, ex := range examples {
			for _, t := range ex.TopicIDs {
				if t == id {
					labels[k][i] = true
				}
			}
		}
	}
	all := make([]int, len(xs))
	for i := range all {
		all[i] = i
	}
	m.weights, m.bias = fitTopics(xs, all, labels, len(m.terms), c)
	if c.Folds > 1 && len(m.topics) > 0 && len(examples) >= 2*c.Folds {
		m.cuts = calibrate(xs, labels, len(m.terms), c)
	}
	return m, nil
}

// fitTopics fits one logistic regression per topic on the examples at rows, topics in parallel.
func fitTopics(xs []sparse, rows []int, labels [][]bool, dim int, c Config) ([][]float32, []float32) {
	weights := make([][]float32, len(labels))
	bias := make([]float32, len(labels))
	sub := make([]sparse, len(rows))
	for n, i := range rows {
		sub[n] = xs[i]
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k := range labels {
		y := make([]bool, len(rows))
		for n, i := range rows {
			y[n] = labels[k][i]
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			weights[k], bias[k] = fitLogistic(sub, y, dim, c, c.Seed+uint64(k))
		}()
	}
	wg.Wait()
	return weights, bias
}

// Cut calibration bounds: a cut never goes below minCut (a topic the model barely believes in is
// not applied) nor above maxCut.
const (
	minCut = 0.15
	maxCut = 0.9
)

// calibrate cross-validates on the training set: each fold is scored by models fitted on the other
// folds, and each topic gets the cut that maximises its F1 on these out-of-fold scores.
func calibrate(xs []sparse, labels [][]bool, dim int, c Config) []float64 {
	scores := make([][]float64, len(labels))
	for k := range scores {
		scores[k] = make([]float64, len(xs))
	}
	for f := range c.Folds {
		var train, held []int
		for i := range xs {
			if i%c.Folds == f {
				held = append(held, i)
			} else {
				train = append(train, i)
			}
		}
		w, b := fitTopics(xs, train, labels, dim, c)
		for k := range labels {
			for _, i := range held {
				if len(xs[i].idx) > 0 {
					scores[k][i] = sigmoid(dot(w[k], xs[i]) + float64(b[k]))
				}
			}
		}
	}
	cuts := make([]float64, len(labels))
	for k := range labels {
		cuts[k] = bestCut(scores[k], labels[k], c.Threshold)
	}
	return cuts
}

// bestCut returns the cut in [minCut, maxCut] with the best F1 for these scores (fallback when no
// positive scores above minCut): halfway between the lowest applied score and the next one below.
func bestCut(scores []float64, labels []bool, fallback float64) float64 {
	order := make([]int, len(scores))
	pos := 0
	for i := range order {
		order[i] = i
		if labels[i] {
			pos++
		}
	}
	sort.Slice(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	best, cut, tp := 0.0, fallback, 0
	for n, i := range order {
		if scores[i] < minCut {
			break
		}
		if labels[i] {
			tp++
		}
		if n+1 < len(order) && scores[order[n+1]] == scores[i] {
			continue // a cut cannot split equal scores
		}
		f1 := 2 * float64(tp) / float64(n+1+pos)
		if f1 > best {
			next := 0.0
			if n+1 < len(order) {
				next = scores[order[n+1]]
			}
			best, cut = f1, (scores[i]+next)/2
		}
	}
	return math.Min(maxCut, math.Max(minCut, cut))
}

func (m *Model) buildVocab(df map[string]int, n int, c Config) {
	kept := make([]string, 0, len(df))
	for t, f := range df {
		if f >= c.MinDF {
			kept = append(kept, t)
		}
	}
	sort.Slice(kept, func(a, b int) bool {
		if df[kept[a]] != df[kept[b]] {
			return df[kept[a]] > df[kept[b]]
		}
		return kept[a] < kept[b]
	})
	if len(kept) > c.MaxFeatures {
		kept = kept[:c.MaxFeatures]
	}
	sort.Strings(kept)
	m.terms = kept
	m.vocab = make(map[string]int32, len(kept))
	m.idf = make([]float32, len(kept))
	for j, t := range kept {
		m.vocab[t] = int32(j)
		m.idf[j] = float32(math.Log(float64(1+n)/float64(1+df[t])) + 1)
	}
}

// fitLogistic trains a binary L2-regularised logistic regression by stochastic gradient descent with a
// decaying learning rate; the weight vector is kept as scale*v so the L2 shrink costs O(1) per step.
func fitLogistic(xs []sparse, labels []bool, dim int, c Config, seed uint64) ([]float32, float32) {
	v := make([]float64, dim)
	scale, bias := 1.0, 0.0
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	const eta0 = 0.5
	t := 0.0
	for epoch := 0; epoch < c.Epochs; epoch++ {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			x := xs[i]
			eta := eta0 / (1 + eta0*c.L2*t*1e2)
			t++
			var z float64
			for n, j := range x.idx {
				z += v[j] * float64(x.val[n])
			}
			z = z*scale + bias
			y := 0.0
			if labels[i] {
				y = 1
			}
			g := sigmoid(z) - y
			scale *= 1 - eta*c.L2
			if g != 0 {
				step := eta * g / scale
				for n, j := range x.idx {
					v[j] -= step * float64(x.val[n])
				}
				bias -= eta * g * 0.1
			}
			if scale < 1e-6 {
				for j := range v {
					v[j] *= scale
				}
				scale = 1
			}
		}
	}
	w := make([]float32, dim)
	for j := range v {
		w[j] = float32(v[j] * scale)
	}
	return w, float32(bias)
}

func uniq(ids []string) []string {
	out := ids[:0:0]
	seen := map[string]struct{}{}
	for _, id := range ids {
		if _, ok := seen[id]; ok || id == "" {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}
