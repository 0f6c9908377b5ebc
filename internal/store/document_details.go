package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
)

// The parts of a page of documents read besides their rows: topics, custom
// field values, note counts and, for a search, the text a snippet is cut
// from. They are read in one query (UNION ALL of one branch per part), so a
// page costs one round trip on PostgreSQL instead of one per part. Every
// branch has the same columns: the part, the document, four texts, a number
// and the row's place within its part (ROW_NUMBER over the order the part
// needs), by which the whole is sorted.
const (
	detailTopic = 1 // a, b, c: topic id, name, source; num: confidence
	detailField = 2 // a, b, c, txt: field id, name, type, value; num: num
	detailCount = 3 // num: the number of notes
	detailText  = 4 // txt: the start of the extracted text
	detailNote  = 5 // txt: the start of one note, oldest first
)

// detailsSQL is the query of loadDetails for the ids' placeholders in;
// with snippets the texts and notes themselves, else the note counts.
func detailsSQL(in string, snippets bool) string {
	q := `SELECT ` + fmt.Sprint(detailTopic) + `, dt.document_id, dt.topic_id, t.name, dt.source, CAST(NULL AS TEXT),
			dt.confidence, ROW_NUMBER() OVER (ORDER BY t.name_key)
		FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id IN (` + in + `)
		UNION ALL
		SELECT ` + fmt.Sprint(detailField) + `, v.document_id, v.field_id, f.name, f.type, v.value,
			v.num, ROW_NUMBER() OVER (ORDER BY f.name_key, f.id)
		FROM document_field_values v JOIN custom_fields f ON f.id = v.field_id WHERE v.document_id IN (` + in + `)`
	if !snippets {
		return q + `
		UNION ALL
		SELECT ` + fmt.Sprint(detailCount) + `, document_id, NULL, NULL, NULL, NULL, COUNT(*), 0
		FROM document_notes WHERE document_id IN (` + in + `) GROUP BY document_id
		ORDER BY 1, 8`
	}
	// A document found by a word of a note shows that note in its snippet;
	// the notes read for it are counted too.
	return q + `
		UNION ALL
		SELECT ` + fmt.Sprint(detailText) + `, document_id, NULL, NULL, NULL, SUBSTR(body, 1, 200000), NULL, 0
		FROM document_texts WHERE document_id IN (` + in + `)
		UNION ALL
		SELECT ` + fmt.Sprint(detailNote) + `, document_id, NULL, NULL, NULL, SUBSTR(body, 1, 20000), NULL,
			ROW_NUMBER() OVER (ORDER BY created_at, id)
		FROM document_notes WHERE document_id IN (` + in + `)
		ORDER BY 1, 8`
}

// loadDetails fills Topics, Fields and NoteCount of each document with one
// query; with snippets it also returns, by id, the start of each
// document's text followed by its notes (what searchquery.Snippet cuts a
// passage from; absent when a document has neither).
func (s *Store) loadDetails(ctx context.Context, docs []*model.Document, snippets bool) (map[string]string, error) {
	var texts map[string]string
	if snippets {
		texts = make(map[string]string, len(docs))
	}
	if len(docs) == 0 {
		return texts, nil
	}
	byID := make(map[string]*model.Document, len(docs))
	ph := make([]string, 0, len(docs))
	args := make([]any, 0, len(docs))
	for _, d := range docs {
		byID[d.ID] = d
		d.Topics, d.Fields, d.NoteCount = []model.DocumentTopic{}, []model.FieldValue{}, 0
		args = append(args, d.ID)
		ph = append(ph, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := s.r.QueryContext(ctx, detailsSQL(strings.Join(ph, ", "), snippets), args...)
	if err != nil {
		return nil, fmt.Errorf("document details: %w", normalize(err))
	}
	defer rows.Close()
	for rows.Next() {
		var part int
		var docID string
		var a, b, c, txt sql.NullString
		var num sql.NullFloat64
		var place int64
		if err := rows.Scan(&part, &docID, &a, &b, &c, &txt, &num, &place); err != nil {
			return nil, fmt.Errorf("document details: %w", normalize(err))
		}
		d := byID[docID]
		if d == nil {
			continue
		}
		switch part {
		case detailTopic:
			d.Topics = append(d.Topics, model.DocumentTopic{TopicID: a.String, Name: b.String, Source: c.String, Confidence: optFloat(num)})
		case detailField:
			d.Fields = append(d.Fields, model.FieldValue{FieldID: a.String, Name: b.String, Type: c.String, Value: txt.String, Num: optFloat(num)})
		case detailCount:
			d.NoteCount = int(num.Float64)
		case detailText:
			texts[docID] = txt.String
		case detailNote:
			texts[docID] += "\n" + txt.String
			d.NoteCount++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document details: %w", normalize(err))
	}
	return texts, nil
}

// optFloat is a nullable number as a pointer.
func optFloat(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}
