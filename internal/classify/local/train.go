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
	// Threshold is the confidence a topic needs to be assigned (default 0.5).
	Threshold float64
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
	for _, id := range ids {
		tr := TopicReport{TopicID: id, Examples: counts[id], Trained: counts[id] >= c.MinExamples}
		if !tr.Trained {
			tr.Note = fmt.Sprintf("needs at least %d examples, has %d", c.MinExamples, counts[id])
		} else {
			m.topics = append(m.topics, id)
		}
		m.report.Topics = append(m.report.Topics, tr)
	}

	m.weights = make([][]float32, len(m.topics))
	m.bias = make([]float32, len(m.topics))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k, id := range m.topics {
		labels := make([]bool, len(examples))
		for i, ex := range examples {
			for _, t := range ex.TopicIDs {
				if t == id {
					labels[i] = true
				}
			}
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			m.weights[k], m.bias[k] = fitLogistic(xs, labels, len(m.terms), c, c.Seed+uint64(k))
		}()
	}
	wg.Wait()
	return m, nil
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
