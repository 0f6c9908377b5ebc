package backup

import (
	"context"
	"fmt"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// exportMetadata adds the correspondents, document types, custom fields and
// saved views of every space to the manifest.
func exportMetadata(ctx context.Context, st *store.Store, m *Manifest) error {
	for _, k := range []struct {
		kind model.LabelKind
		to   *[]Label
	}{{model.Correspondents, &m.Correspondents}, {model.DocumentTypes, &m.DocumentTypes}} {
		ls, err := st.AllLabels(ctx, k.kind)
		if err != nil {
			return err
		}
		for _, l := range ls {
			*k.to = append(*k.to, Label{ID: l.ID, SpaceID: l.SpaceID, Name: l.Name, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt})
		}
	}
	fs, err := st.AllFields(ctx)
	if err != nil {
		return err
	}
	for _, f := range fs {
		m.CustomFields = append(m.CustomFields, CustomField{ID: f.ID, SpaceID: f.SpaceID, Name: f.Name, Type: f.Type, Options: f.Options,
			CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt})
	}
	vs, err := st.AllViews(ctx)
	if err != nil {
		return err
	}
	for _, v := range vs {
		m.Views = append(m.Views, View{ID: v.ID, SpaceID: v.SpaceID, CreatedBy: v.CreatedBy, Name: v.Name, Query: v.Query, Sort: v.Sort,
			ShowOnDashboard: v.ShowOnDashboard, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt})
	}
	return nil
}

// importMetadata restores them, before the documents that refer to them.
func importMetadata(ctx context.Context, st *store.Store, m *Manifest, skip func(error) error) error {
	for _, k := range []struct {
		kind model.LabelKind
		from []Label
	}{{model.Correspondents, m.Correspondents}, {model.DocumentTypes, m.DocumentTypes}} {
		for _, l := range k.from {
			if err := skip(st.ImportLabel(ctx, k.kind, &model.Label{ID: l.ID, SpaceID: l.SpaceID, Name: l.Name,
				CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt})); err != nil {
				return fmt.Errorf("label %s: %w", l.ID, err)
			}
		}
	}
	for _, f := range m.CustomFields {
		if err := skip(st.ImportField(ctx, &model.CustomField{ID: f.ID, SpaceID: f.SpaceID, Name: f.Name, Type: f.Type, Options: f.Options,
			CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt})); err != nil {
			return fmt.Errorf("custom field %s: %w", f.ID, err)
		}
	}
	for _, v := range m.Views {
		if err := skip(st.ImportView(ctx, &model.SavedView{ID: v.ID, SpaceID: v.SpaceID, CreatedBy: v.CreatedBy, Name: v.Name, Query: v.Query,
			Sort: v.Sort, ShowOnDashboard: v.ShowOnDashboard, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt})); err != nil {
			return fmt.Errorf("view %s: %w", v.ID, err)
		}
	}
	return nil
}
