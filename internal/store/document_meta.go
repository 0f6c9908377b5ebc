package store

import (
	"context"
	"fmt"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// Where a document's date came from (Document.DocumentDateSource).
const (
	DateFound = "found" // found in the content while processing
	DateUser  = "user"  // set by a person; never replaced by a found one
)

// The methods below change many documents with one statement each; the
// caller has checked that every id is a live document the actor may edit,
// and runs them in the transaction of that check.

// DocumentsByIDs returns the live documents (trash excluded) among ids,
// whatever their owner, without topics or fields: the caller checks access.
func (s *Store) DocumentsByIDs(ctx context.Context, ids []string) ([]*model.Document, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(ids, 0)
	return s.queryDocuments(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.id IN (`+in+`) AND d.deleted_at IS NULL`, args...)
}

// SetDocumentsLabel gives the documents the correspondent or document type
// labelID ("" clears it) as a person's choice (source LabelUser): the
// classifier never replaces it, and learns from it.
func (s *Store) SetDocumentsLabel(ctx context.Context, k model.LabelKind, docIDs []string, labelID string) error {
	var v any
	if labelID != "" {
		v = labelID
	}
	if err := s.updateDocuments(ctx, "set "+labelDocColumn(k), labelDocColumn(k)+" = $1, "+labelSourceColumn(k)+" = 'user'", []any{v}, docIDs); err != nil {
		return err
	}
	return s.labelsChanged(ctx, docIDs)
}

// SetDocumentsDate sets the documents' date as the user's (YYYY-MM-DD; ""
// clears it, and a date found later may fill it again).
func (s *Store) SetDocumentsDate(ctx context.Context, docIDs []string, date string) error {
	if date == "" {
		return s.updateDocuments(ctx, "set document date", "document_date = NULL, document_date_source = ''", nil, docIDs)
	}
	return s.updateDocuments(ctx, "set document date", "document_date = $1, document_date_source = 'user'", []any{date}, docIDs)
}

// SetFoundDocumentDate records the date found in a document's content,
// unless the user has set one. ErrNotFound when there is no such document.
func (s *Store) SetFoundDocumentDate(ctx context.Context, documentID string, d time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE documents SET document_date = $1, document_date_source = 'found'
		WHERE id = $2 AND document_date_source <> 'user'`, d.Format(time.DateOnly), documentID)
	if err != nil {
		return fmt.Errorf("set found date: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var one int
		if err := s.w.QueryRowContext(ctx, `SELECT 1 FROM documents WHERE id = $1`, documentID).Scan(&one); err != nil {
			return fmt.Errorf("set found date: %w", normalize(err))
		}
	}
	return nil
}

// SetDocumentsField sets the field's value on the documents; nil removes it.
func (s *Store) SetDocumentsField(ctx context.Context, docIDs []string, fieldID string, v *model.FieldValue) error {
	docIDs = dedupe(docIDs)
	if len(docIDs) == 0 {
		return nil
	}
	if v == nil {
		in, args := inList(docIDs, 1)
		if _, err := s.w.ExecContext(ctx, `DELETE FROM document_field_values WHERE field_id = $1 AND document_id IN (`+in+`)`,
			append([]any{fieldID}, args...)...); err != nil {
			return fmt.Errorf("remove field value: %w", normalize(err))
		}
	} else {
		var num any
		if v.Num != nil {
			num = *v.Num
		}
		in, args := inList(docIDs, 3)
		if _, err := s.w.ExecContext(ctx, `INSERT INTO document_field_values (document_id, field_id, value, num)
			SELECT d.id, $1, $2, $3 FROM documents d WHERE d.id IN (`+in+`)
			ON CONFLICT (document_id, field_id) DO UPDATE SET value = EXCLUDED.value, num = EXCLUDED.num`,
			append([]any{fieldID, v.Value, num}, args...)...); err != nil {
			return fmt.Errorf("set field value: %w", normalize(err))
		}
	}
	return s.updateDocuments(ctx, "set field value", "", nil, docIDs)
}

// AddDocumentsTopics gives every document every topic, as the user's.
func (s *Store) AddDocumentsTopics(ctx context.Context, docIDs, topicIDs []string) error {
	docIDs, topicIDs = dedupe(docIDs), dedupe(topicIDs)
	if len(docIDs) == 0 || len(topicIDs) == 0 {
		return nil
	}
	din, dargs := inList(docIDs, 1)
	tin, targs := inList(topicIDs, 1+len(docIDs))
	args := append(append([]any{now()}, dargs...), targs...)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, created_at)
		SELECT d.id, t.id, 'user', $1 FROM documents d, topics t WHERE d.id IN (`+din+`) AND t.id IN (`+tin+`)
		ON CONFLICT (document_id, topic_id) DO UPDATE SET source = 'user', confidence = NULL`, args...); err != nil {
		return fmt.Errorf("add topics: %w", normalize(err))
	}
	return s.labelsChanged(ctx, docIDs)
}

// RemoveDocumentsTopics takes the topics off the documents.
func (s *Store) RemoveDocumentsTopics(ctx context.Context, docIDs, topicIDs []string) error {
	docIDs, topicIDs = dedupe(docIDs), dedupe(topicIDs)
	if len(docIDs) == 0 || len(topicIDs) == 0 {
		return nil
	}
	din, dargs := inList(docIDs, 0)
	tin, targs := inList(topicIDs, len(docIDs))
	if _, err := s.w.ExecContext(ctx, `DELETE FROM document_topics WHERE document_id IN (`+din+`) AND topic_id IN (`+tin+`)`,
		append(dargs, targs...)...); err != nil {
		return fmt.Errorf("remove topics: %w", normalize(err))
	}
	return s.labelsChanged(ctx, docIDs)
}

// TrashDocuments moves the live documents to the trash.
func (s *Store) TrashDocuments(ctx context.Context, docIDs []string) error {
	if err := s.labelsChanged(ctx, docIDs); err != nil {
		return err
	}
	if err := s.updateDocuments(ctx, "trash documents", "deleted_at = $1", []any{now()}, docIDs); err != nil {
		return err
	}
	// Share links die with the trash (a restore does not bring them back).
	_, err := s.RevokeDocumentLinks(ctx, docIDs...)
	return err
}

// labelsChanged bumps the label generation of the spaces of those of the
// documents that are ready: the classifier's examples changed.
func (s *Store) labelsChanged(ctx context.Context, docIDs []string) error {
	in, args := inList(dedupe(docIDs), 0)
	rows, err := s.w.QueryContext(ctx, `SELECT DISTINCT space_id FROM documents WHERE status = 'ready' AND id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("label generation: %w", normalize(err))
	}
	var owners []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return fmt.Errorf("label generation: %w", normalize(err))
		}
		owners = append(owners, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("label generation: %w", normalize(err))
	}
	for _, o := range owners {
		if err := s.BumpLabelGeneration(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// updateDocuments runs UPDATE documents SET <set>, updated_at = now on the
// live documents among ids; set uses $1.. for setArgs ("" touches
// updated_at only).
func (s *Store) updateDocuments(ctx context.Context, what, set string, setArgs []any, ids []string) error {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil
	}
	n := len(setArgs)
	in, args := inList(ids, n+1)
	if set != "" {
		set += ", "
	}
	q := fmt.Sprintf(`UPDATE documents SET %supdated_at = $%d WHERE deleted_at IS NULL AND id IN (%s)`, set, n+1, in)
	if _, err := s.w.ExecContext(ctx, q, append(append(setArgs, now()), args...)...); err != nil {
		return fmt.Errorf("%s: %w", what, normalize(err))
	}
	return nil
}

// SetDocumentsProcessing marks the documents for processing again.
func (s *Store) SetDocumentsProcessing(ctx context.Context, docIDs []string) error {
	return s.updateDocuments(ctx, "reprocess documents", "status = 'processing', error = ''", nil, docIDs)
}

// foreignMetadata selects (document id, what) for every reference of a
// document to metadata of another space, and every document_link value
// whose document is gone or in another space.
const foreignMetadata = `SELECT d.id, 'correspondent ' || c.id FROM documents d JOIN correspondents c ON c.id = d.correspondent_id WHERE c.space_id <> ` + docSpace + `
	UNION ALL SELECT d.id, 'document type ' || t.id FROM documents d JOIN document_types t ON t.id = d.document_type_id WHERE t.space_id <> ` + docSpace + `
	UNION ALL SELECT d.id, 'custom field ' || f.id FROM document_field_values v JOIN custom_fields f ON f.id = v.field_id
		JOIN documents d ON d.id = v.document_id WHERE f.space_id <> ` + docSpace + `
	UNION ALL SELECT d.id, 'link to ' || v.value FROM document_field_values v JOIN custom_fields f ON f.id = v.field_id
		JOIN documents d ON d.id = v.document_id WHERE f.type = 'document_link'
		AND NOT EXISTS (SELECT 1 FROM documents l WHERE l.id = v.value AND l.space_id = d.space_id)`

// ForeignMetadata lists documents that refer to a correspondent, type or
// field of another space, or link to a document that is gone or in
// another space: "document <id>: <what>".
func (s *Store) ForeignMetadata(ctx context.Context) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, foreignMetadata+` ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("foreign metadata: %w", normalize(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, what string
		if err := rows.Scan(&id, &what); err != nil {
			return nil, fmt.Errorf("foreign metadata: %w", normalize(err))
		}
		out = append(out, "document "+id+": "+what)
	}
	return out, normalize(rows.Err())
}

// ClearForeignMetadata removes the references ForeignMetadata lists.
func (s *Store) ClearForeignMetadata(ctx context.Context) error {
	return s.WithTx(ctx, func(tx *Store) error {
		for _, q := range []string{
			`UPDATE documents AS d SET correspondent_id = NULL WHERE EXISTS (SELECT 1 FROM correspondents c WHERE c.id = d.correspondent_id AND c.space_id <> ` + docSpace + `)`,
			`UPDATE documents AS d SET document_type_id = NULL WHERE EXISTS (SELECT 1 FROM document_types t WHERE t.id = d.document_type_id AND t.space_id <> ` + docSpace + `)`,
			`DELETE FROM document_field_values WHERE EXISTS (SELECT 1 FROM custom_fields f, documents d WHERE f.id = document_field_values.field_id
				AND d.id = document_field_values.document_id AND (f.space_id <> ` + docSpace + ` OR (f.type = 'document_link'
				AND NOT EXISTS (SELECT 1 FROM documents l WHERE l.id = document_field_values.value AND l.space_id = d.space_id))))`,
		} {
			if _, err := tx.w.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("clear foreign metadata: %w", normalize(err))
			}
		}
		return nil
	})
}
