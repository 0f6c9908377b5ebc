package store

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

// LabelExamples returns the space's ready, live documents whose correspondent (or type) a person set,
// as training examples whose one "topic" is that correspondent's (type's) id; a person's explicit
// "none" is an example of no class. Each text is cut to maxText bytes.
func (s *Store) LabelExamples(ctx context.Context, k model.LabelKind, spaceID string, maxText int) ([]model.TrainingExample, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.title, COALESCE(t.body, ''), COALESCE(d.`+labelDocColumn(k)+`, '')
		FROM documents d LEFT JOIN document_texts t ON t.document_id = d.id
		WHERE d.space_id = $1 AND d.deleted_at IS NULL AND d.status = 'ready' AND d.`+labelSourceColumn(k)+` = 'user'
		ORDER BY d.id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("label examples: %w", normalize(err))
	}
	defer rows.Close()
	var out []model.TrainingExample
	for rows.Next() {
		var id, title, body, label string
		if err := rows.Scan(&id, &title, &body, &label); err != nil {
			return nil, fmt.Errorf("label examples: %w", normalize(err))
		}
		ex := model.TrainingExample{DocumentID: id, Text: truncate(title+"\n"+body, maxText)}
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
func (s *Store) SetAutoLabel(ctx context.Context, k model.LabelKind, docID, labelID string) (bool, error) {
	if labelID == "" {
		_, err := s.w.ExecContext(ctx, `UPDATE documents SET `+labelDocColumn(k)+` = NULL, `+labelSourceColumn(k)+` = ''
			WHERE id = $1 AND `+labelSourceColumn(k)+` = 'auto'`, docID)
		if err != nil {
			return false, fmt.Errorf("set auto %s: %w", labelDocColumn(k), normalize(err))
		}
		return false, nil
	}
	res, err := s.w.ExecContext(ctx, `UPDATE documents SET `+labelDocColumn(k)+` = $1, `+labelSourceColumn(k)+` = 'auto'
		WHERE id = $2 AND `+labelSourceColumn(k)+` <> 'user'
		  AND EXISTS (SELECT 1 FROM `+labelTable(k)+` l WHERE l.id = $1 AND l.space_id = documents.space_id)`, labelID, docID)
	if err != nil {
		return false, fmt.Errorf("set auto %s: %w", labelDocColumn(k), normalize(err))
	}
	n, err := res.RowsAffected()
	return n > 0, normalize(err)
}

// LabelNames returns the name and space of each existing correspondent (or type) among ids.
func (s *Store) LabelNames(ctx context.Context, k model.LabelKind, ids []string) (map[string]model.Label, error) {
	out := map[string]model.Label{}
	ids = dedupe(ids)
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids, 0)
	rows, err := s.r.QueryContext(ctx, `SELECT id, space_id, name FROM `+labelTable(k)+` WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("label names: %w", normalize(err))
	}
	defer rows.Close()
	for rows.Next() {
		var l model.Label
		if err := rows.Scan(&l.ID, &l.SpaceID, &l.Name); err != nil {
			return nil, fmt.Errorf("label names: %w", normalize(err))
		}
		out[l.ID] = l
	}
	return out, normalize(rows.Err())
}
