package document

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/lifecycle"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// MaxBulkDocuments is how many documents one bulk change may name.
const MaxBulkDocuments = 1000

// BulkActions are the actions of POST /api/documents/bulk.
var BulkActions = []string{"add_topics", "remove_topics", "set_correspondent", "set_document_type", "set_field",
	"set_date", "trash", "reprocess", "move"}

// Bulk is one change to many documents.
type Bulk struct {
	DocumentIDs []string
	Action      string
	TopicIDs    []string
	Meta        MetaUpdate // set_correspondent, set_document_type, set_field, set_date
	SpaceID     string     // move
}

// Bulk applies the change to every document, all or nothing, in one
// transaction with set-based statements: one document that is missing,
// trashed or not the actor's to edit (404 or 403), one topic, label or
// field of another space (404), one value of the wrong type (422), and
// nothing changes. It returns how many documents it updated.
func (s *Service) Bulk(ctx context.Context, a Actor, b Bulk) (int, error) {
	ids := dedupe(b.DocumentIDs)
	switch {
	case len(ids) == 0:
		return 0, apperr.Fields("Name the documents to change.", map[string]string{"document_ids": "At least one document id."})
	case len(ids) > MaxBulkDocuments:
		return 0, apperr.Fields("Too many documents.", map[string]string{"document_ids": "At most " + strconv.Itoa(MaxBulkDocuments) + " documents at once."})
	case !slices.Contains(BulkActions, b.Action):
		return 0, apperr.Fields("Unknown action.", map[string]string{"action": "One of " + strings.Join(BulkActions, ", ") + "."})
	case (b.Action == "add_topics" || b.Action == "remove_topics") && len(b.TopicIDs) == 0:
		return 0, apperr.Fields("Name the topics.", map[string]string{"topic_ids": "At least one topic id."})
	case b.Action == "set_field" && (len(b.Meta.Fields) != 1 || b.Meta.Fields[0].FieldID == ""):
		return 0, apperr.Fields("Name the field.", map[string]string{"field_id": "The field to set."})
	case b.Action == "move" && b.SpaceID == "":
		return 0, apperr.Fields("Name the space.", map[string]string{"space_id": "The space to move the documents to."})
	}
	err := s.store.WithTx(ctx, func(tx *store.Store) error {
		docs, err := tx.DocumentsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		if len(docs) != len(ids) {
			return fmt.Errorf("bulk: a document: %w", store.ErrNotFound)
		}
		bySpace := map[string][]string{}
		var spaces []string
		for _, d := range docs {
			sp := documentSpace(d)
			if _, ok := bySpace[sp]; !ok {
				spaces = append(spaces, sp)
			}
			bySpace[sp] = append(bySpace[sp], d.ID)
		}
		for _, sp := range spaces {
			if err := s.access(ctx, a.UserID, sp, model.RoleEditor); err != nil {
				return err
			}
		}
		for _, sp := range spaces {
			if err := s.bulkSpace(ctx, tx, a, b, sp, bySpace[sp], docs); err != nil {
				return err
			}
		}
		details := map[string]any{"action": b.Action, "count": len(ids), "document_ids": ids}
		if b.Action == "set_field" {
			details["field_ids"] = []string{b.Meta.Fields[0].FieldID}
		}
		return tx.AppendAudit(ctx, &model.AuditEntry{ActorID: a.UserID, Action: "document.bulk", TargetType: "document",
			TargetID: ids[0], IP: a.IP, UserAgent: a.UserAgent, Details: details})
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// bulkSpace applies the change to the documents of one space.
func (s *Service) bulkSpace(ctx context.Context, tx *store.Store, a Actor, b Bulk, space string, ids []string, docs []*model.Document) error {
	switch b.Action {
	case "add_topics", "remove_topics":
		// Topics belong to their owner, whose personal space the documents are in.
		ts, err := tx.TopicsByIDs(ctx, space, b.TopicIDs)
		if err != nil {
			return err
		}
		if len(ts) != len(dedupe(b.TopicIDs)) {
			return fmt.Errorf("bulk: a topic: %w", store.ErrNotFound)
		}
		if b.Action == "add_topics" {
			return tx.AddDocumentsTopics(ctx, ids, b.TopicIDs)
		}
		return tx.RemoveDocumentsTopics(ctx, ids, b.TopicIDs)
	case "set_correspondent", "set_document_type", "set_field", "set_date":
		return s.applyMeta(ctx, tx, a, space, ids, b.Meta)
	case "trash":
		return tx.TrashDocuments(ctx, ids)
	case "reprocess":
		for _, d := range docs {
			if documentSpace(d) == space && placed(d) {
				return apperr.New(apperr.Conflict, "a document lives in your cloud drive; choose system storage and migrate to reprocess it")
			}
		}
		if err := lifecycle.Reprocess(ctx, tx, ids); err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.jobs.EnqueueProcess(ctx, tx, id, true); err != nil {
				return err
			}
		}
		return nil
	case "move":
		if err := s.access(ctx, a.UserID, b.SpaceID, model.RoleEditor); err != nil {
			return err
		}
		target, err := tx.SpaceByID(ctx, b.SpaceID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if documentSpace(d) != space {
				continue
			}
			if err := tx.MoveDocument(ctx, d, target); err != nil {
				switch {
				case errors.Is(err, store.ErrQuota):
					return apperr.New(apperr.QuotaExceeded, "the documents do not fit in the quota of the target space's owner")
				case errors.Is(err, store.ErrPlacedElsewhere):
					return apperr.New(apperr.Conflict, "a document's original lives in a cloud drive of its space's owner; bring it back to system storage before moving it to a space of someone else")
				}
				return err
			}
		}
		return nil
	}
	return nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
