package local

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
)

// Serialised models start with modelMagic and a version byte; a decoder refuses other versions.
const (
	modelMagic   = "DVLOCAL"
	modelVersion = 2
	// MaxModelBytes bounds what UnmarshalBinary accepts.
	MaxModelBytes = 256 << 20
)

// wireModel is the serialised model (gob after the header). Version 2 added Cuts; a version 1 model
// decodes with none (every topic cut at Threshold).
type wireModel struct {
	Cuts      []float64
	Terms     []string
	IDF       []float32
	Topics    []string
	Weights   [][]float32
	Bias      []float32
	Threshold float64
	MaxText   int
	Report    Report
}

// MarshalBinary encodes the model, versioned, for storage.
func (m *Model) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(modelMagic)
	buf.WriteByte(modelVersion)
	w := wireModel{Terms: m.terms, IDF: m.idf, Topics: m.topics, Weights: m.weights, Bias: m.bias,
		Threshold: m.threshold, Cuts: m.cuts, MaxText: m.maxText, Report: m.report}
	if err := gob.NewEncoder(&buf).Encode(&w); err != nil {
		return nil, fmt.Errorf("local: encode model: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary decodes a model written by MarshalBinary. Malformed, oversized, inconsistent or
// unknown-version data returns an error wrapping ErrBadModel.
func (m *Model) UnmarshalBinary(data []byte) error {
	if len(data) > MaxModelBytes {
		return fmt.Errorf("%w: %d bytes exceeds %d", ErrBadModel, len(data), MaxModelBytes)
	}
	if len(data) < len(modelMagic)+1 || string(data[:len(modelMagic)]) != modelMagic {
		return fmt.Errorf("%w: missing header", ErrBadModel)
	}
	if v := data[len(modelMagic)]; v != modelVersion && v != 1 {
		return fmt.Errorf("%w: version %d, this build reads %d", ErrBadModel, v, modelVersion)
	}
	var w wireModel
	if err := gob.NewDecoder(bytes.NewReader(data[len(modelMagic)+1:])).Decode(&w); err != nil {
		return fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	if len(w.IDF) != len(w.Terms) || len(w.Weights) != len(w.Topics) || len(w.Bias) != len(w.Topics) {
		return fmt.Errorf("%w: inconsistent sizes", ErrBadModel)
	}
	for _, row := range w.Weights {
		if len(row) != len(w.Terms) {
			return fmt.Errorf("%w: weight row of %d for %d terms", ErrBadModel, len(row), len(w.Terms))
		}
	}
	if !(w.Threshold > 0 && w.Threshold < 1) || math.IsNaN(w.Threshold) || w.MaxText <= 0 {
		return fmt.Errorf("%w: bad threshold or text limit", ErrBadModel)
	}
	if len(w.Cuts) != 0 && len(w.Cuts) != len(w.Topics) {
		return fmt.Errorf("%w: %d cuts for %d topics", ErrBadModel, len(w.Cuts), len(w.Topics))
	}
	for _, c := range w.Cuts {
		if !(c > 0 && c < 1) {
			return fmt.Errorf("%w: bad cut", ErrBadModel)
		}
	}
	vocab := make(map[string]int32, len(w.Terms))
	for j, t := range w.Terms {
		if _, dup := vocab[t]; dup {
			return fmt.Errorf("%w: duplicate term %q", ErrBadModel, t)
		}
		vocab[t] = int32(j)
	}
	*m = Model{vocab: vocab, terms: w.Terms, idf: w.IDF, topics: w.Topics, weights: w.Weights, bias: w.Bias,
		threshold: w.Threshold, cuts: w.Cuts, maxText: w.MaxText, report: w.Report}
	return nil
}
