package mailin

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// RuleInput is a new rule or a change; a nil field keeps the old value
// (a new rule takes the defaults).
type RuleInput struct {
	AccountID               *string
	Name                    *string
	Folder                  *string
	From, Subject, Body     *string
	MaxAgeDays              *int
	Consume                 *string
	AttachmentTypes         *[]string
	IncludeInline           *bool
	After                   *string
	MoveTo                  *string
	TopicIDs                *[]string
	CorrespondentFromSender *bool
	Enabled                 *bool
	Order                   *int
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (in RuleInput) apply(r *model.MailRule) error {
	set(&r.Name, in.Name)
	set(&r.Folder, in.Folder)
	set(&r.From, in.From)
	set(&r.Subject, in.Subject)
	set(&r.Body, in.Body)
	set(&r.MaxAgeDays, in.MaxAgeDays)
	set(&r.Consume, in.Consume)
	set(&r.AttachmentTypes, in.AttachmentTypes)
	set(&r.IncludeInline, in.IncludeInline)
	set(&r.After, in.After)
	set(&r.MoveTo, in.MoveTo)
	set(&r.TopicIDs, in.TopicIDs)
	set(&r.CorrespondentFromSender, in.CorrespondentFromSender)
	set(&r.Enabled, in.Enabled)
	set(&r.Order, in.Order)
	r.Name, r.Folder, r.MoveTo = strings.TrimSpace(r.Name), strings.TrimSpace(r.Folder), strings.TrimSpace(r.MoveTo)
	if r.Folder == "" {
		r.Folder = "INBOX"
	}
	fields := map[string]string{}
	if r.Name == "" || len(r.Name) > 200 {
		fields["name"] = "is required, at most 200 bytes"
	}
	for name, v := range map[string]string{"from": r.From, "subject": r.Subject, "body": r.Body, "folder": r.Folder, "move_to": r.MoveTo} {
		if len(v) > 500 || strings.ContainsAny(v, "\r\n\x00") {
			fields[name] = "at most 500 bytes on one line"
		}
	}
	if r.MaxAgeDays < 0 || r.MaxAgeDays > 36500 {
		fields["max_age_days"] = "between 0 (any age) and 36500"
	}
	if !slices.Contains([]string{"attachments", "message", "both"}, r.Consume) {
		fields["consume"] = `must be "attachments", "message" or "both"`
	}
	if !slices.Contains([]string{"mark_read", "flag", "move", "delete"}, r.After) {
		fields["after"] = `must be "mark_read", "flag", "move" or "delete"`
	}
	if r.After == "move" && r.MoveTo == "" {
		fields["move_to"] = `is required when after is "move"`
	}
	if r.After == "move" && r.MoveTo == r.Folder {
		fields["move_to"] = "must differ from the folder"
	}
	if len(r.AttachmentTypes) > 50 {
		fields["attachment_types"] = "at most 50"
	}
	for _, t := range r.AttachmentTypes {
		if t = strings.TrimSpace(t); t == "" || len(t) > 100 || strings.Contains(t, ",") {
			fields["attachment_types"] = "MIME types (application/pdf, image/*) or extensions (.pdf)"
		}
	}
	if len(r.TopicIDs) > 50 {
		fields["topic_ids"] = "at most 50"
	}
	if len(fields) > 0 {
		return apperr.Fields("invalid mail rule", fields)
	}
	for i, t := range r.AttachmentTypes {
		r.AttachmentTypes[i] = strings.ToLower(strings.TrimSpace(t))
	}
	return nil
}

// checkTopics makes sure every topic is of the space the account's
// documents go to: 404 otherwise.
func (s *Service) checkTopics(ctx context.Context, spaceID string, ids []string) error {
	for _, id := range ids {
		if _, err := s.store.Topic(ctx, spaceID, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return apperr.New(apperr.NotFound, "topic %q not found", id)
			}
			return err
		}
	}
	return nil
}

// CreateRule adds a rule to one of the owner's accounts. Errors: 404 for
// another user's account or topic, 400 for invalid fields.
func (s *Service) CreateRule(ctx context.Context, ownerID string, in RuleInput) (*model.MailRule, error) {
	r := &model.MailRule{OwnerID: ownerID, Enabled: true, Consume: "attachments", After: "mark_read",
		AttachmentTypes: []string{}, TopicIDs: []string{}}
	if in.AccountID == nil || *in.AccountID == "" {
		return nil, apperr.Fields("invalid mail rule", map[string]string{"account_id": "is required"})
	}
	r.AccountID = *in.AccountID
	if err := in.apply(r); err != nil {
		return nil, err
	}
	acc, err := s.store.MailAccount(ctx, ownerID, r.AccountID)
	if err != nil {
		return nil, err
	}
	if err := s.checkTopics(ctx, acc.SpaceID, r.TopicIDs); err != nil {
		return nil, err
	}
	if err := s.store.CreateMailRule(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateRule changes one of the owner's rules (not its account).
func (s *Service) UpdateRule(ctx context.Context, ownerID, id string, in RuleInput) (*model.MailRule, error) {
	r, err := s.store.MailRule(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if in.AccountID != nil && *in.AccountID != r.AccountID {
		return nil, apperr.Fields("invalid mail rule", map[string]string{"account_id": "cannot change; add a new rule"})
	}
	if err := in.apply(r); err != nil {
		return nil, err
	}
	acc, err := s.store.MailAccount(ctx, ownerID, r.AccountID)
	if err != nil {
		return nil, err
	}
	if err := s.checkTopics(ctx, acc.SpaceID, r.TopicIDs); err != nil {
		return nil, err
	}
	if err := s.store.UpdateMailRule(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}
