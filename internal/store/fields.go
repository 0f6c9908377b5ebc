package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

const fieldColumns = `f.id, f.space_id, f.name, f.type, f.options, f.created_at, f.updated_at`

func scanField(row interface{ Scan(...any) error }) (*model.CustomField, error) {
	var f model.CustomField
	var opts string
	if err := row.Scan(&f.ID, &f.SpaceID, &f.Name, &f.Type, &opts, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, normalize(err)
	}
	f.Options = []string{}
	if err := json.Unmarshal([]byte(opts), &f.Options); err != nil {
		return nil, fmt.Errorf("custom field %s: options: %w", f.ID, err)
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

func optionsJSON(opts []string) string {
	if opts == nil {
		opts = []string{}
	}
	b, _ := json.Marshal(opts)
	return string(b)
}

// CreateField inserts f; a name the space already uses is ErrConflict.
func (s *Store) CreateField(ctx context.Context, f *model.CustomField) error {
	if f.ID == "" {
		f.ID = NewID()
	}
	f.CreatedAt = now()
	f.UpdatedAt = f.CreatedAt
	_, err := s.w.ExecContext(ctx, `INSERT INTO custom_fields (id, space_id, name, name_key, type, options, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, f.SpaceID, f.Name, NameKey(f.Name), f.Type, optionsJSON(f.Options), f.CreatedAt, f.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create custom field: %w", normalize(err))
	}
	return nil
}

// FieldByID returns the field whatever its space, or ErrNotFound.
func (s *Store) FieldByID(ctx context.Context, id string) (*model.CustomField, error) {
	f, err := scanField(s.r.QueryRowContext(ctx, `SELECT `+fieldColumns+` FROM custom_fields f WHERE f.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("custom field: %w", err)
	}
	return f, nil
}

// ListFields returns the fields of the spaces, by name.
func (s *Store) ListFields(ctx context.Context, spaceIDs []string) ([]*model.CustomField, error) {
	if len(spaceIDs) == 0 {
		return []*model.CustomField{}, nil
	}
	in, args := inList(spaceIDs, 0)
	return s.queryFields(ctx, `SELECT `+fieldColumns+` FROM custom_fields f WHERE f.space_id IN (`+in+`) ORDER BY f.name_key, f.id`, args...)
}

// FieldsByIDs returns those of ids that are fields of the space.
func (s *Store) FieldsByIDs(ctx context.Context, spaceID string, ids []string) ([]*model.CustomField, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return []*model.CustomField{}, nil
	}
	in, args := inList(ids, 1)
	return s.queryFields(ctx, `SELECT `+fieldColumns+` FROM custom_fields f WHERE f.space_id = $1 AND f.id IN (`+in+`)`,
		append([]any{spaceID}, args...)...)
}

func (s *Store) queryFields(ctx context.Context, q string, args ...any) ([]*model.CustomField, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("custom fields: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.CustomField{}
	for rows.Next() {
		f, err := scanField(rows)
		if err != nil {
			return nil, fmt.Errorf("custom fields: %w", err)
		}
		out = append(out, f)
	}
	return out, normalize(rows.Err())
}

// UpdateField renames the field and/or replaces its options. Values that
// are no longer one of a select field's options are removed.
func (s *Store) UpdateField(ctx context.Context, id string, name *string, options []string) (*model.CustomField, error) {
	f, err := s.FieldByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if name != nil {
		f.Name = *name
	}
	if options != nil {
		f.Options = options
	}
	if err := s.execOne(ctx, "update custom field", `UPDATE custom_fields SET name = $1, name_key = $2, options = $3, updated_at = $4 WHERE id = $5`,
		f.Name, NameKey(f.Name), optionsJSON(f.Options), now(), id); err != nil {
		return nil, err
	}
	if options != nil && f.Type == "select" {
		in, args := inList(options, 1)
		if _, err := s.w.ExecContext(ctx, `DELETE FROM document_field_values WHERE field_id = $1 AND value NOT IN (`+in+`)`,
			append([]any{id}, args...)...); err != nil {
			return nil, fmt.Errorf("update custom field: %w", normalize(err))
		}
	}
	return s.FieldByID(ctx, id)
}

// DeleteField removes the field and all its values.
func (s *Store) DeleteField(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete custom field", `DELETE FROM custom_fields WHERE id = $1`, id)
}
