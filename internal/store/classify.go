package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// AISettings returns the user's choice, or ErrNotFound when they never chose.
func (s *Store) AISettings(ctx context.Context, userID string) (*model.AISettings, error) {
	var a model.AISettings
	err := s.r.QueryRowContext(ctx, `SELECT user_id, provider, model, api_key, base_url, updated_at FROM ai_settings WHERE user_id = $1`, userID).
		Scan(&a.UserID, &a.Provider, &a.Model, &a.APIKey, &a.BaseURL, &a.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("ai settings: %w", normalize(err))
	}
	return &a, nil
}

// PutAISettings stores the user's choice.
func (s *Store) PutAISettings(ctx context.Context, a *model.AISettings) error {
	a.UpdatedAt = now()
	_, err := s.w.ExecContext(ctx, `INSERT INTO ai_settings (user_id, provider, model, api_key, base_url, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET provider = EXCLUDED.provider, model = EXCLUDED.model,
			api_key = EXCLUDED.api_key, base_url = EXCLUDED.base_url, updated_at = EXCLUDED.updated_at`,
		a.UserID, a.Provider, a.Model, a.APIKey, a.BaseURL, a.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put ai settings: %w", normalize(err))
	}
	return nil
}

// ClassifierModel returns the space's model, or ErrNotFound.
func (s *Store) ClassifierModel(ctx context.Context, spaceID string) (*model.ClassifierModel, error) {
	var m model.ClassifierModel
	err := s.r.QueryRowContext(ctx, `SELECT m.model, m.correspondent_model, m.document_type_model, m.example_count,
			m.trained_at, m.generation, m.version, COALESCE(l.generation, 0) > m.generation
		FROM classifier_models m LEFT JOIN classifier_labels l ON l.space_id = m.space_id WHERE m.space_id = $1`, spaceID).
		Scan(&m.Data, &m.CorrespondentModel, &m.DocumentTypeModel, &m.ExampleCount, &m.TrainedAt, &m.Generation, &m.Version, &m.Stale)
	if err != nil {
		return nil, fmt.Errorf("classifier model: %w", normalize(err))
	}
	return &m, nil
}

// ClassifierModelVersion returns the version of the space's stored model without reading it (a cache
// compares it to the one it holds), or ErrNotFound.
func (s *Store) ClassifierModelVersion(ctx context.Context, spaceID string) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT version FROM classifier_models WHERE space_id = $1`, spaceID).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("classifier model version: %w", normalize(err))
	}
	return v, nil
}

// SaveClassifierModel stores a model trained on the labels of generation. A model trained on an
// older generation than the stored one is not saved (it reports false): a slower, older training never
// replaces a newer one. Saving never touches the labels' generation, so labels changed during the
// training leave the model stale.
func (s *Store) SaveClassifierModel(ctx context.Context, spaceID string, data []byte, examples int, generation int64) (bool, error) {
	return s.SaveClassifierModels(ctx, spaceID, &model.ClassifierModel{Data: data, ExampleCount: examples, Generation: generation})
}

// SaveClassifierModels stores m (Data, CorrespondentModel, DocumentTypeModel, ExampleCount) trained
// on the labels of m.Generation, with the rules of SaveClassifierModel.
func (s *Store) SaveClassifierModels(ctx context.Context, spaceID string, m *model.ClassifierModel) (bool, error) {
	nonNil := func(b []byte) []byte {
		if b == nil {
			return []byte{}
		}
		return b
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO classifier_models (space_id, model, correspondent_model, document_type_model,
			example_count, trained_at, stale, generation, version)
		VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, 1)
		ON CONFLICT (space_id) DO UPDATE SET model = EXCLUDED.model, correspondent_model = EXCLUDED.correspondent_model,
			document_type_model = EXCLUDED.document_type_model, example_count = EXCLUDED.example_count,
			trained_at = EXCLUDED.trained_at, generation = EXCLUDED.generation, version = classifier_models.version + 1
		WHERE classifier_models.generation <= EXCLUDED.generation`, spaceID, nonNil(m.Data), nonNil(m.CorrespondentModel),
		nonNil(m.DocumentTypeModel), m.ExampleCount, now(), m.Generation)
	if err != nil {
		return false, fmt.Errorf("save classifier model: %w", normalize(err))
	}
	n, err := res.RowsAffected()
	return n > 0, normalize(err)
}

// BumpLabelGeneration notes that the space's labels changed (the topics
// people filed its ready documents under, or the correspondents and types
// they set). An unknown space is no error: there is nothing to learn.
func (s *Store) BumpLabelGeneration(ctx context.Context, spaceID string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO classifier_labels (space_id, generation, changed_at)
		SELECT id, 1, $2 FROM spaces WHERE id = $1
		ON CONFLICT (space_id) DO UPDATE SET generation = classifier_labels.generation + 1, changed_at = EXCLUDED.changed_at`,
		spaceID, now())
	if err != nil {
		return fmt.Errorf("bump label generation: %w", normalize(err))
	}
	return nil
}

// LabelGeneration returns the space's label generation and when it last changed (0 and the zero time
// when its labels never changed).
func (s *Store) LabelGeneration(ctx context.Context, spaceID string) (int64, time.Time, error) {
	var g int64
	var at time.Time
	err := s.r.QueryRowContext(ctx, `SELECT generation, changed_at FROM classifier_labels WHERE space_id = $1`, spaceID).Scan(&g, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("label generation: %w", normalize(err))
	}
	return g, at, nil
}

// DueTrainings lists the spaces whose labels are newer than their model and have not changed since
// settledBefore.
func (s *Store) DueTrainings(ctx context.Context, settledBefore time.Time) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT l.space_id FROM classifier_labels l
		LEFT JOIN classifier_models m ON m.space_id = l.space_id
		WHERE l.generation > COALESCE(m.generation, 0) AND l.changed_at <= $1 ORDER BY l.changed_at`, settledBefore)
	if err != nil {
		return nil, fmt.Errorf("due trainings: %w", normalize(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, normalize(err)
		}
		out = append(out, id)
	}
	return out, normalize(rows.Err())
}

// SetClassification records the outcome of classifying a document.
func (s *Store) SetClassification(ctx context.Context, docID string, c model.Classification) error {
	if c.Candidates == nil {
		c.Candidates = []model.AITopic{}
	}
	cands, err := json.Marshal(c.Candidates)
	if err != nil {
		return err
	}
	if c.Proposals == nil {
		c.Proposals = []model.LabelProposal{}
	}
	props, err := json.Marshal(c.Proposals)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO document_classifications (document_id, state, reason, provider, model_generation, candidates, proposals, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (document_id) DO UPDATE SET state = EXCLUDED.state, reason = EXCLUDED.reason, provider = EXCLUDED.provider,
			model_generation = EXCLUDED.model_generation, candidates = EXCLUDED.candidates, proposals = EXCLUDED.proposals, at = EXCLUDED.at`,
		docID, c.State, truncate(c.Reason, 2000), c.Provider, c.ModelGeneration, string(cands), string(props), now())
	if err != nil {
		return fmt.Errorf("set classification: %w", normalize(err))
	}
	return nil
}

// Classifications returns the recorded classification of each document in ids that has one and is
// in a space userID is a member of.
func (s *Store) Classifications(ctx context.Context, userID string, ids []string) (map[string]*model.Classification, error) {
	out := map[string]*model.Classification{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{userID}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT c.document_id, c.state, c.reason, c.provider, c.model_generation, c.candidates, c.proposals, c.at
		FROM document_classifications c JOIN documents d ON d.id = c.document_id
		WHERE `+memberSpaces("d.space_id", "$1")+` AND c.document_id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("classifications: %w", normalize(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id, cands, props string
		var c model.Classification
		if err := rows.Scan(&id, &c.State, &c.Reason, &c.Provider, &c.ModelGeneration, &cands, &props, &c.At); err != nil {
			return nil, normalize(err)
		}
		_ = json.Unmarshal([]byte(cands), &c.Candidates)
		_ = json.Unmarshal([]byte(props), &c.Proposals)
		out[id] = &c
	}
	return out, normalize(rows.Err())
}

// DocumentsToReclassify lists the space's ready documents without topics filed by a person whose
// classification waits for a model, or was answered by a local model older than generation.
func (s *Store) DocumentsToReclassify(ctx context.Context, spaceID string, generation int64) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.id FROM documents d
		LEFT JOIN document_classifications c ON c.document_id = d.id
		WHERE d.space_id = $1 AND d.deleted_at IS NULL AND d.status = 'ready'
		  AND NOT EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.source = 'user')
		  AND (c.state = 'waiting' OR (c.state IN ('done', 'declined') AND c.provider = 'local' AND c.model_generation < $2))
		ORDER BY d.id`, spaceID, generation)
	if err != nil {
		return nil, fmt.Errorf("documents to reclassify: %w", normalize(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, normalize(err)
		}
		out = append(out, id)
	}
	return out, normalize(rows.Err())
}

// TrainingExamples returns the space's ready documents with topics filed by
// a person, each text cut to maxText bytes.
func (s *Store) TrainingExamples(ctx context.Context, spaceID string, maxText int) ([]model.TrainingExample, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.title, COALESCE(t.body, ''), dt.topic_id
		FROM documents d
		JOIN document_topics dt ON dt.document_id = d.id AND dt.source = 'user'
		LEFT JOIN document_texts t ON t.document_id = d.id
		WHERE d.space_id = $1 AND d.deleted_at IS NULL AND d.status = 'ready'
		ORDER BY d.id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("training examples: %w", normalize(err))
	}
	defer rows.Close()
	var out []model.TrainingExample
	for rows.Next() {
		var id, title, body, topic string
		if err := rows.Scan(&id, &title, &body, &topic); err != nil {
			return nil, fmt.Errorf("training examples: %w", normalize(err))
		}
		if n := len(out); n > 0 && out[n-1].DocumentID == id {
			out[n-1].TopicIDs = append(out[n-1].TopicIDs, topic)
			continue
		}
		out = append(out, model.TrainingExample{DocumentID: id, Text: truncate(title+"\n"+body, maxText), TopicIDs: []string{topic}})
	}
	return out, normalize(rows.Err())
}

// SetAITopics replaces the document's classifier assignments. Topics the
// user assigned themselves are never touched, and topics that are not the
// document owner's are ignored.
func (s *Store) SetAITopics(ctx context.Context, docID string, topics []model.AITopic) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var space string
		if err := tx.w.QueryRowContext(ctx, `SELECT space_id FROM documents WHERE id = $1`, docID).Scan(&space); err != nil {
			return fmt.Errorf("set ai topics: %w", normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `DELETE FROM document_topics WHERE document_id = $1 AND source = 'ai'`, docID); err != nil {
			return fmt.Errorf("set ai topics: %w", normalize(err))
		}
		t := now()
		for _, a := range topics {
			_, err := tx.w.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, confidence, created_at)
				SELECT $1, id, 'ai', $3, $4 FROM topics WHERE id = $2 AND space_id = $5
				ON CONFLICT (document_id, topic_id) DO NOTHING`, docID, a.TopicID, a.Confidence, t, space)
			if err != nil {
				return fmt.Errorf("set ai topics: %w", normalize(err))
			}
		}
		_, err := tx.w.ExecContext(ctx, `UPDATE documents SET updated_at = $1 WHERE id = $2`, t, docID)
		return normalize(err)
	})
}

// AddSuggestions records suggestions, merging documents into an existing
// suggestion of the same name. Names of existing topics are skipped.
func (s *Store) AddSuggestions(ctx context.Context, spaceID string, sugs []model.TopicSuggestion) error {
	return s.WithTx(ctx, func(tx *Store) error {
		for _, sg := range sugs {
			key := TopicKey(sg.Name)
			if key == "" {
				continue
			}
			if _, err := tx.TopicByName(ctx, spaceID, sg.Name); err == nil {
				continue
			}
			var existing string
			err := tx.w.QueryRowContext(ctx, `SELECT document_ids FROM topic_suggestions WHERE space_id = $1 AND name_key = $2`, spaceID, key).Scan(&existing)
			switch {
			case err == nil:
				var ids []string
				_ = json.Unmarshal([]byte(existing), &ids)
				ids = dedupe(append(ids, sg.DocumentIDs...))
				b, _ := json.Marshal(ids)
				if _, err := tx.w.ExecContext(ctx, `UPDATE topic_suggestions SET document_ids = $1, reason = $2 WHERE space_id = $3 AND name_key = $4`,
					string(b), sg.Reason, spaceID, key); err != nil {
					return normalize(err)
				}
			case errors.Is(err, sql.ErrNoRows):
				b, _ := json.Marshal(dedupe(sg.DocumentIDs))
				if _, err := tx.w.ExecContext(ctx, `INSERT INTO topic_suggestions (id, space_id, name, name_key, reason, document_ids, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, NewID(), spaceID, strings.TrimSpace(sg.Name), key, sg.Reason, string(b), now()); err != nil {
					return normalize(err)
				}
			default:
				return normalize(err)
			}
		}
		return nil
	})
}

// Suggestions lists the space's suggestions, those naming documentID only
// when it is not "". Documents no longer visible are left out.
func (s *Store) Suggestions(ctx context.Context, spaceID, documentID string) ([]model.TopicSuggestion, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, reason, document_ids FROM topic_suggestions WHERE space_id = $1 ORDER BY created_at`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("suggestions: %w", normalize(err))
	}
	var out []model.TopicSuggestion
	for rows.Next() {
		var sg model.TopicSuggestion
		var ids string
		if err := rows.Scan(&sg.Name, &sg.Reason, &ids); err != nil {
			rows.Close()
			return nil, normalize(err)
		}
		_ = json.Unmarshal([]byte(ids), &sg.DocumentIDs)
		out = append(out, sg)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, normalize(err)
	}
	filtered := out[:0]
	for _, sg := range out {
		visible := sg.DocumentIDs[:0]
		for _, id := range sg.DocumentIDs {
			if _, err := s.Document(ctx, spaceID, id); err == nil {
				visible = append(visible, id)
			}
		}
		sg.DocumentIDs = visible
		if documentID != "" && !contains(visible, documentID) {
			continue
		}
		filtered = append(filtered, sg)
	}
	return filtered, nil
}

// TakeSuggestion removes the space's suggestion and returns it, or ErrNotFound.
func (s *Store) TakeSuggestion(ctx context.Context, spaceID, name string) (*model.TopicSuggestion, error) {
	var sg model.TopicSuggestion
	var ids string
	err := s.w.QueryRowContext(ctx, `DELETE FROM topic_suggestions WHERE space_id = $1 AND name_key = $2 RETURNING name, reason, document_ids`,
		spaceID, TopicKey(name)).Scan(&sg.Name, &sg.Reason, &ids)
	if err != nil {
		return nil, fmt.Errorf("take suggestion: %w", normalize(err))
	}
	_ = json.Unmarshal([]byte(ids), &sg.DocumentIDs)
	return &sg, nil
}

// AddUserTopic assigns one topic to a document as the user's choice,
// keeping the document's other topics.
func (s *Store) AddUserTopic(ctx context.Context, spaceID, docID, topicID string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, created_at)
		SELECT d.id, $3, 'user', $4 FROM documents d WHERE d.id = $2 AND d.space_id = $1
		ON CONFLICT (document_id, topic_id) DO UPDATE SET source = 'user', confidence = NULL`, spaceID, docID, topicID, now())
	return normalize(err)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// SetDocumentError records (or with "" clears) a problem on a document
// without changing its status, e.g. a failed classification.
func (s *Store) SetDocumentError(ctx context.Context, id, msg string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE documents SET error = $1 WHERE id = $2`, truncate(msg, 2000), id)
	return normalize(err)
}

// UnfiledDoc is a ready document without any topic.
type UnfiledDoc struct {
	ID, Title, Text string
}

// UnfiledDocuments lists up to limit of the space's ready documents that have
// no topic, each text cut to maxText bytes.
func (s *Store) UnfiledDocuments(ctx context.Context, spaceID string, limit, maxText int) ([]UnfiledDoc, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.id, d.title, COALESCE(t.body, '') FROM documents d
		LEFT JOIN document_texts t ON t.document_id = d.id
		WHERE d.space_id = $1 AND d.deleted_at IS NULL AND d.status = 'ready'
		  AND NOT EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id)
		ORDER BY d.created_at DESC LIMIT $2`, spaceID, limit)
	if err != nil {
		return nil, fmt.Errorf("unfiled documents: %w", normalize(err))
	}
	defer rows.Close()
	var out []UnfiledDoc
	for rows.Next() {
		var d UnfiledDoc
		if err := rows.Scan(&d.ID, &d.Title, &d.Text); err != nil {
			return nil, normalize(err)
		}
		d.Text = truncate(d.Text, maxText)
		out = append(out, d)
	}
	return out, normalize(rows.Err())
}
