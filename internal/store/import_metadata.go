package store

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
)

// Metadata of every space, for backups: All* read it, Import* insert it
// as a backup describes it (ids and times kept).

// AllLabels returns every correspondent or document type, by id.
func (s *Store) AllLabels(ctx context.Context, k model.LabelKind) ([]*model.Label, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+labelColumns(k)+` FROM `+labelTable(k)+` l ORDER BY l.id`)
	if err != nil {
		return nil, fmt.Errorf("all %s: %w", labelTable(k), normalize(err))
	}
	defer rows.Close()
	var out []*model.Label
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, normalize(rows.Err())
}

// AllFields returns every custom field, by id.
func (s *Store) AllFields(ctx context.Context) ([]*model.CustomField, error) {
	return s.queryFields(ctx, `SELECT `+fieldColumns+` FROM custom_fields f ORDER BY f.id`)
}

// AllViews returns every saved view, by id.
func (s *Store) AllViews(ctx context.Context) ([]*model.SavedView, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+viewColumns+` FROM saved_views v ORDER BY v.id`)
	if err != nil {
		return nil, fmt.Errorf("all views: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.SavedView
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, normalize(rows.Err())
}

// ImportLabel inserts l as it is.
func (s *Store) ImportLabel(ctx context.Context, k model.LabelKind, l *model.Label) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO `+labelTable(k)+` (id, space_id, name, name_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, l.ID, l.SpaceID, l.Name, NameKey(l.Name), l.CreatedAt.UTC(), l.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("restore %s: %w", labelTable(k), normalize(err))
	}
	return nil
}

// ImportField inserts f as it is.
func (s *Store) ImportField(ctx context.Context, f *model.CustomField) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO custom_fields (id, space_id, name, name_key, type, options, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, f.SpaceID, f.Name, NameKey(f.Name), f.Type, optionsJSON(f.Options),
		f.CreatedAt.UTC(), f.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("restore custom field: %w", normalize(err))
	}
	return nil
}

// ImportView inserts v as it is.
func (s *Store) ImportView(ctx context.Context, v *model.SavedView) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO saved_views (id, space_id, created_by, name, query, sort, show_on_dashboard, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, v.ID, v.SpaceID, v.CreatedBy, v.Name, v.Query, v.Sort, v.ShowOnDashboard,
		v.CreatedAt.UTC(), v.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("restore view: %w", normalize(err))
	}
	return nil
}

// importDocumentMeta writes a restored document's date, correspondent,
// type and field values.
func (s *Store) importDocumentMeta(ctx context.Context, d *model.Document) error {
	var date, corr, typ any
	if d.DocumentDate != "" {
		date = d.DocumentDate
	}
	if d.CorrespondentID != "" {
		corr = d.CorrespondentID
	}
	if d.DocumentTypeID != "" {
		typ = d.DocumentTypeID
	}
	// Backups from before label sources hold only people's choices.
	corrSource, typeSource := d.CorrespondentSource, d.DocumentTypeSource
	if corrSource == "" && corr != nil {
		corrSource = model.LabelUser
	}
	if typeSource == "" && typ != nil {
		typeSource = model.LabelUser
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE documents SET document_date = $1, document_date_source = $2,
		correspondent_id = $3, document_type_id = $4, correspondent_source = $5, document_type_source = $6 WHERE id = $7`,
		date, d.DocumentDateSource, corr, typ, corrSource, typeSource, d.ID); err != nil {
		return fmt.Errorf("restore document metadata: %w", normalize(err))
	}
	for _, v := range d.Fields {
		var num any
		if v.Num != nil {
			num = *v.Num
		}
		if _, err := s.w.ExecContext(ctx, `INSERT INTO document_field_values (document_id, field_id, value, num) VALUES ($1, $2, $3, $4)`,
			d.ID, v.FieldID, v.Value, num); err != nil {
			return fmt.Errorf("restore field value: %w", normalize(err))
		}
	}
	return nil
}
