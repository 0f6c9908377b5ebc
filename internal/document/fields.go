package document

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
)

// FieldTypes are the types of custom fields.
var FieldTypes = []string{"text", "number", "monetary", "date", "boolean", "url", "select", "document_link"}

// Limits of custom fields.
const (
	MaxFieldText    = 10000 // characters of a text value
	MaxFieldURL     = 2048
	MaxFieldOptions = 200
	MaxOptionLen    = 200
)

// FieldInput is a client's custom field; nil means unchanged.
type FieldInput struct {
	Name    *string
	Type    *string
	Options *[]string
	SpaceID string
}

func cleanOptions(typ string, opts *[]string) ([]string, string) {
	if typ != "select" {
		if opts != nil && len(*opts) > 0 {
			return nil, "Only select fields have options."
		}
		return nil, ""
	}
	if opts == nil || len(*opts) == 0 {
		return nil, "A select field needs at least one option."
	}
	if len(*opts) > MaxFieldOptions {
		return nil, "A select field has at most " + strconv.Itoa(MaxFieldOptions) + " options."
	}
	out := make([]string, 0, len(*opts))
	seen := map[string]bool{}
	for _, o := range *opts {
		o = strings.TrimSpace(o)
		switch {
		case o == "":
			return nil, "Options must not be empty."
		case utf8.RuneCountInString(o) > MaxOptionLen:
			return nil, "An option has at most " + strconv.Itoa(MaxOptionLen) + " characters."
		case seen[strings.ToLower(o)]:
			return nil, "Options must be unique."
		}
		seen[strings.ToLower(o)] = true
		out = append(out, o)
	}
	return out, ""
}

// ListFields lists the custom fields of the user's spaces.
func (s *Service) ListFields(ctx context.Context, a Actor, spaceID string) ([]*model.CustomField, error) {
	spaces, err := s.VisibleSpaces(ctx, a.UserID, spaceID)
	if err != nil {
		return nil, err
	}
	return s.store.ListFields(ctx, spaces)
}

// CreateField adds a custom field; admins of the space and above.
func (s *Service) CreateField(ctx context.Context, a Actor, in FieldInput) (*model.CustomField, error) {
	fields := map[string]string{}
	name, err := cleanName(in.Name, "field")
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			return nil, err
		}
		fields["name"] = ae.Fields["name"]
	}
	typ := ""
	if in.Type == nil || !slices.Contains(FieldTypes, *in.Type) {
		fields["type"] = "One of " + strings.Join(FieldTypes, ", ") + "."
	} else {
		typ = *in.Type
	}
	var opts []string
	if typ != "" {
		var why string
		if opts, why = cleanOptions(typ, in.Options); why != "" {
			fields["options"] = why
		}
	}
	if len(fields) > 0 {
		return nil, apperr.Fields("Some fields need attention.", fields)
	}
	space, err := s.targetSpace(ctx, a.UserID, in.SpaceID, model.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f := &model.CustomField{SpaceID: space, Name: name, Type: typ, Options: opts}
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateField(ctx, f); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, "field.create", "field", f.ID, map[string]any{"name": name, "type": typ, "space_id": space})
	})
	if err != nil {
		return nil, nameConflict(err, "field", name)
	}
	return s.store.FieldByID(ctx, f.ID)
}

// field is a custom field the user may act on with role need.
func (s *Service) field(ctx context.Context, a Actor, id string, need model.SpaceRole) (*model.CustomField, error) {
	f, err := s.store.FieldByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return f, s.access(ctx, a.UserID, f.SpaceID, need)
}

// UpdateField renames a field or changes a select field's options (values
// no longer among them are removed); its type never changes (422).
func (s *Service) UpdateField(ctx context.Context, a Actor, id string, in FieldInput) (*model.CustomField, error) {
	f, err := s.field(ctx, a, id, model.RoleAdmin)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	var name *string
	if in.Name != nil {
		n, err := cleanName(in.Name, "field")
		if err != nil {
			return nil, err
		}
		name = &n
	}
	if in.Type != nil && *in.Type != f.Type {
		fields["type"] = "The type of a field cannot change; create a new field instead."
	}
	var opts []string
	if in.Options != nil {
		var why string
		if opts, why = cleanOptions(f.Type, in.Options); why != "" {
			fields["options"] = why
		}
	}
	if len(fields) > 0 {
		return nil, apperr.Fields("Some fields need attention.", fields)
	}
	var out *model.CustomField
	err = s.store.WithTx(ctx, func(tx *store.Store) error {
		var err error
		if out, err = tx.UpdateField(ctx, id, name, opts); err != nil {
			return err
		}
		details := map[string]any{"name": out.Name, "space_id": out.SpaceID}
		if out.Name != f.Name {
			details["old_name"] = f.Name
		}
		return metaAudit(ctx, tx, a, "field.update", "field", id, details)
	})
	if err != nil {
		n := f.Name
		if name != nil {
			n = *name
		}
		return nil, nameConflict(err, "field", n)
	}
	return out, nil
}

// DeleteField removes a field and all its values.
func (s *Service) DeleteField(ctx context.Context, a Actor, id string) error {
	f, err := s.field(ctx, a, id, model.RoleAdmin)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteField(ctx, id); err != nil {
			return err
		}
		return metaAudit(ctx, tx, a, "field.delete", "field", id, map[string]any{"name": f.Name, "space_id": f.SpaceID})
	})
}

var monetaryRE = regexp.MustCompile(`^([A-Z]{3})(-?[0-9]{1,13})(?:\.([0-9]{1,2}))?$`)

// FieldValue checks a JSON value against the field's type and returns it
// in stored form, or a reason to show the user. A document_link value is
// only checked to be an id here; the caller checks the document.
func FieldValue(f *model.CustomField, raw json.RawMessage) (*model.FieldValue, string) {
	v := &model.FieldValue{FieldID: f.ID, Name: f.Name, Type: f.Type}
	var str string
	isString := json.Unmarshal(raw, &str) == nil && bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`))
	switch f.Type {
	case "text":
		if !isString {
			return nil, "A text."
		}
		if utf8.RuneCountInString(str) > MaxFieldText {
			return nil, "At most " + strconv.Itoa(MaxFieldText) + " characters."
		}
		if strings.ContainsRune(str, 0) {
			return nil, "Text must not contain NUL characters."
		}
		v.Value = str
	case "number":
		var n float64
		if isString || json.Unmarshal(raw, &n) != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, "A number."
		}
		v.Value, v.Num = strconv.FormatFloat(n, 'f', -1, 64), &n
	case "monetary":
		m := monetaryRE.FindStringSubmatch(str)
		if !isString || m == nil {
			return nil, `An amount with its ISO 4217 currency, like "EUR12.50".`
		}
		cents := (m[3] + "00")[:2]
		v.Value = m[1] + m[2] + "." + cents
		n, _ := strconv.ParseFloat(m[2]+"."+cents, 64)
		v.Num = &n
	case "date":
		if !isString || !validDate(str) {
			return nil, "A date, YYYY-MM-DD."
		}
		v.Value = str
	case "boolean":
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, "true or false."
		}
		v.Value = strconv.FormatBool(b)
	case "url":
		u, err := url.Parse(str)
		if !isString || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(str) > MaxFieldURL {
			return nil, "An http or https address."
		}
		v.Value = str
	case "select":
		if !isString || !slices.Contains(f.Options, str) {
			return nil, "One of the field's options."
		}
		v.Value = str
	case "document_link":
		if !isString || str == "" || len(str) > 64 {
			return nil, "A document id."
		}
		v.Value = str
	default:
		return nil, "This field's type is unknown."
	}
	return v, ""
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}
