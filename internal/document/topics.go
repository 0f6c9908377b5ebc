package document

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// TopicInput is a client's topic fields; nil means unchanged.
type TopicInput struct {
	Name        *string
	Description *string
	Color       *string
}

func (in *TopicInput) validate(creating bool) error {
	fields := map[string]string{}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		in.Name = &n
		switch {
		case n == "":
			fields["name"] = "Give the topic a name."
		case utf8.RuneCountInString(n) > 100:
			fields["name"] = "The name must be at most 100 characters."
		case strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			fields["name"] = "The name must not contain control characters."
		}
	} else if creating {
		fields["name"] = "Give the topic a name."
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > 2000 {
		fields["description"] = "The description must be at most 2000 characters."
	}
	if in.Color != nil && *in.Color != "" && !colorRE.MatchString(*in.Color) {
		fields["color"] = "The colour must look like #1a7f5a."
	}
	if len(fields) > 0 {
		return apperr.Fields("Some fields need attention.", fields)
	}
	return nil
}

func topicConflict(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return apperr.New(apperr.Conflict, "you already have a topic named %q", name)
	}
	return err
}

// CreateTopic adds a topic; a duplicate name (any case) is 409.
func (s *Service) CreateTopic(ctx context.Context, a Actor, in TopicInput) (*model.Topic, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	t := &model.Topic{OwnerID: a.owner(), SpaceID: a.space(), Name: *in.Name}
	if in.Description != nil {
		t.Description = *in.Description
	}
	if in.Color != nil {
		t.Color = *in.Color
	}
	if err := s.store.CreateTopic(ctx, t); err != nil {
		return nil, topicConflict(err, t.Name)
	}
	return t, nil
}

// UpdateTopic renames, recolours or describes a topic.
func (s *Service) UpdateTopic(ctx context.Context, a Actor, id string, in TopicInput) (*model.Topic, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	t, err := s.store.UpdateTopic(ctx, a.space(), id, store.TopicUpdate{Name: in.Name, Description: in.Description, Color: in.Color})
	if err != nil {
		name := ""
		if in.Name != nil {
			name = *in.Name
		}
		return nil, topicConflict(err, name)
	}
	return t, nil
}
