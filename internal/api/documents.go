package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docuvault/docuvault/internal/apperr"
	"github.com/docuvault/docuvault/internal/document"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
)

func (s *Server) registerDocuments() {
	s.handleFunc("POST /api/documents", s.authed(s.createDocument))
	s.handleFunc("GET /api/documents", s.authed(s.listDocuments))
	s.handleFunc("GET /api/documents/{id}", s.authed(s.getDocument))
	s.handleFunc("PATCH /api/documents/{id}", s.authed(s.patchDocument))
	s.handleFunc("DELETE /api/documents/{id}", s.authed(s.deleteDocument))
	s.handleFunc("GET /api/documents/{id}/download", s.authed(s.downloadDocument))
	s.handleFunc("GET /api/documents/{id}/thumbnail", s.authed(s.documentThumbnail))
	s.handleFunc("GET /api/documents/{id}/pages/{n}", s.authed(s.documentPage))
	s.handleFunc("GET /api/documents/{id}/text", s.authed(s.documentText))
	s.handleFunc("POST /api/documents/{id}/reprocess", s.authed(s.reprocessDocument))
	s.handleFunc("POST /api/documents/{id}/classify", s.authed(s.classifyDocument))
	s.handleFunc("POST /api/documents/{id}/move", s.authed(s.moveDocument))
	s.handleFunc("GET /api/trash", s.authed(s.listTrash))
	s.handleFunc("POST /api/trash/{id}/restore", s.authed(s.restoreDocument))
	s.handleFunc("DELETE /api/trash/{id}", s.authed(s.purgeDocument))
	s.handleFunc("POST /api/uploads", s.authed(s.startUpload))
	s.handleFunc("PUT /api/uploads/{id}/content", s.putUploadContent) // authorised by its signature
	s.handleFunc("POST /api/uploads/{id}/complete", s.authed(s.completeUpload))
	s.handleFunc("GET /api/topics", s.authed(s.listTopics))
	s.handleFunc("POST /api/topics", s.authed(s.createTopic))
	s.handleFunc("PATCH /api/topics/{id}", s.authed(s.patchTopic))
	s.handleFunc("DELETE /api/topics/{id}", s.authed(s.deleteTopic))
}

func actor(r *http.Request, p *Principal) document.Actor {
	return document.Actor{UserID: p.UserID, IP: clientIP(r), UserAgent: r.UserAgent()}
}

type topicRefJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Source     string   `json:"source"`
	Confidence *float64 `json:"confidence,omitempty"`
}

type documentJSON struct {
	ID               string         `json:"id"`
	SpaceID          string         `json:"space_id"`
	CreatedBy        *userRefJSON   `json:"created_by"`
	Title            string         `json:"title"`
	OriginalFilename string         `json:"original_filename"`
	MIMEType         string         `json:"mime_type"`
	SizeBytes        int64          `json:"size_bytes"`
	SHA256           string         `json:"sha256"`
	Status           string         `json:"status"`
	Error            string         `json:"error,omitempty"`
	ErrorSummary     string         `json:"error_summary,omitempty"`
	PageCount        *int           `json:"page_count,omitempty"`
	Language         string         `json:"language,omitempty"`
	Topics           []topicRefJSON `json:"topics"`
	NotesCount       int            `json:"notes_count"`
	Storage          storageJSON    `json:"storage"`
	Source           sourceJSON     `json:"source"`
	HasThumbnail     bool           `json:"has_thumbnail"`
	Notes            string         `json:"notes,omitempty"`
	TextTruncated    bool           `json:"text_truncated"` // only the start of the text is stored and searchable; Notes say why
	DeletedAt        *time.Time     `json:"deleted_at,omitempty"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Snippet          string         `json:"snippet,omitempty"`
	Score            *float64       `json:"score,omitempty"`
	// Classification says whether classification ran; Candidates are its ranked answer.
	Classification *classificationJSON `json:"classification,omitempty"`
	Candidates     []candidateJSON     `json:"candidates,omitempty"`
	// Proposals are the local model's answers for correspondent, document_type and document_date.
	Proposals map[string]proposalJSON `json:"proposals,omitempty"`
	// Metadata: null when unset.
	DocumentDate        *string          `json:"document_date"`
	DocumentDateSource  string           `json:"document_date_source,omitempty"`
	Correspondent       *refJSON         `json:"correspondent"`
	CorrespondentSource string           `json:"correspondent_source,omitempty"`
	DocumentType        *refJSON         `json:"document_type"`
	DocumentTypeSource  string           `json:"document_type_source,omitempty"`
	CustomFields        []fieldValueJSON `json:"custom_fields"`
}

type refJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type fieldValueJSON struct {
	FieldID string `json:"field_id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Value   any    `json:"value"`
}

// fieldValue is a stored value in its JSON type: numbers as numbers,
// booleans as booleans, everything else (monetary "EUR12.50") as text.
func fieldValue(v model.FieldValue) any {
	switch {
	case v.Type == "number" && v.Num != nil:
		return *v.Num
	case v.Type == "boolean":
		return v.Value == "true"
	}
	return v.Value
}

func addMetadataJSON(out *documentJSON, d *model.Document) {
	if d.DocumentDate != "" {
		date := d.DocumentDate
		out.DocumentDate, out.DocumentDateSource = &date, d.DocumentDateSource
	}
	if d.CorrespondentID != "" {
		out.Correspondent = &refJSON{ID: d.CorrespondentID, Name: d.CorrespondentName}
		out.CorrespondentSource = d.CorrespondentSource
	}
	if d.DocumentTypeID != "" {
		out.DocumentType = &refJSON{ID: d.DocumentTypeID, Name: d.DocumentTypeName}
		out.DocumentTypeSource = d.DocumentTypeSource
	}
	out.CustomFields = make([]fieldValueJSON, len(d.Fields))
	for i, v := range d.Fields {
		out.CustomFields[i] = fieldValueJSON{FieldID: v.FieldID, Name: v.Name, Type: v.Type, Value: fieldValue(v)}
	}
}

// sourceJSON says where a document came from: kind is upload, consume,
// import, api or mail; mail adds the message's details.
type sourceJSON struct {
	Kind       string     `json:"kind"`
	From       string     `json:"from,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	MessageID  string     `json:"message_id,omitempty"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
}

func toSourceJSON(d *model.Document) sourceJSON {
	out := sourceJSON{Kind: d.SourceKind}
	if d.SourceDetail != "" {
		_ = json.Unmarshal([]byte(d.SourceDetail), &out) // written by DocuVault; a bad row shows the kind alone
		out.Kind = d.SourceKind
	}
	if out.Kind == "" {
		out.Kind = model.SourceUpload
	}
	return out
}

type storageJSON struct {
	Backend string `json:"backend"`
	State   string `json:"state"`
	Error   string `json:"error,omitempty"`
}

func toDocumentJSON(d *model.Document) documentJSON {
	out := documentJSON{ID: d.ID, Title: d.Title, OriginalFilename: d.OriginalFilename, MIMEType: d.MIMEType,
		SizeBytes: d.SizeBytes, SHA256: d.SHA256, Status: d.Status, Error: d.Error,
		ErrorSummary: document.FailureSummary(d.MIMEType, d.Error), PageCount: d.PageCount, TextTruncated: d.TextTruncated,
		Language: d.Language, Topics: []topicRefJSON{}, NotesCount: d.NoteCount, HasThumbnail: d.ThumbnailKey != "", Notes: d.Notes,
		Storage:   storageJSON{Backend: d.StorageBackend, State: d.StorageState, Error: d.StorageError},
		Source:    toSourceJSON(d),
		DeletedAt: d.DeletedAt, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	out.SpaceID = d.SpaceID
	if d.CreatedBy != "" {
		out.CreatedBy = &userRefJSON{ID: d.CreatedBy, DisplayName: d.CreatedByName}
	}
	for _, t := range d.Topics {
		out.Topics = append(out.Topics, topicRefJSON{ID: t.TopicID, Name: t.Name, Source: t.Source, Confidence: t.Confidence})
	}
	addMetadataJSON(&out, d)
	return out
}

type listJSON[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newList[T any](items []T, next string) listJSON[T] {
	if items == nil {
		items = []T{}
	}
	l := listJSON[T]{Items: items}
	if next != "" {
		l.NextCursor = &next
	}
	return l
}

// pageFrom reads ?limit= and ?cursor=, and refuses any query parameter
// other than those and the filters named: a misspelt filter is a 400
// naming it, never a silently different list.
func pageFrom(r *http.Request, filters ...string) (store.Page, error) {
	q := r.URL.Query()
	for name := range q {
		if name != "limit" && name != "cursor" && !slices.Contains(filters, name) {
			known := strings.Join(append(append([]string{}, filters...), "limit", "cursor"), ", ")
			return store.Page{}, &apperr.Error{Kind: apperr.Invalid, Message: "unknown query parameter " + strconv.Quote(name),
				Fields: map[string]string{name: "unknown parameter; this list takes " + known}}
		}
	}
	p := store.Page{Cursor: q.Get("cursor")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > store.MaxPageLimit {
			return p, &apperr.Error{Kind: apperr.Invalid, Message: "limit must be a whole number from 1 to 200",
				Fields: map[string]string{"limit": "from 1 to 200"}}
		}
		p.Limit = n
	}
	return p, nil
}

func boolQuery(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &apperr.Error{Kind: apperr.Invalid, Message: name + " must be true or false", Fields: map[string]string{name: "true or false"}}
	}
	return b, nil
}

// multipartOverhead is what a multipart body may add around the file.
const multipartOverhead = 1 << 20

func (s *Server) createDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	allowDup, err := boolQuery(r, "allow_duplicate")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	docs := s.deps.Documents
	max := docs.MaxUploadBytes() + multipartOverhead
	if r.ContentLength > max {
		s.writeError(w, r, apperr.New(apperr.TooLarge, "the file is larger than the limit of %d bytes", docs.MaxUploadBytes()))
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		s.writeError(w, r, apperr.New(apperr.Invalid, "send the file as multipart/form-data with a part named \"file\""))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, r, apperr.Wrap(err, apperr.Invalid, "the multipart body is malformed"))
		return
	}
	a := actor(r, p)
	spaceID := ""
	var staged *document.Staged
	opts := document.CommitOptions{AllowDuplicate: allowDup}
	if p.Via == "api_token" {
		opts.SourceKind = model.SourceAPI
	}
	fail := func(err error) {
		if staged != nil {
			docs.Discard(r.Context(), staged)
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = apperr.New(apperr.TooLarge, "the file is larger than the limit of %d bytes", docs.MaxUploadBytes())
		}
		s.writeError(w, r, err)
	}
	for parts := 0; ; parts++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(apperr.Wrap(err, apperr.Invalid, "the multipart body is malformed"))
			return
		}
		if parts > 100 {
			fail(apperr.New(apperr.Invalid, "too many form fields"))
			return
		}
		switch part.FormName() {
		case "file":
			if a.SpaceID == "" {
				if a, err = s.actorIn(r, p, "", model.RoleEditor); err != nil {
					fail(err)
					return
				}
			}
			if staged != nil {
				fail(apperr.New(apperr.Invalid, "send one file per request"))
				return
			}
			staged, err = docs.Stage(r.Context(), a, part.FileName(), part, -1)
			if err != nil {
				fail(err)
				return
			}
		case "space_id":
			v, err := io.ReadAll(io.LimitReader(part, 200))
			if err != nil || staged != nil {
				fail(apperr.Fields("send space_id before the file", map[string]string{"space_id": "must come before the file part"}))
				return
			}
			spaceID = strings.TrimSpace(string(v))
			if a, err = s.actorIn(r, p, spaceID, model.RoleEditor); err != nil {
				fail(err)
				return
			}
		case "title", "topic_ids":
			v, err := io.ReadAll(io.LimitReader(part, 4097))
			if err != nil || len(v) > 4096 {
				fail(apperr.New(apperr.Invalid, "the field %q is too long", part.FormName()))
				return
			}
			if part.FormName() == "title" {
				opts.Title = string(v)
			} else if id := strings.TrimSpace(string(v)); id != "" {
				opts.TopicIDs = append(opts.TopicIDs, id)
			}
		default:
			fail(&apperr.Error{Kind: apperr.Invalid, Message: "unknown form field " + strconv.Quote(part.FormName()),
				Fields: map[string]string{part.FormName(): "unknown field"}})
			return
		}
	}
	if staged == nil {
		s.writeError(w, r, apperr.Fields("Choose a file to upload.", map[string]string{"file": "Choose a file to upload."}))
		return
	}
	d, err := docs.Commit(r.Context(), a, staged, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/documents/"+d.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"document": toDocumentJSON(d)})
}

func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request, p *Principal) {
	pg, err := pageFrom(r, append([]string{"sort", "prefix_last", "space_id"}, documentFilters...)...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	dq, err := s.parseDocumentQuery(r.Context(), p.UserID, r.URL.Query())
	if err == nil {
		dq.f.SpaceID, err = s.spaceFilter(r, p)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := dq.f
	if strings.TrimSpace(dq.text) != "" {
		s.searchDocuments(w, r, p, dq.text, f, pg)
		return
	}
	if f.Sort == "relevance" {
		if r.URL.Query().Get("q") == "" {
			s.searchDocuments(w, r, p, "", f, pg) // refused there: a relevance sort needs words
			return
		}
		f.Sort = "" // field terms alone: newest first
	}
	docs, next, err := s.deps.Store.ListDocuments(r.Context(), p.UserID, f, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]documentJSON, len(docs))
	for i, d := range docs {
		items[i] = toDocumentJSON(d)
	}
	if err := s.addClassification(r.Context(), p.UserID, items); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleViewer, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDocument(w, r, p, d)
}

// writeDocument answers {document} with its classification.
func (s *Server) writeDocument(w http.ResponseWriter, r *http.Request, p *Principal, d *model.Document) {
	items := []documentJSON{toDocumentJSON(d)}
	if err := s.addClassification(r.Context(), p.UserID, items); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": items[0]})
}

func (s *Server) patchDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	var body struct {
		Title           *string         `json:"title"`
		TopicIDs        *[]string       `json:"topic_ids"`
		DocumentDate    json.RawMessage `json:"document_date"`
		CorrespondentID json.RawMessage `json:"correspondent_id"`
		DocumentTypeID  json.RawMessage `json:"document_type_id"`
		CustomFields    *[]struct {
			FieldID string          `json:"field_id"`
			Value   json.RawMessage `json:"value"`
		} `json:"custom_fields"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		s.writeError(w, r, err)
		return
	}
	up := document.Update{Title: body.Title, TopicIDs: body.TopicIDs}
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleEditor, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if up.Meta.SetDate, up.Meta.Date, err = nullableString(body.DocumentDate, "document_date"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if up.Meta.SetCorrespondent, up.Meta.CorrespondentID, err = nullableString(body.CorrespondentID, "correspondent_id"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if up.Meta.SetDocumentType, up.Meta.DocumentTypeID, err = nullableString(body.DocumentTypeID, "document_type_id"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if body.CustomFields != nil {
		if len(*body.CustomFields) > 100 {
			s.writeError(w, r, apperr.Fields("Too many fields.", map[string]string{"custom_fields": "At most 100 fields at once."}))
			return
		}
		for _, f := range *body.CustomFields {
			if f.FieldID == "" {
				s.writeError(w, r, apperr.Fields("Name the field.", map[string]string{"custom_fields": "Every entry needs a field_id."}))
				return
			}
			up.Meta.Fields = append(up.Meta.Fields, document.FieldSet{FieldID: f.FieldID, Value: f.Value})
		}
	}
	d, err = s.deps.Documents.Update(r.Context(), s.inSpace(r, p, d.SpaceID, d.OwnerID), d.ID, up)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDocument(w, r, p, d)
}

// nullableString reads a member that is absent (set false), null (set,
// "") or a string; another JSON type is 400 naming it.
func nullableString(raw json.RawMessage, name string) (set bool, v string, err error) {
	if raw == nil {
		return false, "", nil
	}
	if string(raw) == "null" {
		return true, "", nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, "", &apperr.Error{Kind: apperr.Invalid, Message: name + " must be a string or null", Fields: map[string]string{name: "a string or null"}}
	}
	if v == "" {
		return false, "", &apperr.Error{Kind: apperr.Invalid, Message: name + " must not be empty; send null to clear it",
			Fields: map[string]string{name: "not empty; null clears it"}, Status: 422}
	}
	return true, v, nil
}

func (s *Server) deleteDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleEditor, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deps.Documents.Trash(r.Context(), s.inSpace(r, p, d.SpaceID, d.OwnerID), d.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listTrash(w http.ResponseWriter, r *http.Request, p *Principal) {
	pg, err := pageFrom(r, "space_id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	space, err := s.spaceFilter(r, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	docs, next, err := s.deps.Store.ListDocuments(r.Context(), p.UserID, store.DocumentFilter{Trashed: true, SpaceID: space}, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]documentJSON, len(docs))
	for i, d := range docs {
		items[i] = toDocumentJSON(d)
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) restoreDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleEditor, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err = s.deps.Documents.Restore(r.Context(), s.inSpace(r, p, d.SpaceID, d.OwnerID), d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"document": toDocumentJSON(d)})
}

func (s *Server) purgeDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleAdmin, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deps.Documents.Purge(r.Context(), s.inSpace(r, p, d.SpaceID, d.OwnerID), d.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// searchList is a search's page of hits; when the first page is empty,
// suggestions offers the query with its unknown words replaced by the
// closest words of the caller's own index ("did you mean").
type searchList struct {
	listJSON[documentJSON]
	Suggestions []string `json:"suggestions,omitempty"`
}

// searchDocuments answers GET /api/documents?q=: ranked hits with a
// highlighted snippet and a score each. With prefix_last=true (the web UI
// while the user types) the last word also matches every word it begins.
func (s *Server) searchDocuments(w http.ResponseWriter, r *http.Request, p *Principal, text string, f store.DocumentFilter, pg store.Page) {
	prefixLast, err := boolQuery(r, "prefix_last")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := searchquery.Parse(text)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), searchquery.ErrInvalidQuery.Error()+": ")
		s.writeError(w, r, &apperr.Error{Kind: apperr.Invalid, Message: "search: " + msg, Fields: map[string]string{"q": msg}})
		return
	}
	if prefixLast {
		q.PrefixLast()
	}
	terms := q.Terms()
	hits, next, err := s.deps.Store.SearchDocuments(r.Context(), p.UserID,
		store.SearchQuery{FTS5: q.FTS5(), TSQuery: q.TSQuery()}, f, pg)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]documentJSON, len(hits))
	for i, h := range hits {
		items[i] = toDocumentJSON(h.Document)
		items[i].Snippet = searchquery.Snippet(h.Text, terms)
		score := h.Score
		items[i].Score = &score
	}
	out := searchList{listJSON: newList(items, next)}
	if len(hits) == 0 && pg.Cursor == "" {
		// Corrections keep the search box's field terms: they replace words of the whole text.
		if out.Suggestions, err = s.suggest(r, p, r.URL.Query().Get("q"), q); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// maxSuggestions is how many corrected queries an empty search offers.
const maxSuggestions = 3

// suggest corrects the query's words that are not in the caller's index
// with the closest ones that are; nil when there is nothing to propose.
func (s *Server) suggest(r *http.Request, p *Principal, text string, q *searchquery.Query) ([]string, error) {
	alts := map[string][]string{}
	for _, word := range q.Words() {
		vocab, err := s.deps.Store.OwnerWords(r.Context(), p.UserID, r.URL.Query().Get("space_id"), word, searchquery.MaxDistance(word))
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(vocab, func(c searchquery.Candidate) bool { return c.Word == word }) {
			continue
		}
		if c := searchquery.Closest(word, vocab, maxSuggestions); len(c) > 0 {
			alts[word] = c
		}
	}
	var out []string
	for i := range maxSuggestions {
		fix := map[string]string{}
		for w, c := range alts {
			fix[w] = c[min(i, len(c)-1)]
		}
		if len(fix) == 0 {
			break
		}
		if sq := searchquery.Replace(text, fix); sq != text && !slices.Contains(out, sq) {
			out = append(out, sq)
		}
	}
	return out, nil
}

func (s *Server) documentThumbnail(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleViewer, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc, size, err := s.deps.Documents.Thumbnail(r.Context(), d.SpaceID, d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = io.Copy(w, rc)
}

// documentPage answers GET /api/documents/{id}/pages/{n}?width=: page n
// (1-based) as a PNG. X-Page-Cache says whether it came from the page
// cache; X-Page-Preview: thumbnail marks a document type without page
// rendering, whose page 1 is its thumbnail.
func (s *Server) documentPage(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	for name := range q {
		if name != "width" {
			s.writeError(w, r, &apperr.Error{Kind: apperr.Invalid, Message: "unknown query parameter " + strconv.Quote(name),
				Fields: map[string]string{name: "unknown parameter; this route takes width"}})
			return
		}
	}
	width := 0
	if v := q.Get("width"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			s.writeError(w, r, &apperr.Error{Kind: apperr.Invalid, Message: "width must be a whole number of pixels",
				Fields: map[string]string{"width": "a whole number; it is brought within 200 to 2000"}})
			return
		}
		width = n
	}
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleViewer, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		n = 0 // not a page: answered like a page beyond the last, after the access check
	}
	pg, err := s.deps.Documents.Page(r.Context(), d.SpaceID, d.ID, n, width)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Length", strconv.Itoa(len(pg.PNG)))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Page-Cache", map[bool]string{true: "hit", false: "miss"}[pg.Cached])
	if pg.Preview {
		h.Set("X-Page-Preview", "thumbnail")
	}
	_, _ = w.Write(pg.PNG)
}

func (s *Server) documentText(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleViewer, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	text, err := s.deps.Store.DocumentText(r.Context(), d.SpaceID, d.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = io.WriteString(w, text)
}

func (s *Server) reprocessDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleEditor, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deps.Documents.Reprocess(r.Context(), s.inSpace(r, p, d.SpaceID, d.OwnerID), d.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "queued"})
}

func (s *Server) classifyDocument(w http.ResponseWriter, r *http.Request, p *Principal) {
	d, err := s.documentAccess(r, p, r.PathValue("id"), model.RoleEditor, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.deps.Documents.Classify(r.Context(), s.inSpace(r, p, d.SpaceID, d.OwnerID), d.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "queued"})
}
