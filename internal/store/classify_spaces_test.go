package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
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
			s := openAtVersion(t, d, 80)
			u := &model.User{Email: "a@x.test", PasswordHash: "h"}
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

			sh := &model.Space{Name: "Home", OwnerID: u.ID}
			if err := s.CreateSpace(ctx, sh); err != nil {
				t.Fatal(err)
			}
			if err := s.BumpLabelGeneration(ctx, sh.ID); err != nil {
				t.Fatal(err)
			}
			if ok, err := s.SaveClassifierModel(ctx, sh.ID, []byte("shared"), 4, 1); err != nil || !ok {
				t.Fatal(ok, err)
			}
			if err := s.AddSuggestions(ctx, sh.ID, []model.TopicSuggestion{{Name: "Lease", Reason: "rent"}}); err != nil {
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

// Who set a correspondent or type: a person's choice (SetDocumentsLabel, also "none") is an example
// for the classifier and is never replaced by SetAutoLabel; the classifier's own answer may be
// replaced or cleared; a deleted label or a move leaves nobody's choice. Migration 00096 makes every
// correspondent and type set before it a person's.
func TestLabelSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		label := func(space, name string) string {
			l := &model.Label{SpaceID: space, Name: name}
			if err := s.CreateLabel(ctx, model.Correspondents, l); err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		acme, globex, foreign := label(a.ID, "ACME"), label(a.ID, "Globex"), label(b.ID, "Foreign")
		docs := make([]string, 3)
		for i := range docs {
			d := mkDoc(t, s, a.ID, fmt.Sprint("d", i), 10)
			if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: fmt.Sprint("text ", i), PageCount: 1}); err != nil {
				t.Fatal(err)
			}
			docs[i] = d.ID
		}
		get := func(id string) *model.Document {
			d, err := s.Document(ctx, a.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		g0, _, _ := s.LabelGeneration(ctx, a.ID)
		if err := s.SetDocumentsLabel(ctx, model.Correspondents, []string{docs[0]}, acme); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDocumentsLabel(ctx, model.Correspondents, []string{docs[1]}, ""); err != nil {
			t.Fatal(err)
		}
		if g, _, _ := s.LabelGeneration(ctx, a.ID); g != g0+2 {
			t.Fatalf("a person's correspondent is a label: generation %d -> %d", g0, g)
		}
		if d := get(docs[0]); d.CorrespondentID != acme || d.CorrespondentSource != model.LabelUser {
			t.Fatalf("set by a person: %+v", d)
		}
		for _, id := range docs[:2] {
			if ok, err := s.SetAutoLabel(ctx, model.Correspondents, id, globex); err != nil || ok {
				t.Fatalf("the classifier replaced a person's choice: %v %v", ok, err)
			}
		}
		if d := get(docs[1]); d.CorrespondentID != "" || d.CorrespondentSource != model.LabelUser {
			t.Fatalf("a person's none: %+v", d)
		}
		if ok, err := s.SetAutoLabel(ctx, model.Correspondents, docs[2], foreign); err != nil || ok {
			t.Fatalf("another space's correspondent applied: %v %v", ok, err)
		}
		if ok, err := s.SetAutoLabel(ctx, model.Correspondents, docs[2], globex); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if d := get(docs[2]); d.CorrespondentID != globex || d.CorrespondentSource != model.LabelAuto {
			t.Fatalf("set by the classifier: %+v", d)
		}
		ex, err := s.LabelExamples(ctx, model.Correspondents, a.ID, 100)
		if err != nil || len(ex) != 2 {
			t.Fatalf("examples: %+v %v", ex, err)
		}
		for _, e := range ex {
			if (e.DocumentID == docs[0]) != (len(e.TopicIDs) == 1 && e.TopicIDs[0] == acme) {
				t.Fatalf("examples: %+v", ex)
			}
		}
		if _, err := s.SetAutoLabel(ctx, model.Correspondents, docs[2], ""); err != nil {
			t.Fatal(err)
		}
		if d := get(docs[2]); d.CorrespondentID != "" || d.CorrespondentSource != "" {
			t.Fatalf("cleared by the classifier: %+v", d)
		}
		if _, err := s.SetAutoLabel(ctx, model.Correspondents, docs[0], ""); err != nil {
			t.Fatal(err)
		}
		if d := get(docs[0]); d.CorrespondentID != acme {
			t.Fatalf("the classifier cleared a person's choice: %+v", d)
		}
		if err := s.DeleteLabel(ctx, model.Correspondents, acme); err != nil {
			t.Fatal(err)
		}
		if d := get(docs[0]); d.CorrespondentID != "" || d.CorrespondentSource != "" {
			t.Fatalf("after the correspondent was deleted: %+v", d)
		}
		// A move leaves nobody's choice in the new space (a person's "none" here).
		sh := &model.Space{Name: "Home", OwnerID: a.ID}
		if err := s.CreateSpace(ctx, sh); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveDocument(ctx, get(docs[1]), sh); err != nil {
			t.Fatal(err)
		}
		if d, err := s.Document(ctx, sh.ID, docs[1]); err != nil || d.CorrespondentSource != "" {
			t.Fatalf("after a move: %+v %v", d, err)
		}
	})
}

func TestMigrationLabelSources(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := openAtVersion(t, d, 95)
			u := &model.User{Email: "a@x.test", PasswordHash: "h"}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			l := &model.Label{SpaceID: u.ID, Name: "ACME"}
			if err := s.CreateLabel(ctx, model.Correspondents, l); err != nil {
				t.Fatal(err)
			}
			set, unset := store.NewID(), store.NewID()
			for i, id := range []string{set, unset} {
				if err := s.CreateDocument(ctx, &model.Document{ID: id, OwnerID: u.ID, Title: "doc", OriginalFilename: "d.txt",
					MIMEType: "text/plain", SizeBytes: 1, SHA256: fmt.Sprintf("%064d", i), BlobKey: id}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.DB().ExecContext(ctx, `UPDATE documents SET correspondent_id = $1 WHERE id = $2`, l.ID, set); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx, ""); err != nil {
				t.Fatal(err)
			}
			if d, err := s.Document(ctx, u.ID, set); err != nil || d.CorrespondentID != l.ID || d.CorrespondentSource != model.LabelUser {
				t.Fatalf("a correspondent set before: %+v %v", d, err)
			}
			if d, err := s.Document(ctx, u.ID, unset); err != nil || d.CorrespondentSource != "" {
				t.Fatalf("none set before: %+v %v", d, err)
			}
		})
	}
}
