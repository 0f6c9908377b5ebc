package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestSearchPageDetailsInOneQuery: a search page's topics (by name), field
// values (by name), note counts and snippet texts (extracted text, then the
// notes oldest first) are what the document's own read returns, on both
// engines, and all of them come from one statement; a list page's topics,
// fields and note counts too.
func TestSearchPageDetailsInOneQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		full := mkDoc(t, s, a.ID, "Walrus report", 1)
		noted := mkDoc(t, s, a.ID, "Walrus letter", 1)
		bare := mkDoc(t, s, a.ID, "Walrus photo", 1)
		for d, text := range map[*model.Document]string{full: "The walrus text body.", noted: "Another walrus."} {
			if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: text, PageCount: 1}); err != nil {
				t.Fatal(err)
			}
		}
		var topics []string
		for _, name := range []string{"Taxes", "health", "Bills"} {
			tp := &model.Topic{OwnerID: a.ID, Name: name}
			if err := s.CreateTopic(ctx, tp); err != nil {
				t.Fatal(err)
			}
			topics = append(topics, tp.ID)
		}
		if err := s.SetUserTopics(ctx, a.ID, full.ID, topics); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserTopics(ctx, a.ID, noted.ID, topics[:1]); err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct {
			name, typ string
			v         model.FieldValue
		}{{"Reference", "text", model.FieldValue{Value: "R-7"}}, {"amount", "monetary", model.FieldValue{Value: "EUR3.50", Num: num(3.5)}}} {
			field := &model.CustomField{SpaceID: a.ID, Name: f.name, Type: f.typ}
			if err := s.CreateField(ctx, field); err != nil {
				t.Fatal(err)
			}
			v := f.v
			if err := s.SetDocumentsField(ctx, []string{full.ID}, field.ID, &v); err != nil {
				t.Fatal(err)
			}
		}
		for i, body := range []string{"first walrus note", "second", "third"} {
			d := full
			if i == 2 {
				d = noted
			}
			if err := s.CreateNote(ctx, &model.Note{DocumentID: d.ID, AuthorID: a.ID, Body: body}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond) // distinct created_at, so the order is the notes' order
		}

		stop := s.RecordQueries()
		hits, _, err := s.SearchDocuments(ctx, a.ID, words("walrus"), store.DocumentFilter{}, store.Page{})
		queries := stop()
		if err != nil || len(hits) != 3 {
			t.Fatalf("search: %d hits, %v", len(hits), err)
		}
		details := 0
		for _, q := range queries {
			if strings.Contains(q, "document_topics") || strings.Contains(q, "document_notes") || strings.Contains(q, "document_texts") {
				details++
			}
		}
		// The member spaces, the ranked window (SQLite reads it first), the
		// details; the window is not full, so no statement asks where it ends.
		if details != 1 || len(queries) > 4 || slices.ContainsFunc(queries, func(q string) bool { return strings.Contains(q, "- 1 LIMIT 1") }) {
			t.Fatalf("%d statements, %d for the page's details:\n%s", len(queries), details, strings.Join(queries, "\n---\n"))
		}

		wantText := map[string]string{
			full.ID:  "Walrus report\nThe walrus text body.\nfirst walrus note\nsecond",
			noted.ID: "Walrus letter\nAnother walrus.\nthird",
			bare.ID:  "Walrus photo\n",
		}
		wantNotes := map[string]int{full.ID: 2, noted.ID: 1, bare.ID: 0}
		for _, h := range hits {
			if h.Text != wantText[h.ID] || h.NoteCount != wantNotes[h.ID] {
				t.Errorf("%s: text %q, %d notes; want %q, %d", h.Title, h.Text, h.NoteCount, wantText[h.ID], wantNotes[h.ID])
			}
			one, err := s.Document(ctx, a.ID, h.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameDetails(t, h.Title+" (search)", h.Document, one)
		}
		byID := map[string]*model.Document{}
		for _, h := range hits {
			byID[h.ID] = h.Document
		}
		if got := topicNames(byID[full.ID]); !slices.Equal(got, []string{"Bills", "health", "Taxes"}) {
			t.Errorf("topics by name: %v", got)
		}
		if f := byID[full.ID].Fields; len(f) != 2 || f[0].Name != "amount" || *f[0].Num != 3.5 || f[1].Value != "R-7" || f[1].Num != nil {
			t.Errorf("fields by name: %+v", f)
		}
		if len(byID[bare.ID].Topics) != 0 || byID[bare.ID].Topics == nil || byID[bare.ID].Fields == nil {
			t.Errorf("a document without details has empty, not nil, lists: %+v %+v", byID[bare.ID].Topics, byID[bare.ID].Fields)
		}

		stop = s.RecordQueries()
		list, _, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{}, store.Page{})
		queries = stop()
		if err != nil || len(list) != 3 {
			t.Fatalf("list: %d, %v", len(list), err)
		}
		details = 0
		for _, q := range queries {
			if strings.Contains(q, "document_topics") || strings.Contains(q, "document_notes") || strings.Contains(q, "document_field_values") {
				details++
			}
		}
		if details != 1 {
			t.Fatalf("list: %d statements for the page's details:\n%s", details, strings.Join(queries, "\n---\n"))
		}
		for _, d := range list {
			sameDetails(t, d.Title+" (list)", d, byID[d.ID])
			if d.NoteCount != wantNotes[d.ID] {
				t.Errorf("%s (list): %d notes, want %d", d.Title, d.NoteCount, wantNotes[d.ID])
			}
		}
	})
}

func topicNames(d *model.Document) []string {
	var out []string
	for _, tp := range d.Topics {
		out = append(out, tp.Name)
	}
	return out
}

// sameDetails compares the topics, field values and note counts of two
// reads of a document.
func sameDetails(t *testing.T, what string, got, want *model.Document) {
	t.Helper()
	if !slices.Equal(topicNames(got), topicNames(want)) || got.NoteCount != want.NoteCount || len(got.Fields) != len(want.Fields) {
		t.Errorf("%s: topics %v, %d notes, %d fields; want %v, %d, %d", what,
			topicNames(got), got.NoteCount, len(got.Fields), topicNames(want), want.NoteCount, len(want.Fields))
		return
	}
	for i := range got.Fields {
		g, w := got.Fields[i], want.Fields[i]
		if g.FieldID != w.FieldID || g.Name != w.Name || g.Type != w.Type || g.Value != w.Value || (g.Num == nil) != (w.Num == nil) {
			t.Errorf("%s: field %d %+v, want %+v", what, i, g, w)
		}
	}
	for i := range got.Topics {
		g, w := got.Topics[i], want.Topics[i]
		if g.TopicID != w.TopicID || g.Source != w.Source || (g.Confidence == nil) != (w.Confidence == nil) {
			t.Errorf("%s: topic %d %+v, want %+v", what, i, g, w)
		}
	}
}
