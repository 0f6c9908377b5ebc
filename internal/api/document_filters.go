package api

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
)

// documentFilters are the filters of GET /api/documents, and of a saved
// view's query; repeatable ones may be given more than once.
var documentFilters = []string{"q", "topic_id", "no_topic", "status", "source", "correspondent_id", "document_type_id",
	"date_from", "date_to", "created_from", "created_to", "mime_type", "field"}

var repeatableFilters = []string{"topic_id", "field"}

// documentSorts are the orders GET /api/documents takes.
var documentSorts = append([]string{"relevance"}, store.DocumentSorts()...)

var documentSources = []string{model.SourceUpload, model.SourceConsume, model.SourceImport, model.SourceAPI, model.SourceMail}

var mimeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$`)

func badFilter(name, why string) error {
	return &apperr.Error{Kind: apperr.Invalid, Message: name + ": " + why, Fields: map[string]string{name: why}}
}

// documentQuery is a parsed list request: the filter and, when there are
// words to look for, the search text (field terms of the search box taken
// out into the filter).
type documentQuery struct {
	f    store.DocumentFilter
	text string
}

// parseDocumentQuery reads the list's filters and sort from q (the names
// already checked), the one parser of both GET /api/documents and saved
// views. It answers 400 naming the filter for a bad value.
func (s *Server) parseDocumentQuery(ctx context.Context, userID string, q url.Values) (documentQuery, error) {
	var out documentQuery
	f := &out.f
	for _, name := range documentFilters {
		if len(q[name]) > 1 && !slices.Contains(repeatableFilters, name) {
			return out, badFilter(name, "given more than once")
		}
	}
	f.TopicIDs = q["topic_id"]
	f.Status, f.Source, f.Sort = q.Get("status"), q.Get("source"), q.Get("sort")
	f.CorrespondentID, f.DocumentTypeID, f.MIMEType = q.Get("correspondent_id"), q.Get("document_type_id"), q.Get("mime_type")
	if f.Source != "" && !slices.Contains(documentSources, f.Source) {
		return out, badFilter("source", strings.Join(documentSources, ", "))
	}
	switch f.Status {
	case "", model.StatusProcessing, model.StatusReady, model.StatusFailed:
	default:
		return out, badFilter("status", "processing, ready or failed")
	}
	if f.Sort != "" && !slices.Contains(documentSorts, f.Sort) {
		return out, badFilter("sort", strings.Join(documentSorts, ", "))
	}
	if f.MIMEType != "" && !mimeRE.MatchString(f.MIMEType) {
		return out, badFilter("mime_type", "a media type such as application/pdf")
	}
	if v := q.Get("no_topic"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return out, badFilter("no_topic", "true or false")
		}
		f.NoTopic = b
	}
	for _, d := range []struct {
		name string
		to   *string
	}{{"date_from", &f.DateFrom}, {"date_to", &f.DateTo}} {
		if v := q.Get(d.name); v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil || len(v) != 10 {
				return out, badFilter(d.name, "a date, YYYY-MM-DD")
			}
			*d.to = v
		}
	}
	var err error
	if f.CreatedFrom, err = createdBound(q.Get("created_from"), false); err != nil {
		return out, badFilter("created_from", "a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	if f.CreatedBefore, err = createdBound(q.Get("created_to"), true); err != nil {
		return out, badFilter("created_to", "a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	if len(q["field"]) > 0 {
		if err := s.parseFieldFilters(ctx, userID, q["field"], f); err != nil {
			return out, err
		}
	}
	if text := q.Get("q"); text != "" {
		rest, ft, err := searchquery.ExtractFields(text)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), searchquery.ErrInvalidQuery.Error()+": ")
			return out, &apperr.Error{Kind: apperr.Invalid, Message: "search: " + msg, Fields: map[string]string{"q": msg}}
		}
		applyFieldTerms(f, ft)
		out.text = rest
	}
	return out, nil
}

// applyFieldTerms adds the search box's field terms to the filter.
func applyFieldTerms(f *store.DocumentFilter, ft searchquery.FieldTerms) {
	one := func(names []string, to *string) {
		for _, n := range names {
			if *to != "" && store.NameKey(*to) != store.NameKey(n) {
				f.Nothing = true // two different names: nothing has both
			}
			*to = n
		}
	}
	one(ft.Correspondents, &f.CorrespondentName)
	one(ft.Types, &f.DocumentTypeName)
	f.TopicNames = append(f.TopicNames, ft.Tags...)
	if ft.DateFrom != "" && (f.DateFrom == "" || ft.DateFrom > f.DateFrom) {
		f.DateFrom = ft.DateFrom
	}
	if ft.DateTo != "" && (f.DateTo == "" || ft.DateTo < f.DateTo) {
		f.DateTo = ft.DateTo
	}
}

// createdBound reads created_from (inclusive) or created_to (inclusive,
// returned as the exclusive bound after it): a date means the whole UTC day.
func createdBound(v string, upper bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if len(v) == 10 {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return time.Time{}, err
		}
		if upper {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, err
	}
	if upper {
		t = t.Add(time.Nanosecond)
	}
	return t.UTC(), nil
}

// parseFieldFilters reads field=<field_id>:<op>:<value>. A field the user
// cannot see matches nothing, like a made-up topic id.
func (s *Server) parseFieldFilters(ctx context.Context, userID string, vals []string, f *store.DocumentFilter) error {
	const how = "<field_id>:<op>:<value>, op one of eq, ne, gt, gte, lt, lte, contains, exists"
	if len(vals) > 20 {
		return badFilter("field", "at most 20 field filters")
	}
	spaces, err := s.deps.Documents.VisibleSpaces(ctx, userID, "")
	if err != nil {
		return err
	}
	for _, v := range vals {
		parts := strings.SplitN(v, ":", 3)
		if len(parts) < 2 || parts[0] == "" || !slices.Contains(store.FieldOps, parts[1]) {
			return badFilter("field", how)
		}
		ff := store.FieldFilter{FieldID: parts[0], Op: parts[1]}
		if len(parts) == 3 {
			ff.Text = parts[2]
		}
		if len(ff.Text) > 1000 {
			return badFilter("field", "the value is too long")
		}
		field, err := s.deps.Store.FieldByID(ctx, ff.FieldID)
		if apperr.KindOf(toAppError(err)) == apperr.NotFound || (err == nil && !slices.Contains(spaces, field.SpaceID)) {
			f.Nothing = true
			continue
		}
		if err != nil {
			return err
		}
		if why := fieldFilterValue(field, &ff); why != "" {
			return badFilter("field", field.Name+": "+why)
		}
		f.Fields = append(f.Fields, ff)
	}
	return nil
}

// fieldFilterValue reads the filter's value for the field's type.
func fieldFilterValue(field *model.CustomField, ff *store.FieldFilter) string {
	switch ff.Op {
	case "exists":
		switch ff.Text {
		case "", "true":
			ff.Text = "true"
		case "false":
		default:
			return "exists takes true or false"
		}
		return ""
	case "contains":
		if ff.Text == "" {
			return "contains needs a value"
		}
		return ""
	}
	switch field.Type {
	case "number", "monetary":
		v := ff.Text
		if field.Type == "monetary" && len(v) > 3 && strings.ToUpper(v[:3]) == v[:3] && v[0] >= 'A' && v[0] <= 'Z' {
			ff.Currency, v = v[:3], v[3:]
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "a number"
		}
		ff.Num = &n
	case "date":
		if _, err := time.Parse(time.DateOnly, ff.Text); err != nil {
			return "a date, YYYY-MM-DD"
		}
	case "boolean":
		if ff.Text != "true" && ff.Text != "false" {
			return "true or false"
		}
		if ff.Op != "eq" && ff.Op != "ne" {
			return "a boolean compares with eq or ne"
		}
	}
	return ""
}

// viewQuery checks a saved view's query object with the list's own
// parser: an unknown filter or a bad value is 422 naming it. It returns
// the query as stored JSON.
func (s *Server) viewQuery(ctx context.Context, userID string, raw map[string]any) (url.Values, error) {
	q := url.Values{}
	for name, v := range raw {
		if !slices.Contains(documentFilters, name) {
			return nil, fieldsError("query", "unknown filter "+strconv.Quote(name)+"; a view's query takes "+strings.Join(documentFilters, ", "))
		}
		vals, ok := filterValues(v)
		if !ok {
			return nil, fieldsError("query", name+": a string, number, boolean, or for "+strings.Join(repeatableFilters, " and ")+" a list of them")
		}
		q[name] = vals
	}
	if _, err := s.parseDocumentQuery(ctx, userID, q); err != nil {
		ae := toAppError(err)
		if ae.Kind == apperr.Invalid {
			return nil, fieldsError("query", ae.Message)
		}
		return nil, err
	}
	return q, nil
}

func fieldsError(name, why string) error {
	return apperr.Fields("The saved view cannot be used.", map[string]string{name: why})
}

func filterValues(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case bool:
		return []string{strconv.FormatBool(x)}, true
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := filterValues(e)
			if !ok || len(s) != 1 {
				return nil, false
			}
			out = append(out, s[0])
		}
		return out, true
	}
	return nil, false
}
