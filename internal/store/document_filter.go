package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// DocumentFilter narrows ListDocuments and SearchDocuments; every set
// condition must match.
type DocumentFilter struct {
	TopicID  string   // kept for callers of one topic; joins TopicIDs
	TopicIDs []string // every one of them
	NoTopic  bool
	Status   string
	Source   string // a source kind, e.g. SourceMail
	MIMEType string

	CorrespondentID string
	DocumentTypeID  string
	// By name, case-insensitively (the search box's correspondent:,
	// type: and tag:); a name nobody uses matches nothing.
	CorrespondentName string
	DocumentTypeName  string
	TopicNames        []string

	DateFrom, DateTo string    // document date, YYYY-MM-DD, inclusive
	CreatedFrom      time.Time // inclusive
	CreatedBefore    time.Time // exclusive
	Fields           []FieldFilter
	// Nothing: the filter matches no document (an unknown field id).
	Nothing bool

	// Sort: "-created_at" (default, newest first), "created_at", "title",
	// "-title", "document_date", "-document_date", "correspondent",
	// "size_bytes", "-size_bytes"; searches also "relevance".
	Sort    string
	Trashed bool // list the trash instead
	// SpaceID narrows to one space (of the caller's); "" is every space
	// the caller belongs to.
	SpaceID string
}

// Field filter operators.
var FieldOps = []string{"eq", "ne", "gt", "gte", "lt", "lte", "contains", "exists"}

// FieldFilter is one condition on a custom field's value: Text compares
// the normalised text (dates compare as dates, being YYYY-MM-DD); with Num
// set the number or monetary amount compares numerically, and Currency
// (monetary) must match too. Exists with Text "false" is "has no value";
// ne matches documents without an equal value, those without a value too.
type FieldFilter struct {
	FieldID  string
	Op       string
	Text     string
	Num      *float64
	Currency string
	// few: at most fewValues values match (see narrowFields).
	few bool
}

var sqlOps = map[string]string{"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

// docSpace is the column of a document's space.
const docSpace = "d.space_id"

// filterSQL is the WHERE conditions of f on documents d (live or trashed
// as f says); arg adds a query argument and returns its placeholder.
func filterSQL(f DocumentFilter, arg func(any) string) []string { return spaceFilterSQL(f, arg, "") }

// spaceFilterSQL is filterSQL for the documents of one space (any when
// space is ""): a correspondent, type or topic named by the search box is
// then the space's one of that name (a space's documents only have the
// space's), an equality an index can seek.
func spaceFilterSQL(f DocumentFilter, arg func(any) string, space string) []string {
	var w []string
	if f.Trashed {
		w = append(w, "d.deleted_at IS NOT NULL")
	} else {
		w = append(w, "d.deleted_at IS NULL")
	}
	if f.Nothing {
		w = append(w, "1 = 0")
	}
	if f.SpaceID != "" {
		w = append(w, "d.space_id = "+arg(f.SpaceID))
	}
	if f.Status != "" {
		w = append(w, "d.status = "+arg(f.Status))
	}
	if f.Source != "" {
		w = append(w, "d.source_kind = "+arg(f.Source))
	}
	if f.MIMEType != "" {
		w = append(w, "d.mime_type = "+arg(f.MIMEType))
	}
	topics := f.TopicIDs
	if f.TopicID != "" {
		topics = append([]string{f.TopicID}, topics...)
	}
	for _, t := range dedupe(topics) {
		w = append(w, "EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = "+arg(t)+")")
	}
	for _, name := range dedupe(f.TopicNames) {
		if space != "" {
			w = append(w, "EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.topic_id = (SELECT t.id FROM topics t WHERE t.space_id = "+
				arg(space)+" AND t.name_key = "+arg(NameKey(name))+"))")
			continue
		}
		w = append(w, "EXISTS (SELECT 1 FROM document_topics dt JOIN topics t ON t.id = dt.topic_id WHERE dt.document_id = d.id AND t.name_key = "+arg(NameKey(name))+")")
	}
	if f.NoTopic {
		w = append(w, "NOT EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id)")
	}
	if f.CorrespondentID != "" {
		w = append(w, "d.correspondent_id = "+arg(f.CorrespondentID))
	}
	if f.DocumentTypeID != "" {
		w = append(w, "d.document_type_id = "+arg(f.DocumentTypeID))
	}
	if f.CorrespondentName != "" && space != "" {
		w = append(w, "d.correspondent_id = (SELECT c.id FROM correspondents c WHERE c.space_id = "+arg(space)+" AND c.name_key = "+arg(NameKey(f.CorrespondentName))+")")
	} else if f.CorrespondentName != "" {
		w = append(w, "d.correspondent_id IN (SELECT c.id FROM correspondents c WHERE c.name_key = "+arg(NameKey(f.CorrespondentName))+")")
	}
	if f.DocumentTypeName != "" && space != "" {
		w = append(w, "d.document_type_id = (SELECT dty.id FROM document_types dty WHERE dty.space_id = "+arg(space)+" AND dty.name_key = "+arg(NameKey(f.DocumentTypeName))+")")
	} else if f.DocumentTypeName != "" {
		w = append(w, "d.document_type_id IN (SELECT dty.id FROM document_types dty WHERE dty.name_key = "+arg(NameKey(f.DocumentTypeName))+")")
	}
	if f.DateFrom != "" {
		w = append(w, "d.document_date >= "+arg(f.DateFrom))
	}
	if f.DateTo != "" {
		w = append(w, "d.document_date <= "+arg(f.DateTo))
	}
	if !f.CreatedFrom.IsZero() {
		w = append(w, "d.created_at >= "+arg(f.CreatedFrom.UTC()))
	}
	if !f.CreatedBefore.IsZero() {
		w = append(w, "d.created_at < "+arg(f.CreatedBefore.UTC()))
	}
	for _, ff := range f.Fields {
		w = append(w, fieldFilterSQL(ff, arg))
	}
	return w
}

// fieldFilterSQL is the condition of ff on documents d. A filter that
// few values match (narrowFields) is the documents of those values, read
// from the field's values by an index; otherwise each document's value is
// read by the primary key (document_id, field_id) and tested: the
// condition on the value is in the subquery's select list, not its WHERE,
// so that it cannot lead the planner to a range of (field_id, num, ...)
// for each document (SQLite did, without statistics, on every page after
// the first: thousands of index entries per document).
func fieldFilterSQL(ff FieldFilter, arg func(any) string) string {
	if ff.few {
		return "d.id IN (SELECT v.document_id FROM document_field_values v WHERE v.field_id = " + arg(ff.FieldID) + " AND " + fieldCond(ff, arg) + ")"
	}
	value := "FROM document_field_values v WHERE v.document_id = d.id AND v.field_id = " + arg(ff.FieldID)
	switch {
	case ff.Op == "exists" && ff.Text == "false":
		return "NOT EXISTS (SELECT 1 " + value + ")"
	case ff.Op == "exists":
		return "EXISTS (SELECT 1 " + value + ")"
	case ff.Op == "ne":
		return "NOT COALESCE((SELECT " + fieldCond(ff, arg) + " " + value + "), FALSE)"
	}
	return "COALESCE((SELECT " + fieldCond(ff, arg) + " " + value + "), FALSE)"
}

// fieldCond is the condition of ff on a value v of its field (not for
// exists); ne is its equality.
func fieldCond(ff FieldFilter, arg func(any) string) string {
	if ff.Op == "contains" {
		pat := "%" + likeEscaper.Replace(strings.ToLower(ff.Text)) + "%"
		return `LOWER(v.value) LIKE ` + arg(pat) + ` ESCAPE '\'`
	}
	op := sqlOps[ff.Op]
	if ff.Op == "ne" {
		op = "="
	}
	if ff.Num != nil {
		cond := "v.num " + op + " " + arg(*ff.Num)
		if ff.Currency != "" {
			cond += " AND v.value LIKE " + arg(ff.Currency+"%")
		}
		return cond
	}
	return "v.value " + op + " " + arg(ff.Text)
}

// fewValues is the most matching values of a field filter whose documents
// the list looks up by id.
const fewValues = 1000

// narrowFields counts the values of each field filter (at most
// fewValues+1, from the index alone) and marks those that few match: the
// list then looks their documents up by id instead of walking the space in
// its sort's order and testing every document's value (a rare amount
// among 100k documents: thousands of tests). A filter that many values
// match stays a test.
func (s *Store) narrowFields(ctx context.Context, f DocumentFilter) (DocumentFilter, error) {
	var out []FieldFilter
	for _, ff := range f.Fields {
		if ff.Op == "exists" || ff.Op == "ne" {
			out = append(out, ff)
			continue
		}
		args := []any{ff.FieldID}
		arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM document_field_values v WHERE v.field_id = $1 AND `+
			fieldCond(ff, arg)+fmt.Sprintf(" LIMIT %d) x", fewValues+1), args...).Scan(&n); err != nil {
			return f, fmt.Errorf("field filter: %w", normalize(err))
		}
		ff.few = n <= fewValues
		out = append(out, ff)
	}
	f.Fields = out
	return f, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// documentSort is one order of the document list: the key expression on
// documents d, its direction, the key of a document for the cursor, and
// the cursor's key as a query argument.
type documentSort struct {
	expr  string
	desc  bool
	key   func(*model.Document) string
	parse func(string) (any, error)
}

func stringKey(s string) (any, error) { return s, nil }

// Documents without a date or correspondent come last in either direction.
const (
	dateLast      = "9999-12-31"
	dateFirst     = "0001-01-01"
	correspondent = `(CASE WHEN d.correspondent_id IS NULL THEN '1' ELSE '0' || (SELECT c.name_key FROM correspondents c WHERE c.id = d.correspondent_id) END)`
)

func dateKey(missing string) func(*model.Document) string {
	return func(d *model.Document) string {
		if d.DocumentDate == "" {
			return missing
		}
		return d.DocumentDate
	}
}

var documentSorts = map[string]documentSort{
	"-created_at":    {"d.created_at", true, createdKey, parseCreatedKey},
	"created_at":     {"d.created_at", false, createdKey, parseCreatedKey},
	"title":          {"d.title", false, func(d *model.Document) string { return d.Title }, stringKey},
	"-title":         {"d.title", true, func(d *model.Document) string { return d.Title }, stringKey},
	"document_date":  {"COALESCE(d.document_date, '" + dateLast + "')", false, dateKey(dateLast), parseDateKey},
	"-document_date": {"COALESCE(d.document_date, '" + dateFirst + "')", true, dateKey(dateFirst), parseDateKey},
	"correspondent": {correspondent, false, func(d *model.Document) string {
		if d.CorrespondentID == "" {
			return "1"
		}
		return "0" + NameKey(d.CorrespondentName)
	}, stringKey},
	"size_bytes":  {"d.size_bytes", false, sizeKey, parseSizeKey},
	"-size_bytes": {"d.size_bytes", true, sizeKey, parseSizeKey},
}

// DocumentSorts lists the sorts of the document list.
func DocumentSorts() []string {
	return []string{"created_at", "-created_at", "title", "-title", "document_date", "-document_date", "correspondent", "size_bytes", "-size_bytes"}
}

func createdKey(d *model.Document) string { return d.CreatedAt.Format(time.RFC3339Nano) }

func parseCreatedKey(k string) (any, error) {
	t, err := time.Parse(time.RFC3339Nano, k)
	if err != nil {
		return nil, ErrBadCursor
	}
	return t, nil
}

func parseDateKey(k string) (any, error) {
	if _, err := time.Parse(time.DateOnly, k); err != nil {
		return nil, ErrBadCursor
	}
	return k, nil
}

func sizeKey(d *model.Document) string { return strconv.FormatInt(d.SizeBytes, 10) }

func parseSizeKey(k string) (any, error) {
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil {
		return nil, ErrBadCursor
	}
	return n, nil
}

// sortOrder is the ORDER BY of a sort for searches (offset pages).
func sortOrder(sort string) (string, bool) {
	s, ok := documentSorts[sort]
	if !ok {
		return "", false
	}
	if s.desc {
		return s.expr + " DESC, d.id DESC", true
	}
	return s.expr + ", d.id", true
}

func errBadSort() error {
	return fmt.Errorf("%w: sort must be one of %s", ErrInvalid, strings.Join(DocumentSorts(), ", "))
}
