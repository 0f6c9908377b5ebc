package classify

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/classify/local"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// The local model also learns, per space, which correspondent and which document type a document
// has: one more one-vs-rest model for each, trained like the topics' (TF-IDF, a logistic regression
// per class, a per-class cut calibrated by cross-validation, at least 3 examples of a class and 3
// outside it) on the documents whose correspondent (type) a person set. A document gets the best
// class that reaches its cut, and only when nobody set that value (source "user"); what it writes
// has source "auto" and is replaced, or cleared, when the document is classified again.

// labelKinds are the kinds learned, in the order of labelModels.
var labelKinds = [...]struct {
	kind     model.LabelKind
	proposal string
}{{model.Correspondents, model.ProposalCorrespondent}, {model.DocumentTypes, model.ProposalDocumentType}}

// labelModels are a space's decoded correspondent and type models (nil: nothing learned).
type labelModels [len(labelKinds)]*local.Model

// labelData returns the stored bytes of kind i's model.
func labelData(m *model.ClassifierModel, i int) *[]byte {
	if labelKinds[i].kind == model.DocumentTypes {
		return &m.DocumentTypeModel
	}
	return &m.CorrespondentModel
}

// trainLabels fits the space's correspondent and type models into stored. A kind with no class
// learned (fewer than 3 examples of any, or nothing outside it) stores no model.
func (s *Service) trainLabels(ctx context.Context, spaceID string, stored *model.ClassifierModel) error {
	for i, lk := range labelKinds {
		ex, err := s.store.LabelExamples(ctx, lk.kind, spaceID, 64<<10)
		if err != nil {
			return err
		}
		if len(ex) == 0 {
			continue
		}
		in := make([]local.Example, len(ex))
		for j, e := range ex {
			in[j] = local.Example{Text: e.Text, TopicIDs: e.TopicIDs}
		}
		m, err := local.Train(in)
		if err != nil {
			return fmt.Errorf("train %s classifier: %w", lk.proposal, err)
		}
		if len(m.Topics()) == 0 {
			continue
		}
		if *labelData(stored, i), err = m.MarshalBinary(); err != nil {
			return err
		}
	}
	return nil
}

// decodeLabels decodes the stored correspondent and type models.
func decodeLabels(stored *model.ClassifierModel) (labelModels, error) {
	var out labelModels
	for i := range labelKinds {
		data := *labelData(stored, i)
		if len(data) == 0 {
			continue
		}
		var m local.Model
		if err := m.UnmarshalBinary(data); err != nil {
			return labelModels{}, err
		}
		out[i] = &m
	}
	return out, nil
}

// proposeLabels asks the space's correspondent and type models about the document, applies a
// confident answer where nobody set the value, and clears an answer of the classifier's that is no
// longer confident. It returns the proposals: the best class that reached its cut, else the best
// candidate (not applied).
func (s *Service) proposeLabels(ctx context.Context, d *model.Document, models labelModels, text func() (string, error)) ([]model.LabelProposal, error) {
	var out []model.LabelProposal
	for i, lk := range labelKinds {
		m := models[i]
		if m == nil {
			continue
		}
		body, err := text()
		if err != nil {
			return nil, err
		}
		applied, cands := m.Classify(d.Title+"\n"+body, candidateFloor, 1)
		source, current := d.CorrespondentSource, d.CorrespondentID
		if lk.kind == model.DocumentTypes {
			source, current = d.DocumentTypeSource, d.DocumentTypeID
		}
		switch {
		case len(applied) > 0:
			p := model.LabelProposal{Kind: lk.proposal, ID: applied[0].TopicID, Confidence: clamp01(applied[0].Confidence)}
			switch {
			case source == model.LabelAuto && current == p.ID:
				p.Applied = true // already there: nothing to write
			case source != model.LabelUser:
				if p.Applied, err = s.store.SetAutoLabel(ctx, lk.kind, d.ID, p.ID); err != nil {
					return nil, err
				}
			}
			out = append(out, p)
		default:
			if source == model.LabelAuto {
				if _, err := s.store.SetAutoLabel(ctx, lk.kind, d.ID, ""); err != nil {
					return nil, err
				}
			}
			if len(cands) > 0 {
				out = append(out, model.LabelProposal{Kind: lk.proposal, ID: cands[0].TopicID, Confidence: clamp01(cands[0].Confidence)})
			}
		}
	}
	return out, nil
}

// dateProposal is the date found in the document's content while processing, when it is the
// document's date (nobody set another).
func dateProposal(d *model.Document) []model.LabelProposal {
	if d.DocumentDateSource != store.DateFound || d.DocumentDate == "" {
		return nil
	}
	return []model.LabelProposal{{Kind: model.ProposalDocumentDate, Value: d.DocumentDate, Confidence: 1, Applied: true}}
}

// labelStates says, for each of the space's correspondents (or types), how many documents a person
// gave it at the last training and whether the model learned it (m nil: nothing was learned).
func (s *Service) labelStates(ctx context.Context, spaceID string, k model.LabelKind, m *local.Model) ([]TopicState, error) {
	ls, err := s.store.ListLabels(ctx, k, []string{spaceID})
	if err != nil {
		return nil, err
	}
	reports := map[string]local.TopicReport{}
	if m != nil {
		for _, r := range m.Report().Topics {
			reports[r.TopicID] = r
		}
	}
	out := make([]TopicState, len(ls))
	for i, l := range ls {
		r := reports[l.ID]
		out[i] = TopicState{ID: l.ID, Name: l.Name, Examples: r.Examples, Learned: r.Trained, Note: r.Note}
		if r.TopicID == "" {
			out[i].Note = "no document a person gave it at the last training, or none learned in the space"
		}
	}
	return out, nil
}
