package document

import (
	"context"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// ViewInput is a client's saved view; nil means unchanged. Query is the
// JSON object of list filters, already checked by the caller against the
// list's own parser, and Sort one of the list's sorts.
type ViewInput struct {
	Name            *string
	Query           *string
	Sort            *string
	ShowOnDashboard *bool
	SpaceID         string
}

// ListViews lists the saved views of the user's spaces.
func (s *Service) ListViews(ctx context.Context, a Actor, spaceID string) ([]*model.SavedView, error) {
	spaces, err := s.VisibleSpaces(ctx, a.UserID, spaceID)
	if err != nil {
		return nil, err
	}
	return s.store.ListViews(ctx, spaces)
}

// CreateView saves a view; editors and above.
func (s *Service) CreateView(ctx context.Context, a Actor, in ViewInput) (*model.SavedView, error) {
	name, err := cleanName(in.Name, "view")
	if err != nil {
		return nil, err
	}
	space, err := s.targetSpace(ctx, a.UserID, in.SpaceID, model.RoleEditor)
	if err != nil {
		return nil, err
	}
	v := &model.SavedView{SpaceID: space, CreatedBy: a.UserID, Name: name}
	in.apply(v)
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateView(ctx, v); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, "view.create", "view", v.ID, map[string]any{"name": v.Name, "space_id": v.SpaceID})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (in ViewInput) apply(v *model.SavedView) {
	if in.Query != nil {
		v.Query = *in.Query
	}
	if in.Sort != nil {
		v.Sort = *in.Sort
	}
	if in.ShowOnDashboard != nil {
		v.ShowOnDashboard = *in.ShowOnDashboard
	}
}

func (s *Service) view(ctx context.Context, a Actor, id string, need model.SpaceRole) (*model.SavedView, error) {
	v, err := s.store.ViewByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return v, s.access(ctx, a.UserID, v.SpaceID, need)
}

// UpdateView changes a saved view.
func (s *Service) UpdateView(ctx context.Context, a Actor, id string, in ViewInput) (*model.SavedView, error) {
	v, err := s.view(ctx, a, id, model.RoleEditor)
	if err != nil {
		return nil, err
	}
	oldName := v.Name
	if in.Name != nil {
		if v.Name, err = cleanName(in.Name, "view"); err != nil {
			return nil, err
		}
	}
	in.apply(v)
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateView(ctx, v); err != nil {
			return err
		}
		details := map[string]any{"name": v.Name, "space_id": v.SpaceID}
		if v.Name != oldName {
			details["old_name"] = oldName
		}
		return metaAudit(ctx, tx, a, "view.update", "view", v.ID, details)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// DeleteView removes a saved view.
func (s *Service) DeleteView(ctx context.Context, a Actor, id string) error {
	v, err := s.view(ctx, a, id, model.RoleEditor)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteView(ctx, id); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, "view.delete", "view", id, map[string]any{"name": v.Name, "space_id": v.SpaceID})
	})
}
