package store

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

const viewColumns = `v.id, v.space_id, v.created_by, v.name, v.query, v.sort, v.show_on_dashboard, v.created_at, v.updated_at`

func scanView(row interface{ Scan(...any) error }) (*model.SavedView, error) {
	var v model.SavedView
	if err := row.Scan(&v.ID, &v.SpaceID, &v.CreatedBy, &v.Name, &v.Query, &v.Sort, &v.ShowOnDashboard, &v.CreatedAt, &v.UpdatedAt); err != nil {
		return nil, normalize(err)
	}
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return &v, nil
}

// CreateView inserts v.
func (s *Store) CreateView(ctx context.Context, v *model.SavedView) error {
	if v.ID == "" {
		v.ID = NewID()
	}
	if v.Query == "" {
		v.Query = "{}"
	}
	v.CreatedAt = now()
	v.UpdatedAt = v.CreatedAt
	_, err := s.w.ExecContext(ctx, `INSERT INTO saved_views (id, space_id, created_by, name, query, sort, show_on_dashboard, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, v.ID, v.SpaceID, v.CreatedBy, v.Name, v.Query, v.Sort, v.ShowOnDashboard, v.CreatedAt, v.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create view: %w", normalize(err))
	}
	return nil
}

// ViewByID returns the view whatever its space, or ErrNotFound.
func (s *Store) ViewByID(ctx context.Context, id string) (*model.SavedView, error) {
	v, err := scanView(s.r.QueryRowContext(ctx, `SELECT `+viewColumns+` FROM saved_views v WHERE v.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("view: %w", err)
	}
	return v, nil
}

// ListViews returns the views of the spaces, oldest first.
func (s *Store) ListViews(ctx context.Context, spaceIDs []string) ([]*model.SavedView, error) {
	if len(spaceIDs) == 0 {
		return []*model.SavedView{}, nil
	}
	in, args := inList(spaceIDs, 0)
	rows, err := s.r.QueryContext(ctx, `SELECT `+viewColumns+` FROM saved_views v WHERE v.space_id IN (`+in+`) ORDER BY v.created_at, v.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("views: %w", normalize(err))
	}
	defer rows.Close()
	out := []*model.SavedView{}
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, fmt.Errorf("views: %w", err)
		}
		out = append(out, v)
	}
	return out, normalize(rows.Err())
}

// UpdateView writes v's name, query, sort and dashboard flag.
func (s *Store) UpdateView(ctx context.Context, v *model.SavedView) error {
	v.UpdatedAt = now()
	return s.execOne(ctx, "update view", `UPDATE saved_views SET name = $1, query = $2, sort = $3, show_on_dashboard = $4, updated_at = $5
		WHERE id = $6`, v.Name, v.Query, v.Sort, v.ShowOnDashboard, v.UpdatedAt, v.ID)
}

// DeleteView removes the view.
func (s *Store) DeleteView(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete view", `DELETE FROM saved_views WHERE id = $1`, id)
}

// deleteSpaceMetadata removes a space's correspondents, document types,
// custom fields and views (a personal space, with its user).
func (s *Store) deleteSpaceMetadata(ctx context.Context, spaceID string) error {
	for _, t := range []string{"saved_views", "custom_fields", "document_types", "correspondents"} {
		if _, err := s.w.ExecContext(ctx, `DELETE FROM `+t+` WHERE space_id = $1`, spaceID); err != nil {
			return fmt.Errorf("delete %s: %w", t, normalize(err))
		}
	}
	return nil
}
