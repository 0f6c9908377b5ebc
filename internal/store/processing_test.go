package store_test

import (
	"context"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestProcessingBacklog counts the owner's documents still processing, the
// given one included, never another owner's, and stops at the limit.
func TestProcessingBacklog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		var as []*model.Document
		for i := range 6 {
			as = append(as, mkDoc(t, s, a.ID, string(rune('a'+i)), 1))
		}
		if err := s.SetDocumentStatus(ctx, as[0].ID, model.StatusReady, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDocumentStatus(ctx, as[1].ID, model.StatusFailed, "broken"); err != nil {
			t.Fatal(err)
		}
		bd := mkDoc(t, s, b.ID, "first", 1)
		for _, tt := range []struct {
			name  string
			id    string
			limit int
			want  int
		}{
			{"backlog of four", as[5].ID, 10, 4},
			{"stops at the limit", as[5].ID, 3, 3},
			{"another owner's first", bd.ID, 4, 1},
			{"unknown document", "nope", 4, 0},
		} {
			if n, err := s.ProcessingBacklog(ctx, tt.id, tt.limit); err != nil || n != tt.want {
				t.Errorf("%s: %d, %v; want %d", tt.name, n, err, tt.want)
			}
		}
	})
}

// TestSaveExtractionTextTruncated: a document whose text a limit cut is
// ready, searchable in the part kept, and says it is truncated; processing
// it again with its whole text clears the mark.
func TestSaveExtractionTextTruncated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		d := mkDoc(t, s, a.ID, "huge", 1)
		if got, _ := s.Document(ctx, a.ID, d.ID); got.TextTruncated {
			t.Fatal("a new document is truncated")
		}
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "beginning of a huge log", PageCount: 1, TextTruncated: true}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Document(ctx, a.ID, d.ID)
		if err != nil || got.Status != model.StatusReady || !got.TextTruncated {
			t.Fatalf("after a truncated extraction: %+v %v", got, err)
		}
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "whole", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Document(ctx, a.ID, d.ID); got.TextTruncated {
			t.Fatal("still truncated after a whole extraction")
		}
	})
}
