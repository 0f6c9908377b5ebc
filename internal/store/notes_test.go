package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/searchquery"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Notes: newest first, paged, counted on the document, searchable while
// they exist (on both engines), and kept when their author's account goes.
func TestNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		d := mkDoc(t, s, a.ID, "Lease", 1)
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "The flat on Elm Road.", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		search := func(word string) int {
			t.Helper()
			hits, _, err := s.SearchDocuments(ctx, a.ID, words(word), store.DocumentFilter{}, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return len(hits)
		}
		if search("quetzalcoatl") != 0 {
			t.Fatal("found before the note exists")
		}
		var notes []*model.Note
		for _, body := range []string{"first: the landlord is Mr Quetzalcoatl", "second", "third"} {
			n := &model.Note{DocumentID: d.ID, AuthorID: a.ID, Body: body}
			if err := s.CreateNote(ctx, n); err != nil {
				t.Fatal(err)
			}
			notes = append(notes, n)
		}
		hits, _, err := s.SearchDocuments(ctx, a.ID, words("quetzalcoatl"), store.DocumentFilter{}, store.Page{})
		if err != nil || len(hits) != 1 || hits[0].ID != d.ID {
			t.Fatalf("search for a note's word: %d hits, %v", len(hits), err)
		}
		if sn := searchquery.Snippet(hits[0].Text, []string{"quetzalcoatl"}); !strings.Contains(sn, "<mark>Quetzalcoatl</mark>") {
			t.Errorf("snippet %q lacks the note's word", sn)
		}
		if hits[0].NoteCount != 3 {
			t.Errorf("search hit NoteCount = %d", hits[0].NoteCount)
		}
		// Another owner's search never sees it.
		if hits, _, _ := s.SearchDocuments(ctx, b.ID, words("quetzalcoatl"), store.DocumentFilter{}, store.Page{}); len(hits) != 0 {
			t.Fatal("another owner finds the note")
		}
		// The text is still indexed beside the notes, and a re-index
		// (processing again) keeps the notes.
		if search("elm") != 1 {
			t.Fatal("text no longer found")
		}
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "The flat on Oak Road.", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		if search("quetzalcoatl") != 1 || search("oak") != 1 {
			t.Fatal("re-processing dropped the notes from the index")
		}

		got, err := s.Document(ctx, a.ID, d.ID)
		if err != nil || got.NoteCount != 3 {
			t.Fatalf("NoteCount %d, %v", got.NoteCount, err)
		}
		list, _, _ := s.ListDocuments(ctx, a.ID, store.DocumentFilter{}, store.Page{})
		if len(list) != 1 || list[0].NoteCount != 3 {
			t.Fatalf("list NoteCount: %+v", list)
		}

		page, next, err := s.ListNotes(ctx, d.ID, store.Page{Limit: 2})
		if err != nil || len(page) != 2 || next == "" || page[0].ID != notes[2].ID || page[1].ID != notes[1].ID {
			t.Fatalf("first page: %v %q %v", page, next, err)
		}
		if page[0].AuthorID != a.ID || page[0].AuthorName != a.DisplayName || page[0].Body != "third" || page[0].CreatedAt.IsZero() {
			t.Fatalf("note %+v", page[0])
		}
		page, next, err = s.ListNotes(ctx, d.ID, store.Page{Limit: 2, Cursor: next})
		if err != nil || len(page) != 1 || next != "" || page[0].ID != notes[0].ID {
			t.Fatalf("second page: %v %q %v", page, next, err)
		}
		if _, _, err := s.ListNotes(ctx, d.ID, store.Page{Cursor: "nonsense"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad cursor: %v", err)
		}

		if err := s.DeleteNote(ctx, d.ID, notes[0].ID); err != nil {
			t.Fatal(err)
		}
		if search("quetzalcoatl") != 0 {
			t.Fatal("found after the note was deleted")
		}
		if err := s.DeleteNote(ctx, d.ID, notes[0].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := s.Note(ctx, d.ID, notes[1].ID); err != nil {
			t.Fatal(err)
		}
		// A note id under another document is not found.
		other := mkDoc(t, s, a.ID, "Other", 1)
		if _, err := s.Note(ctx, other.ID, notes[1].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("note under another document: %v", err)
		}
		if err := s.DeleteNote(ctx, other.ID, notes[1].ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("delete under another document: %v", err)
		}
		if err := s.CreateNote(ctx, &model.Note{DocumentID: "no-such-document", AuthorID: a.ID, Body: "x"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("note on a missing document: %v", err)
		}

		// b writes a note (as a space member will), then b's account goes:
		// the note stays, without an author.
		bn := &model.Note{DocumentID: d.ID, AuthorID: b.ID, Body: "from b"}
		if err := s.CreateNote(ctx, bn); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		n, err := s.Note(ctx, d.ID, bn.ID)
		if err != nil || n.AuthorID != "" || n.AuthorName != "" {
			t.Fatalf("note of a deleted author: %+v %v", n, err)
		}

		// Purging the document removes its notes.
		if err := s.DeleteDocumentRow(ctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Note(ctx, d.ID, bn.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("note of a purged document: %v", err)
		}
	})
}
