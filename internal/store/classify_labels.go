package store

import (
	"context"
	"fmt"
)

// Who set a document's correspondent or type (Document.CorrespondentSource, DocumentTypeSource).
const (
	LabelUser = "user" // a person: never replaced by the classifier, and an example it learns from
	LabelAuto = "auto" // the space's local classifier
)

// Kinds of LabelProposal.
const (
	ProposalCorrespondent = "correspondent"
	ProposalDocumentType  = "document_type"
	ProposalDocumentDate  = "document_date"
)

// LabelProposal is the local model's answer for one of a document's correspondent, type or date:
// ID names the correspondent or type, Value the date (YYYY-MM-DD). Applied says it was written to the
// document (it was confident and nobody had set that value).
type LabelProposal struct {
	Kind       string  `json:"kind"`
	ID         string  `json:"id,omitempty"`
	Value      string  `json:"value,omitempty"`
	Confidence float64 `json:"confidence"`
	Applied    bool    `json:"applied"`
}

// LabelExamples returns the space's ready, live documents whose correspondent (or type) a person set,
// as training examples whose one "topic" is that correspondent's (type's) id; a person's explicit
// "none" is an example of no class. Each text is cut to maxText bytes.
func (s *Store) LabelExamples(ctx context.Context, k LabelKind, spaceID string, maxText int) ([]TrainingExample, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.title, COALESCE(t.body, ''), COALESCE(d.`+k.docColumn()+`, '')
		FROM documents d LEFT JOIN document_texts t ON t.document_id = d.id
		WHERE d.space_id = $1 AND d.deleted_at IS NULL AND d.status = 'ready' AND d.`+k.sourceColumn()+` = 'user'
		ORDER BY d.id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("label examples: %w", normalize(err))
	}
	defer rows.Close()
	var out []TrainingExample
	for rows.Next() {
		var id, title, body, label string
		if err := rows.Scan(&id, &title, &body, &label); err != nil {
			return nil, fmt.Errorf("label examples: %w", normalize(err))
		}
		ex := TrainingExample{DocumentID: id, Text: truncate(title+"\n"+body, maxText)}
		if label != "" {
			ex.TopicIDs = []string{label}
		}
		out = append(out, ex)
	}
	return out, normalize(rows.Err())
}

// SetAutoLabel writes the classifier's correspondent (or type) on the document, labelID "" clearing
// one it wrote before. It never changes a value a person set, and only names a label of the
// document's own space; it reports whether it wrote labelID.
func (s *Store) SetAutoLabel(ctx context.Context, k LabelKind, docID, labelID string) (bool, error) {
	if labelID == "" {
		_, err := s.w.ExecContext(ctx, `UPDATE documents SET `+k.docColumn()+` = NULL, `+k.sourceColumn()+` = ''
			WHERE id = $1 AND `+k.sourceColumn()+` = 'auto'`, docID)
		if err != nil {
			return false, fmt.Errorf("set auto %s: %w", k.docColumn(), normalize(err))
		}
		return false, nil
	}
	res, err := s.w.ExecContext(ctx, `UPDATE documents SET `+k.docColumn()+` = $1, `+k.sourceColumn()+` = 'auto'
		WHERE id = $2 AND `+k.sourceColumn()+` <> 'user'
		  AND EXISTS (SELECT 1 FROM `+k.table()+` l WHERE l.id = $1 AND l.space_id = documents.space_id)`, labelID, docID)
	if err != nil {
		return false, fmt.Errorf("set auto %s: %w", k.docColumn(), normalize(err))
	}
	n, err := res.RowsAffected()
	return n > 0, normalize(err)
}

// LabelNames returns the name and space of each existing correspondent (or type) among ids.
func (s *Store) LabelNames(ctx context.Context, k LabelKind, ids []string) (map[string]Label, error) {
	out := map[string]Label{}
	ids = dedupe(ids)
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids, 0)
	rows, err := s.r.QueryContext(ctx, `SELECT id, space_id, name FROM `+k.table()+` WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("label names: %w", normalize(err))
	}
	defer rows.Close()
	for rows.Next() {
		var l Label
		if err := rows.Scan(&l.ID, &l.SpaceID, &l.Name); err != nil {
			return nil, fmt.Errorf("label names: %w", normalize(err))
		}
		out[l.ID] = l
	}
	return out, normalize(rows.Err())
}
