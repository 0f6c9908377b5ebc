package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
)

// TopicKey is the case-insensitive form that makes topic names unique.
func TopicKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

const topicColumns = `t.id, t.owner_id, t.space_id, t.name, t.description, t.color, t.created_at, t.updated_at,
	(SELECT COUNT(*) FROM document_topics dt JOIN documents d ON d.id = dt.document_id
	  WHERE dt.topic_id = t.id AND d.deleted_at IS NULL)`

func scanTopic(row interface{ Scan(...any) error }) (*model.Topic, error) {
	var t model.Topic
	if err := row.Scan(&t.ID, &t.OwnerID, &t.SpaceID, &t.Name, &t.Description, &t.Color, &t.CreatedAt, &t.UpdatedAt, &t.DocumentCount); err != nil {
		return nil, normalize(err)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}

// CreateTopic inserts t in t.SpaceID (default: OwnerID's personal space;
// OwnerID is set to the space's owner); a name the space already uses (any
// case) is ErrConflict, an unknown space ErrNotFound.
func (s *Store) CreateTopic(ctx context.Context, t *model.Topic) error {
	if t.ID == "" {
		t.ID = NewID()
	}
	if t.SpaceID == "" {
		t.SpaceID = t.OwnerID
	}
	if err := s.r.QueryRowContext(ctx, `SELECT owner_id FROM spaces WHERE id = $1`, t.SpaceID).Scan(&t.OwnerID); err != nil {
		return fmt.Errorf("create topic: space: %w", normalize(err))
	}
	t.CreatedAt = now()
	t.UpdatedAt = t.CreatedAt
	_, err := s.w.ExecContext(ctx, `INSERT INTO topics (id, owner_id, space_id, name, name_key, description, color, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, t.ID, t.OwnerID, t.SpaceID, t.Name, TopicKey(t.Name), t.Description, t.Color, t.CreatedAt, t.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create topic: %w", normalize(err))
	}
	return nil
}

// Topic returns the space's topic, or ErrNotFound.
func (s *Store) Topic(ctx context.Context, spaceID, id string) (*model.Topic, error) {
	t, err := scanTopic(s.r.QueryRowContext(ctx, `SELECT `+topicColumns+` FROM topics t WHERE t.space_id = $1 AND t.id = $2`, spaceID, id))
	if err != nil {
		return nil, fmt.Errorf("topic: %w", err)
	}
	return t, nil
}

// TopicByName returns the space's topic with that name (any case).
func (s *Store) TopicByName(ctx context.Context, spaceID, name string) (*model.Topic, error) {
	t, err := scanTopic(s.r.QueryRowContext(ctx, `SELECT `+topicColumns+` FROM topics t WHERE t.space_id = $1 AND t.name_key = $2`, spaceID, TopicKey(name)))
	if err != nil {
		return nil, fmt.Errorf("topic by name: %w", err)
	}
	return t, nil
}

// ListTopics returns all of the space's topics by name.
func (s *Store) ListTopics(ctx context.Context, spaceID string) ([]*model.Topic, error) {
	return s.queryTopics(ctx, `SELECT `+topicColumns+` FROM topics t WHERE t.space_id = $1 ORDER BY t.name_key`, spaceID)
}

// MemberTopics returns the topics of every space userID belongs to (or of
// spaceID alone when not ""), by name.
func (s *Store) MemberTopics(ctx context.Context, userID, spaceID string) ([]*model.Topic, error) {
	q := `SELECT ` + topicColumns + ` FROM topics t WHERE ` + memberSpaces("t.space_id", "$1")
	args := []any{userID}
	if spaceID != "" {
		q += ` AND t.space_id = $2`
		args = append(args, spaceID)
	}
	return s.queryTopics(ctx, q+` ORDER BY t.name_key, t.space_id`, args...)
}

// TopicByID returns a topic whatever its space, for the access check that
// then decides from the caller's role in t.SpaceID.
func (s *Store) TopicByID(ctx context.Context, id string) (*model.Topic, error) {
	t, err := scanTopic(s.r.QueryRowContext(ctx, `SELECT `+topicColumns+` FROM topics t WHERE t.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("topic: %w", err)
	}
	return t, nil
}

// TopicsByIDs returns those of ids that are the space's topics.
func (s *Store) TopicsByIDs(ctx context.Context, spaceID string, ids []string) ([]*model.Topic, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{spaceID}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	return s.queryTopics(ctx, `SELECT `+topicColumns+` FROM topics t WHERE t.space_id = $1 AND t.id IN (`+strings.Join(ph, ", ")+`) ORDER BY t.name_key`, args...)
}

func (s *Store) queryTopics(ctx context.Context, q string, args ...any) ([]*model.Topic, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("topics: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.Topic{}
	for rows.Next() {
		t, err := scanTopic(rows)
		if err != nil {
			return nil, fmt.Errorf("topics: %w", err)
		}
		out = append(out, t)
	}
	return out, normalize(rows.Err())
}

// TopicUpdate names the fields to change.
type TopicUpdate struct {
	Name        *string
	Description *string
	Color       *string
}

// UpdateTopic changes the space's topic.
func (s *Store) UpdateTopic(ctx context.Context, spaceID, id string, up TopicUpdate) (*model.Topic, error) {
	t, err := s.Topic(ctx, spaceID, id)
	if err != nil {
		return nil, err
	}
	if up.Name != nil {
		t.Name = *up.Name
	}
	if up.Description != nil {
		t.Description = *up.Description
	}
	if up.Color != nil {
		t.Color = *up.Color
	}
	err = s.execOne(ctx, "update topic", `UPDATE topics SET name = $1, name_key = $2, description = $3, color = $4, updated_at = $5
		WHERE space_id = $6 AND id = $7`, t.Name, TopicKey(t.Name), t.Description, t.Color, now(), spaceID, id)
	if err != nil {
		return nil, err
	}
	return s.Topic(ctx, spaceID, id)
}

// DeleteTopic removes the space's topic and its assignments.
func (s *Store) DeleteTopic(ctx context.Context, spaceID, id string) error {
	if err := s.execOne(ctx, "delete topic", `DELETE FROM topics WHERE space_id = $1 AND id = $2`, spaceID, id); err != nil {
		return err
	}
	// Its documents are no longer labels for it: the classifier retrains without it.
	return s.BumpLabelGeneration(ctx, spaceID)
}
