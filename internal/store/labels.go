package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/docuvault/docuvault/internal/model"
)

// labelTable and labelDocColumn are the kind's table and its column in documents.
func labelTable(k model.LabelKind) string {
	if k == model.DocumentTypes {
		return "document_types"
	}
	return "correspondents"
}

// labelSourceColumn is the kind's column in documents saying who set it.
func labelSourceColumn(k model.LabelKind) string {
	if k == model.DocumentTypes {
		return "document_type_source"
	}
	return "correspondent_source"
}

func labelDocColumn(k model.LabelKind) string {
	if k == model.DocumentTypes {
		return "document_type_id"
	}
	return "correspondent_id"
}

// NameKey is the case-insensitive form that makes names unique in a space
// (correspondents, document types, custom fields).
func NameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

func labelColumns(k model.LabelKind) string {
	return `l.id, l.space_id, l.name, l.created_at, l.updated_at,
	(SELECT COUNT(*) FROM documents d WHERE d.` + labelDocColumn(k) + ` = l.id AND d.deleted_at IS NULL)`
}

func scanLabel(row interface{ Scan(...any) error }) (*model.Label, error) {
	var l model.Label
	if err := row.Scan(&l.ID, &l.SpaceID, &l.Name, &l.CreatedAt, &l.UpdatedAt, &l.DocumentCount); err != nil {
		return nil, normalize(err)
	}
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return &l, nil
}

// CreateLabel inserts l; a name the space already uses (any case) is ErrConflict.
func (s *Store) CreateLabel(ctx context.Context, k model.LabelKind, l *model.Label) error {
	if l.ID == "" {
		l.ID = NewID()
	}
	l.CreatedAt = now()
	l.UpdatedAt = l.CreatedAt
	_, err := s.w.ExecContext(ctx, `INSERT INTO `+labelTable(k)+` (id, space_id, name, name_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, l.SpaceID, l.Name, NameKey(l.Name), l.CreatedAt, l.UpdatedAt)
	if err != nil {
		return fmt.Errorf("create %s: %w", labelTable(k), normalize(err))
	}
	return nil
}

// LabelByID returns the label whatever its space, or ErrNotFound; the
// caller decides whether its space is visible.
func (s *Store) LabelByID(ctx context.Context, k model.LabelKind, id string) (*model.Label, error) {
	l, err := scanLabel(s.r.QueryRowContext(ctx, `SELECT `+labelColumns(k)+` FROM `+labelTable(k)+` l WHERE l.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labelTable(k), err)
	}
	return l, nil
}

// ListLabels returns the labels of the spaces, by name.
func (s *Store) ListLabels(ctx context.Context, k model.LabelKind, spaceIDs []string) ([]*model.Label, error) {
	if len(spaceIDs) == 0 {
		return []*model.Label{}, nil
	}
	in, args := inList(spaceIDs, 0)
	rows, err := s.r.QueryContext(ctx, `SELECT `+labelColumns(k)+` FROM `+labelTable(k)+` l WHERE l.space_id IN (`+in+`)
		ORDER BY l.name_key, l.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labelTable(k), normalize(err))
	}
	defer rows.Close()
	out := []*model.Label{}
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", labelTable(k), err)
		}
		out = append(out, l)
	}
	return out, normalize(rows.Err())
}

// RenameLabel renames the label; a name its space already uses is ErrConflict.
func (s *Store) RenameLabel(ctx context.Context, k model.LabelKind, id, name string) (*model.Label, error) {
	if err := s.execOne(ctx, "rename "+labelTable(k), `UPDATE `+labelTable(k)+` SET name = $1, name_key = $2, updated_at = $3 WHERE id = $4`,
		name, NameKey(name), now(), id); err != nil {
		return nil, err
	}
	return s.LabelByID(ctx, k, id)
}

// DeleteLabel removes the label; its documents keep everything else (the
// column is cleared by ON DELETE SET NULL, and is nobody's choice any
// more). The space's classifier examples change with it.
func (s *Store) DeleteLabel(ctx context.Context, k model.LabelKind, id string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var space string
		if err := tx.w.QueryRowContext(ctx, `SELECT space_id FROM `+labelTable(k)+` WHERE id = $1`, id).Scan(&space); err != nil {
			return fmt.Errorf("delete %s: %w", labelTable(k), normalize(err))
		}
		if _, err := tx.w.ExecContext(ctx, `UPDATE documents SET `+labelSourceColumn(k)+` = '' WHERE `+labelDocColumn(k)+` = $1`, id); err != nil {
			return fmt.Errorf("delete %s: %w", labelTable(k), normalize(err))
		}
		if err := tx.execOne(ctx, "delete "+labelTable(k), `DELETE FROM `+labelTable(k)+` WHERE id = $1`, id); err != nil {
			return err
		}
		return tx.BumpLabelGeneration(ctx, space)
	})
}

// inList is "$n, $n+1, ..." for the values, numbered after `after` earlier
// arguments, and the values as arguments.
func inList(vals []string, after int) (string, []any) {
	ph := make([]string, len(vals))
	args := make([]any, len(vals))
	for i, v := range vals {
		ph[i] = fmt.Sprintf("$%d", after+i+1)
		args[i] = v
	}
	return strings.Join(ph, ", "), args
}
