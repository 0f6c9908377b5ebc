package classify

import (
	"context"

	"github.com/docuvault/docuvault/internal/classify/local"
)

// LocalModelName is what the local provider reports as its model.
const LocalModelName = "tfidf-logreg-v1"

// Local is the built-in provider: the user's local.Model, in process, no network.
type Local struct {
	model *local.Model
}

// NewLocal wraps a user's trained model; a nil model assigns nothing until one is trained, but
// Suggest works without one.
func NewLocal(m *local.Model) *Local { return &Local{model: m} }

// Classify assigns the request's topics that the model learned and scores at or above their calibrated
// cut, and ranks the best candidates (at most 5, confidence at least 0.05).
// Text is not cut to MaxOutboundChars (it never leaves the process); the model reads its own limit.
func (l *Local) Classify(ctx context.Context, req Request) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	if l.model == nil {
		return Result{}, nil
	}
	want := make(map[string]bool, len(req.Topics))
	for _, t := range req.Topics {
		want[t.ID] = true
	}
	text := req.Text
	if req.Title != "" {
		text = req.Title + "\n" + text
	}
	applied, cands := l.model.Classify(text, candidateFloor, maxCandidates)
	res := Result{Candidates: []Assignment{}}
	for _, s := range applied {
		if want[s.TopicID] {
			res.Assignments = append(res.Assignments, Assignment{TopicID: s.TopicID, Confidence: clamp01(s.Confidence)})
		}
	}
	for _, s := range cands {
		if want[s.TopicID] {
			res.Candidates = append(res.Candidates, Assignment{TopicID: s.TopicID, Confidence: clamp01(s.Confidence)})
		}
	}
	return res, nil
}

// Suggest groups the documents by shared distinctive terms (see local.Suggest).
func (l *Local) Suggest(ctx context.Context, docs []Doc) ([]Suggestion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := make([]local.Doc, len(docs))
	for i, d := range docs {
		in[i] = local.Doc{ID: d.ID, Text: d.Title + "\n" + d.Text}
	}
	var out []Suggestion
	for _, s := range local.Suggest(in, maxSuggestions) {
		out = append(out, Suggestion{Name: s.Name, Reason: s.Reason, DocumentIDs: s.DocumentIDs})
	}
	return out, nil
}

// Health always succeeds: nothing outside the process is involved.
func (l *Local) Health(ctx context.Context) error { return ctx.Err() }

// Name returns "local".
func (l *Local) Name() string { return "local" }

// Model returns LocalModelName.
func (l *Local) Model() string { return LocalModelName }
