package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/model"
)

// ErrQuota is returned when a change would take an owner past a quota.
var ErrQuota = errors.New("store: quota exceeded")

const documentColumns = `d.id, d.owner_id, d.space_id, COALESCE(d.created_by, ''),
	COALESCE((SELECT cu.display_name FROM users cu WHERE cu.id = d.created_by), ''), d.title, d.original_filename, d.mime_type, d.size_bytes, d.sha256,
	d.blob_key, d.status, d.error, d.page_count, d.language, d.thumbnail_key, d.storage_backend,
	d.storage_state, d.storage_ref, d.storage_error, d.notes, d.source_kind, d.source_detail, d.deleted_at, d.created_at, d.updated_at,
	d.document_date, d.document_date_source, d.correspondent_id, (SELECT c.name FROM correspondents c WHERE c.id = d.correspondent_id),
	d.document_type_id, (SELECT dty.name FROM document_types dty WHERE dty.id = d.document_type_id), d.text_truncated,
	d.correspondent_source, d.document_type_source`

func scanDocument(row interface{ Scan(...any) error }) (*model.Document, error) {
	var d model.Document
	var pages sql.NullInt64
	var deleted sql.NullTime
	var date, corrID, corrName, typeID, typeName sql.NullString
	err := row.Scan(&d.ID, &d.OwnerID, &d.SpaceID, &d.CreatedBy, &d.CreatedByName, &d.Title, &d.OriginalFilename, &d.MIMEType, &d.SizeBytes, &d.SHA256,
		&d.BlobKey, &d.Status, &d.Error, &pages, &d.Language, &d.ThumbnailKey, &d.StorageBackend,
		&d.StorageState, &d.StorageRef, &d.StorageError, &d.Notes, &d.SourceKind, &d.SourceDetail, &deleted, &d.CreatedAt, &d.UpdatedAt,
		&date, &d.DocumentDateSource, &corrID, &corrName, &typeID, &typeName, &d.TextTruncated, &d.CorrespondentSource, &d.DocumentTypeSource)
	if err != nil {
		return nil, normalize(err)
	}
	// SQLite holds the date as text, PostgreSQL as a DATE that arrives as
	// an RFC 3339 time: the first ten characters are the date in both.
	if date.Valid && len(date.String) >= 10 {
		d.DocumentDate = date.String[:10]
	}
	d.CorrespondentID, d.CorrespondentName = corrID.String, corrName.String
	d.DocumentTypeID, d.DocumentTypeName = typeID.String, typeName.String
	if pages.Valid {
		n := int(pages.Int64)
		d.PageCount = &n
	}
	if deleted.Valid {
		t := deleted.Time.UTC()
		d.DeletedAt = &t
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

// CreateDocument inserts d (ID, times and status filled when empty; SpaceID
// and CreatedBy default to OwnerID, the personal space). Call it in the
// transaction that charges the owner's usage and enqueues processing.
func (s *Store) CreateDocument(ctx context.Context, d *model.Document) error {
	if d.ID == "" {
		d.ID = NewID()
	}
	if d.SpaceID == "" {
		d.SpaceID = d.OwnerID
	}
	if d.CreatedBy == "" {
		d.CreatedBy = d.OwnerID
	}
	if d.Status == "" {
		d.Status = model.StatusProcessing
	}
	if d.StorageBackend == "" {
		d.StorageBackend = "system"
	}
	if d.StorageState == "" {
		d.StorageState = "stored"
	}
	if d.SourceKind == "" {
		d.SourceKind = model.SourceUpload
	}
	d.CreatedAt = now()
	d.UpdatedAt = d.CreatedAt
	cols := `id, owner_id, title, original_filename, mime_type, size_bytes, sha256, blob_key, status,
		storage_backend, storage_state, created_at, updated_at, title_auto, source_kind, source_detail, space_id, created_by`
	vals := `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18`
	extraCols, extraVals := s.search.documentInsert()
	cols, vals = cols+extraCols, vals+extraVals
	_, err := s.w.ExecContext(ctx, `INSERT INTO documents (`+cols+`) VALUES (`+vals+`)`,
		d.ID, d.OwnerID, d.Title, d.OriginalFilename, d.MIMEType, d.SizeBytes, d.SHA256, d.BlobKey, d.Status,
		d.StorageBackend, d.StorageState, d.CreatedAt, d.UpdatedAt, d.TitleAuto, d.SourceKind, d.SourceDetail, d.SpaceID, d.CreatedBy)
	if err != nil {
		return fmt.Errorf("create document: %w", normalize(err))
	}
	// The title is searchable at once; the text joins it after extraction.
	return s.IndexDocument(ctx, d.ID)
}

// ChargeUsage adds bytes and docs to the owner's usage, atomically refusing
// with ErrQuota when a quota (0 = unlimited) would be exceeded. Pending
// direct uploads' reservations count as used.
func (s *Store) ChargeUsage(ctx context.Context, ownerID string, bytes, docs int64) error {
	res, err := s.w.ExecContext(ctx, `UPDATE users SET used_bytes = used_bytes + $1, document_count = document_count + $2
		WHERE id = $3
		  AND (quota_bytes = 0 OR used_bytes + reserved_bytes + $1 <= quota_bytes)
		  AND (quota_documents = 0 OR document_count + pending_uploads + $2 <= quota_documents)`, bytes, docs, ownerID)
	if err != nil {
		return fmt.Errorf("charge usage: %w", normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.UserByID(ctx, ownerID); err != nil {
			return fmt.Errorf("charge usage: %w", err)
		}
		return ErrQuota
	}
	return nil
}

// ReleaseUsage gives bytes and docs back to the owner.
func (s *Store) ReleaseUsage(ctx context.Context, ownerID string, bytes, docs int64) error {
	_, err := s.w.ExecContext(ctx, `UPDATE users SET
		used_bytes = CASE WHEN used_bytes > $1 THEN used_bytes - $1 ELSE 0 END,
		document_count = CASE WHEN document_count > $2 THEN document_count - $2 ELSE 0 END
		WHERE id = $3`, bytes, docs, ownerID)
	if err != nil {
		return fmt.Errorf("release usage: %w", normalize(err))
	}
	return nil
}

// Document returns the space's document (not in the trash), or ErrNotFound.
// A personal space's id is its user's, so Document(ctx, userID, id) is the
// user's own document.
func (s *Store) Document(ctx context.Context, spaceID, id string) (*model.Document, error) {
	return s.documentWhere(ctx, "d.space_id = $1 AND d.id = $2 AND d.deleted_at IS NULL", spaceID, id)
}

// TrashedDocument returns the space's document in the trash, or ErrNotFound.
func (s *Store) TrashedDocument(ctx context.Context, spaceID, id string) (*model.Document, error) {
	return s.documentWhere(ctx, "d.space_id = $1 AND d.id = $2 AND d.deleted_at IS NOT NULL", spaceID, id)
}

// DocumentForJob returns a document by id whatever its owner, for background
// jobs that carry only the id.
func (s *Store) DocumentForJob(ctx context.Context, id string) (*model.Document, error) {
	return s.documentWhere(ctx, "d.id = $1", id)
}

func (s *Store) documentWhere(ctx context.Context, where string, args ...any) (*model.Document, error) {
	d, err := scanDocument(s.r.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d WHERE `+where, args...))
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	if err := s.loadTopics(ctx, []*model.Document{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// DocumentByHash finds the space's document (trash included) with that SHA-256.
func (s *Store) DocumentByHash(ctx context.Context, spaceID, sha string) (*model.Document, error) {
	d, err := scanDocument(s.r.QueryRowContext(ctx, `SELECT `+documentColumns+` FROM documents d
		WHERE d.space_id = $1 AND d.sha256 = $2 ORDER BY d.deleted_at IS NOT NULL, d.created_at LIMIT 1`, spaceID, sha))
	if err != nil {
		return nil, fmt.Errorf("document by hash: %w", err)
	}
	return d, nil
}

// ListDocuments pages through the documents of the spaces userID belongs
// to (membership read now, so a removed member sees nothing more).
func (s *Store) ListDocuments(ctx context.Context, userID string, f DocumentFilter, p Page) ([]*model.Document, string, error) {
	spaces, err := s.listSpaces(ctx, userID, f)
	if err != nil {
		return nil, "", err
	}
	if len(spaces) > 0 {
		if f, err = s.narrowFields(ctx, f); err != nil {
			return nil, "", err
		}
	}
	q, args, srt, limit, err := listDocumentsSQL(s.engine, userID, spaces, f, p)
	if err != nil || q == "" {
		return nil, "", err
	}
	docs, err := s.queryDocuments(ctx, q, s.engine.listArgs(args)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		last := docs[limit-1]
		next = keyCursor(srt.key(last), last.ID)
	}
	if err := s.loadTopics(ctx, docs); err != nil {
		return nil, "", err
	}
	return docs, next, nil
}

// memberSpaceIDs lists the spaces userID belongs to (only that one when
// only is set and the user belongs to it).
func (s *Store) memberSpaceIDs(ctx context.Context, userID, only string) ([]string, error) {
	q, args := `SELECT space_id FROM space_members WHERE user_id = $1 ORDER BY space_id`, []any{userID}
	if only != "" {
		q, args = `SELECT space_id FROM space_members WHERE user_id = $1 AND space_id = $2`, []any{userID, only}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("member spaces: %w", normalize(err))
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("member spaces: %w", normalize(err))
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("member spaces: %w", normalize(err))
	}
	return out, nil
}

// listSpaces is the spaces whose documents ListDocuments reads: the
// user's (or f.SpaceID if the user's), and of those only the one of the
// correspondent, type, topics and fields f names, since a space's
// documents only have the space's (a move drops the others). None when
// f names an unknown object or objects of two spaces: nothing matches.
func (s *Store) listSpaces(ctx context.Context, userID string, f DocumentFilter) ([]string, error) {
	spaces, err := s.memberSpaceIDs(ctx, userID, f.SpaceID)
	if err != nil || len(spaces) == 0 {
		return nil, err
	}
	var parts []string
	var args []any
	ids := 0
	named := func(table string, vals []string) {
		vals = dedupe(vals)
		if len(vals) == 0 {
			return
		}
		in, a := inList(vals, len(args))
		args = append(args, a...)
		ids += len(vals)
		parts = append(parts, `SELECT space_id FROM `+table+` WHERE id IN (`+in+`)`)
	}
	one := func(v string) []string {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	named("correspondents", one(f.CorrespondentID))
	named("document_types", one(f.DocumentTypeID))
	named("topics", append(one(f.TopicID), f.TopicIDs...))
	var fields []string
	for _, ff := range f.Fields {
		fields = append(fields, ff.FieldID)
	}
	named("custom_fields", fields)
	if ids == 0 {
		return spaces, nil
	}
	rows, err := s.r.QueryContext(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, fmt.Errorf("filter spaces: %w", normalize(err))
	}
	defer rows.Close()
	found, in := 0, ""
	for rows.Next() {
		var sp string
		if err := rows.Scan(&sp); err != nil {
			return nil, fmt.Errorf("filter spaces: %w", normalize(err))
		}
		if found > 0 && sp != in {
			return nil, nil
		}
		found, in = found+1, sp
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("filter spaces: %w", normalize(err))
	}
	if found < ids || !slices.Contains(spaces, in) {
		return nil, nil
	}
	return []string{in}, nil
}

// ExplainListDocuments returns the query plan of ListDocuments' query for
// these arguments (EXPLAIN QUERY PLAN on SQLite; EXPLAIN, with ANALYZE
// when analyze, on PostgreSQL), one line per plan node: for benchmarks
// and plan tests.
func (s *Store) ExplainListDocuments(ctx context.Context, userID string, f DocumentFilter, p Page, analyze bool) (string, error) {
	spaces, err := s.listSpaces(ctx, userID, f)
	if err != nil {
		return "", err
	}
	if len(spaces) > 0 {
		if f, err = s.narrowFields(ctx, f); err != nil {
			return "", err
		}
	}
	q, args, _, _, err := listDocumentsSQL(s.engine, userID, spaces, f, p)
	if err != nil || q == "" {
		return "", err
	}
	return s.engine.explain(ctx, s, q, args, analyze)
}

// maxSpaceArms is the most spaces listed one by one; a member of more
// spaces gets one query over all of them (sorted after filtering).
const maxSpaceArms = 32

// listDocumentsSQL is ListDocuments' query over the user's spaces, its
// arguments, its sort and the page size (one more row is asked for, to
// know of a next page); "" when there is no space to list.
//
// Each space is its own arm: the ids and sort keys of the space's first
// page, walked in the order of a (space_id, sort key, id) index and
// stopped after a page, then the arms merged and their page's rows read.
// One query over "space_id IN (the user's spaces)" cannot walk an index
// in the sort's order, so it sorted every live document of the spaces.
func listDocumentsSQL(e engine, userID string, spaces []string, f DocumentFilter, p Page) (string, []any, documentSort, int, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	sortName := f.Sort
	if sortName == "" {
		sortName = "-created_at"
	}
	srt, ok := documentSorts[sortName]
	if !ok {
		return "", nil, srt, 0, errBadSort()
	}
	var ckey, cid string
	var kv any
	if p.Cursor != "" {
		var err error
		if ckey, cid, err = parseKeyCursor(p.Cursor); err != nil {
			return "", nil, srt, 0, err
		}
		if kv, err = srt.parse(ckey); err != nil {
			return "", nil, srt, 0, err
		}
	}
	if len(spaces) == 0 {
		return "", nil, srt, 0, nil
	}
	dir, op := "ASC", ">"
	if srt.desc {
		dir, op = "DESC", "<"
	}
	limit := p.limit()
	page := arg(limit + 1)
	// where is the conditions of one arm: its space (or all of the
	// user's), the filters, the bound of a date sort's range and the
	// cursor, as a row value so that it bounds the index walk.
	where := func(space string) []string {
		var w []string
		if space == "" {
			w = append(w, memberSpaces("d.space_id", arg(userID)))
		} else {
			w = append(w, "d.space_id = "+arg(space))
		}
		w = append(w, spaceFilterSQL(f, arg, space)...)
		// The date range again on an indexed expression of the date
		// (the sort's, or the one of the (space_id, correspondent_id,
		// date) index): a range of that index instead of a filter.
		dateExpr := srt.expr
		if !strings.HasPrefix(dateExpr, "COALESCE(d.document_date") {
			dateExpr = documentSorts["-document_date"].expr
		}
		if f.DateFrom != "" {
			w = append(w, dateExpr+" >= "+arg(f.DateFrom))
		}
		if f.DateTo != "" {
			w = append(w, dateExpr+" <= "+arg(f.DateTo))
		}
		return w
	}
	var arms []string
	armSQL := func(from, key string, w []string, order string) {
		arms = append(arms, fmt.Sprintf("SELECT a%d.id, a%d.k FROM (SELECT d.id AS id, %s AS k FROM %s WHERE %s ORDER BY %s LIMIT %s) a%d",
			len(arms), len(arms), key, from, strings.Join(w, " AND "), order, page, len(arms)))
	}
	armSpaces := spaces
	if len(spaces) > maxSpaceArms {
		armSpaces = []string{""}
	}
	for _, sp := range armSpaces {
		if sortName == "correspondent" {
			// Documents with a correspondent by its name (a space's
			// documents have the space's correspondents), then those
			// without one.
			name, hasCorr := strings.CutPrefix(ckey, "0")
			if p.Cursor == "" || hasCorr {
				// After the cursor: its correspondent's later documents,
				// then the next correspondents' ("" is before every id).
				after := "''"
				var corr []string
				if p.Cursor != "" {
					after = fmt.Sprintf("CASE WHEN sc.name_key = %s THEN %s ELSE '' END", arg(name), arg(cid))
					corr = append(corr, "sc.name_key >= "+arg(name))
				}
				if sp != "" {
					corr = append(corr, "sc.space_id = "+arg(sp))
				}
				w := append(where(sp), "d.correspondent_id = sc.id", "d.id > "+after)
				arms = append(arms, e.correspondentArm(fmt.Sprintf("a%d", len(arms)), w, corr, page))
			}
			w := append(where(sp), "d.correspondent_id IS NULL")
			if p.Cursor != "" && !hasCorr {
				w = append(w, "d.id > "+arg(cid))
			}
			armSQL("documents d", "'1'", w, "d.id")
			continue
		}
		w := where(sp)
		if p.Cursor != "" {
			w = append(w, fmt.Sprintf("(%s, d.id) %s (%s, %s)", srt.expr, op, arg(kv), arg(cid)))
		}
		armSQL("documents d", srt.expr, w, fmt.Sprintf("%s %s, d.id %s", srt.expr, dir, dir))
	}
	q := `SELECT ` + documentColumns + ` FROM (` + strings.Join(arms, " UNION ALL ") + `) x JOIN documents d ON d.id = x.id` +
		fmt.Sprintf(" ORDER BY x.k %s, x.id %s LIMIT %s", dir, dir, page)
	return q, args, srt, limit, nil
}

func (s *Store) queryDocuments(ctx context.Context, q string, args ...any) ([]*model.Document, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", normalize(err))
	}
	defer rows.Close()
	var out []*model.Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, fmt.Errorf("list documents: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents: %w", normalize(err))
	}
	return out, nil
}

// loadTopics fills Topics, Fields and NoteCount of each document, with one
// query (loadDetails).
func (s *Store) loadTopics(ctx context.Context, docs []*model.Document) error {
	_, err := s.loadDetails(ctx, docs, false)
	return err
}

// UpdateDocumentTitle renames the space's document.
func (s *Store) UpdateDocumentTitle(ctx context.Context, spaceID, id, title string) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.execOne(ctx, "update document", `UPDATE documents SET title = $1, title_auto = false, updated_at = $2
			WHERE space_id = $3 AND id = $4 AND deleted_at IS NULL`, title, now(), spaceID, id); err != nil {
			return err
		}
		return tx.IndexDocument(ctx, id)
	})
}

// SetUserTopics makes topicIDs the document's topics, all with source
// "user": listed topics are kept or added, the others removed. The topics
// must be the space's (ErrNotFound otherwise).
func (s *Store) SetUserTopics(ctx context.Context, spaceID, docID string, topicIDs []string) error {
	if len(topicIDs) > 0 {
		ts, err := s.TopicsByIDs(ctx, spaceID, topicIDs)
		if err != nil {
			return err
		}
		if len(ts) != len(dedupe(topicIDs)) {
			return fmt.Errorf("set topics: a topic: %w", ErrNotFound)
		}
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM document_topics WHERE document_id = $1`, docID); err != nil {
		return fmt.Errorf("set topics: %w", normalize(err))
	}
	t := now()
	for _, tid := range dedupe(topicIDs) {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO document_topics (document_id, topic_id, source, created_at)
			VALUES ($1, $2, 'user', $3)`, docID, tid, t); err != nil {
			return fmt.Errorf("set topics: %w", normalize(err))
		}
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE documents SET updated_at = $1 WHERE id = $2`, t, docID); err != nil {
		return normalize(err)
	}
	// The local classifier learns from a ready document's assignments: its labels changed.
	var status string
	if err := s.w.QueryRowContext(ctx, `SELECT status FROM documents WHERE id = $1`, docID).Scan(&status); err != nil {
		return fmt.Errorf("set topics: %w", normalize(err))
	}
	if status != model.StatusReady {
		return nil // counted when it becomes ready (SaveExtraction)
	}
	return s.BumpLabelGeneration(ctx, spaceID)
}

// bumpIfLabelled bumps the label generation of the document's space when the ready document is an
// example for the space's classifier (topics, a correspondent or a type set by a person): its text,
// or whether it counts, changed.
func (s *Store) bumpIfLabelled(ctx context.Context, docID string) error {
	var owner string
	err := s.w.QueryRowContext(ctx, `SELECT d.space_id FROM documents d WHERE d.id = $1 AND d.status = 'ready'
		AND (d.correspondent_source = 'user' OR d.document_type_source = 'user'
		  OR EXISTS (SELECT 1 FROM document_topics dt WHERE dt.document_id = d.id AND dt.source = 'user'))`, docID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("label generation: %w", normalize(err))
	}
	return s.BumpLabelGeneration(ctx, owner)
}

// TrashDocument moves the space's document to the trash.
func (s *Store) TrashDocument(ctx context.Context, spaceID, id string) error {
	t := now()
	if err := s.execOne(ctx, "trash document", `UPDATE documents SET deleted_at = $1, updated_at = $1
		WHERE space_id = $2 AND id = $3 AND deleted_at IS NULL`, t, spaceID, id); err != nil {
		return err
	}
	return s.bumpIfLabelled(ctx, id)
}

// RestoreDocument takes the space's document out of the trash.
func (s *Store) RestoreDocument(ctx context.Context, spaceID, id string) error {
	if err := s.execOne(ctx, "restore document", `UPDATE documents SET deleted_at = NULL, updated_at = $1
		WHERE space_id = $2 AND id = $3 AND deleted_at IS NOT NULL`, now(), spaceID, id); err != nil {
		return err
	}
	return s.bumpIfLabelled(ctx, id)
}

// DeleteDocumentRow removes the document row for good and gives its usage
// back. The caller removes the blobs after the transaction commits.
func (s *Store) DeleteDocumentRow(ctx context.Context, d *model.Document) error {
	if err := s.execOne(ctx, "purge document", `DELETE FROM documents WHERE owner_id = $1 AND id = $2`, d.OwnerID, d.ID); err != nil {
		return err
	}
	return s.ReleaseUsage(ctx, d.OwnerID, d.SizeBytes, 1)
}

// ExpiredTrash lists up to limit documents trashed before cutoff, any owner.
func (s *Store) ExpiredTrash(ctx context.Context, cutoff time.Time, limit int) ([]*model.Document, error) {
	return s.queryDocuments(ctx, `SELECT `+documentColumns+` FROM documents d
		WHERE d.deleted_at IS NOT NULL AND d.deleted_at < $1 ORDER BY d.deleted_at LIMIT $2`, cutoff.UTC(), limit)
}

// OwnerDocuments calls fn for every document of the owner, trash included.
func (s *Store) OwnerDocuments(ctx context.Context, ownerID string, fn func(*model.Document) error) error {
	docs, err := s.queryDocuments(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.owner_id = $1 ORDER BY d.id`, ownerID)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

// execOne runs a statement that must change exactly one row (ErrNotFound otherwise).
func (s *Store) execOne(ctx context.Context, what, q string, args ...any) error {
	res, err := s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
