package document

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// MetaUpdate is a change to documents' metadata; a Set flag says the
// value is to be written ("" / nil clears it).
type MetaUpdate struct {
	SetDate          bool
	Date             string // YYYY-MM-DD
	SetCorrespondent bool
	CorrespondentID  string
	SetDocumentType  bool
	DocumentTypeID   string
	Fields           []FieldSet
}

// FieldSet is one custom field's new value; a JSON null removes it.
type FieldSet struct {
	FieldID string
	Value   json.RawMessage
}

func (m MetaUpdate) empty() bool {
	return !m.SetDate && !m.SetCorrespondent && !m.SetDocumentType && len(m.Fields) == 0
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// changed names what the update changes, for the audit log (never values).
func (m MetaUpdate) changed() map[string]any {
	var what []string
	if m.SetDate {
		what = append(what, "document_date")
	}
	if m.SetCorrespondent {
		what = append(what, "correspondent")
	}
	if m.SetDocumentType {
		what = append(what, "document_type")
	}
	out := map[string]any{}
	if len(m.Fields) > 0 {
		what = append(what, "custom_fields")
		ids := make([]string, len(m.Fields))
		for i, f := range m.Fields {
			ids[i] = f.FieldID
		}
		out["field_ids"] = ids
	}
	out["changed"] = what
	return out
}

// applyMeta checks the update against the documents (all in one space,
// where the actor is an editor) and writes it. Objects of another space,
// or made up, are store.ErrNotFound; values of the wrong type are 422 with
// errors keyed by the field's id.
func (s *Service) applyMeta(ctx context.Context, tx *store.Store, a Actor, space string, docIDs []string, m MetaUpdate) error {
	if m.SetDate && m.Date != "" && !validDate(m.Date) {
		return apperr.Fields("The date cannot be used.", map[string]string{"document_date": "A date, YYYY-MM-DD, or null."})
	}
	labels := []struct {
		set  bool
		id   string
		kind model.LabelKind
	}{{m.SetCorrespondent, m.CorrespondentID, model.Correspondents}, {m.SetDocumentType, m.DocumentTypeID, model.DocumentTypes}}
	for _, l := range labels {
		if !l.set || l.id == "" {
			continue
		}
		lb, err := tx.LabelByID(ctx, l.kind, l.id)
		if err != nil {
			return err
		}
		if lb.SpaceID != space {
			return fmt.Errorf("%s: %w", labelNoun(l.kind), store.ErrNotFound)
		}
	}
	values := make([]*model.FieldValue, len(m.Fields))
	if len(m.Fields) > 0 {
		ids := make([]string, len(m.Fields))
		for i, f := range m.Fields {
			ids[i] = f.FieldID
		}
		known, err := tx.FieldsByIDs(ctx, space, ids)
		if err != nil {
			return err
		}
		bad := map[string]string{}
		for i, fs := range m.Fields {
			j := slices.IndexFunc(known, func(f *model.CustomField) bool { return f.ID == fs.FieldID })
			if j < 0 {
				return fmt.Errorf("custom field: %w", store.ErrNotFound)
			}
			if isNull(fs.Value) {
				continue
			}
			v, why := FieldValue(known[j], fs.Value)
			if why != "" {
				bad[fs.FieldID] = why
				continue
			}
			if known[j].Type == "document_link" {
				if err := s.linkable(ctx, tx, a, space, v.Value); err != nil {
					return err
				}
			}
			values[i] = v
		}
		if len(bad) > 0 {
			return apperr.Fields("Some custom field values do not fit their fields.", bad)
		}
	}
	if m.SetDate {
		if err := tx.SetDocumentsDate(ctx, docIDs, m.Date); err != nil {
			return err
		}
	}
	for _, l := range labels {
		if l.set {
			if err := tx.SetDocumentsLabel(ctx, l.kind, docIDs, l.id); err != nil {
				return err
			}
		}
	}
	for i, fs := range m.Fields {
		if err := tx.SetDocumentsField(ctx, docIDs, fs.FieldID, values[i]); err != nil {
			return err
		}
	}
	return nil
}

// linkable checks that a linked document is one of the space's that the
// actor can see (store.ErrNotFound otherwise).
func (s *Service) linkable(ctx context.Context, tx *store.Store, a Actor, space, docID string) error {
	docs, err := tx.DocumentsByIDs(ctx, []string{docID})
	if err != nil {
		return err
	}
	if len(docs) != 1 || documentSpace(docs[0]) != space {
		return fmt.Errorf("linked document: %w", store.ErrNotFound)
	}
	return s.access(ctx, a.UserID, space, model.RoleViewer)
}
