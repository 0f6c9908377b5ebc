package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// Migration 00095 on a database whose classifier rows are per user: the rows are kept and are now
// the users' personal spaces' (whose ids are the users'), and shared spaces get rows of their own,
// which go with the space.
func TestMigrationClassifierSpaces(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			o := store.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")}
			if d == store.Postgres {
				o = store.Options{DatabaseURL: storetest.PostgresURL(t), MaxConns: 4}
			}
			s, err := store.Open(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.MigrateTo(ctx, 80); err != nil {
				t.Fatal(err)
			}
			u := &store.User{Email: "a@x.test", PasswordHash: "h"}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			db := s.DB()
			now := time.Now().UTC().Truncate(time.Second)
			for _, q := range []string{
				`INSERT INTO classifier_labels (user_id, generation, changed_at) VALUES ($1, 7, $2)`,
				`INSERT INTO classifier_models (user_id, model, example_count, trained_at, stale, generation, version) VALUES ($1, 'm', 12, $2, FALSE, 6, 3)`,
				`INSERT INTO topic_suggestions (id, owner_id, name, name_key, reason, document_ids, created_at) VALUES ('sg1', $1, 'Lease', 'lease', 'rent', '[]', $2)`,
			} {
				if _, err := db.ExecContext(ctx, q, u.ID, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx, ""); err != nil {
				t.Fatal(err)
			}
			if g, _, err := s.LabelGeneration(ctx, u.ID); err != nil || g != 7 {
				t.Fatalf("generation: %d %v", g, err)
			}
			m, err := s.ClassifierModel(ctx, u.ID)
			if err != nil || string(m.Data) != "m" || m.ExampleCount != 12 || m.Version != 3 || m.Generation != 6 || !m.Stale {
				t.Fatalf("model: %+v %v", m, err)
			}
			if sg, err := s.Suggestions(ctx, u.ID, ""); err != nil || len(sg) != 1 || sg[0].Name != "Lease" {
				t.Fatalf("suggestions: %+v %v", sg, err)
			}

			sh := &store.Space{Name: "Home", OwnerID: u.ID}
			if err := s.CreateSpace(ctx, sh); err != nil {
				t.Fatal(err)
			}
			if err := s.BumpLabelGeneration(ctx, sh.ID); err != nil {
				t.Fatal(err)
			}
			if ok, err := s.SaveClassifierModel(ctx, sh.ID, []byte("shared"), 4, 1); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if err := s.AddSuggestions(ctx, sh.ID, []store.TopicSuggestion{{Name: "Lease", Reason: "rent"}}); err != nil {
				t.Fatal(err)
			}
			if m, err := s.ClassifierModel(ctx, sh.ID); err != nil || string(m.Data) != "shared" || m.Stale {
				t.Fatalf("shared model: %+v %v", m, err)
			}
			if m, _ := s.ClassifierModel(ctx, u.ID); string(m.Data) != "m" {
				t.Fatalf("the personal model changed: %+v", m)
			}
			if err := s.BumpLabelGeneration(ctx, "no-such-space"); err != nil {
				t.Fatalf("an unknown space: %v", err)
			}
			if err := s.DeleteSpace(ctx, sh.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ClassifierModel(ctx, sh.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the model outlives its space: %v", err)
			}
			if g, _, _ := s.LabelGeneration(ctx, sh.ID); g != 0 {
				t.Fatalf("the labels outlive their space: %d", g)
			}
			if err := s.DeleteUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ClassifierModel(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the model outlives its user: %v", err)
			}
		})
	}
}
