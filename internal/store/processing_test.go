package store_test

import (
	"context"
	"testing"

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
		var as []*store.Document
		for i := range 6 {
			as = append(as, mkDoc(t, s, a.ID, string(rune('a'+i)), 1))
		}
		if err := s.SetDocumentStatus(ctx, as[0].ID, store.StatusReady, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDocumentStatus(ctx, as[1].ID, store.StatusFailed, "broken"); err != nil {
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
