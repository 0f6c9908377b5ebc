package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func TestClassificationStorage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		if _, err := s.AISettings(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("no settings yet: %v", err)
		}
		if err := s.PutAISettings(ctx, &model.AISettings{UserID: a.ID, Provider: "openai", Model: "gpt-4o", APIKey: []byte{1, 2}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutAISettings(ctx, &model.AISettings{UserID: a.ID, Provider: "anthropic"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AISettings(ctx, a.ID)
		if err != nil || got.Provider != "anthropic" || got.APIKey != nil {
			t.Fatalf("settings: %+v %v", got, err)
		}

		taxes := &model.Topic{OwnerID: a.ID, Name: "Taxes"}
		health := &model.Topic{OwnerID: a.ID, Name: "Health"}
		foreign := &model.Topic{OwnerID: b.ID, Name: "Foreign"}
		for _, tp := range []*model.Topic{taxes, health, foreign} {
			if err := s.CreateTopic(ctx, tp); err != nil {
				t.Fatal(err)
			}
		}
		d := mkDoc(t, s, a.ID, "return", 10)
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "income tax return 2025", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserTopics(ctx, a.ID, d.ID, []string{taxes.ID}); err != nil {
			t.Fatal(err)
		}
		ex, err := s.TrainingExamples(ctx, a.ID, 100)
		if err != nil || len(ex) != 1 || ex[0].TopicIDs[0] != taxes.ID || ex[0].Text != "return\nincome tax return 2025" {
			t.Fatalf("examples: %+v %v", ex, err)
		}
		// The classifier never overrides the user's topic nor adds another owner's.
		if err := s.SetAITopics(ctx, d.ID, []model.AITopic{{TopicID: taxes.ID, Confidence: 0.2}, {TopicID: health.ID, Confidence: 0.9}, {TopicID: foreign.ID, Confidence: 1}}); err != nil {
			t.Fatal(err)
		}
		doc, _ := s.Document(ctx, a.ID, d.ID)
		if len(doc.Topics) != 2 {
			t.Fatalf("topics %+v", doc.Topics)
		}
		for _, tp := range doc.Topics {
			switch tp.TopicID {
			case taxes.ID:
				if tp.Source != "user" || tp.Confidence != nil {
					t.Fatalf("user topic overwritten: %+v", tp)
				}
			case health.ID:
				if tp.Source != "ai" || tp.Confidence == nil || *tp.Confidence != 0.9 {
					t.Fatalf("ai topic: %+v", tp)
				}
			default:
				t.Fatalf("unexpected topic %+v", tp)
			}
		}
		// Models: saved with the generation trained on, then stale when the user's assignments change.
		gen, _, err := s.LabelGeneration(ctx, a.ID)
		if err != nil || gen == 0 {
			t.Fatalf("generation after labelling: %d %v", gen, err)
		}
		if ok, err := s.SaveClassifierModel(ctx, a.ID, []byte("model"), 1, gen); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if m, err := s.ClassifierModel(ctx, a.ID); err != nil || m.Stale || string(m.Data) != "model" {
			t.Fatalf("model: %+v %v", m, err)
		}
		if err := s.SetUserTopics(ctx, a.ID, d.ID, []string{taxes.ID, health.ID}); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.ClassifierModel(ctx, a.ID); !m.Stale {
			t.Fatal("model not marked stale after the user changed topics")
		}
		// A training that read the older generation saves, but the model stays stale; an even older
		// one never replaces it.
		if ok, err := s.SaveClassifierModel(ctx, a.ID, []byte("model2"), 1, gen); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if m, _ := s.ClassifierModel(ctx, a.ID); !m.Stale || m.Version != 2 || string(m.Data) != "model2" {
			t.Fatalf("model saved on an old generation: %+v", m)
		}
		if ok, err := s.SaveClassifierModel(ctx, a.ID, []byte("older"), 1, gen-1); err != nil || ok {
			t.Fatalf("older training replaced the model: %v %v", ok, err)
		}
		if due, err := s.DueTrainings(ctx, time.Now().Add(time.Minute)); err != nil || len(due) != 1 || due[0] != a.ID {
			t.Fatalf("due: %v %v", due, err)
		}
		if due, _ := s.DueTrainings(ctx, time.Now().Add(-time.Minute)); len(due) != 0 {
			t.Fatalf("due before labels settled: %v", due)
		}
		// A document with topics given at upload counts once it is ready.
		up := mkDoc(t, s, a.ID, "upload", 10)
		if err := s.SetUserTopics(ctx, a.ID, up.ID, []string{taxes.ID}); err != nil {
			t.Fatal(err)
		}
		g1, _, _ := s.LabelGeneration(ctx, a.ID)
		if err := s.SaveExtraction(ctx, up.ID, model.Extraction{Text: "tax", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		if g2, _, _ := s.LabelGeneration(ctx, a.ID); g2 != g1+1 {
			t.Fatalf("generation %d -> %d when a labelled upload became ready", g1, g2)
		}
		// Classification records.
		if err := s.SetClassification(ctx, up.ID, model.Classification{State: model.ClassificationDone, Provider: "local",
			ModelGeneration: 1, Candidates: []model.AITopic{{TopicID: taxes.ID, Confidence: 0.8}}}); err != nil {
			t.Fatal(err)
		}
		cs, err := s.Classifications(ctx, a.ID, []string{up.ID, d.ID})
		if err != nil || len(cs) != 1 || cs[up.ID].State != "done" || len(cs[up.ID].Candidates) != 1 || cs[up.ID].Candidates[0].Confidence != 0.8 {
			t.Fatalf("classifications: %+v %v", cs, err)
		}
		if other, _ := s.Classifications(ctx, b.ID, []string{up.ID}); len(other) != 0 {
			t.Fatal("classification of another owner's document")
		}
		// Suggestions merge by name, hide other owners' documents, and are taken once.
		if err := s.AddSuggestions(ctx, a.ID, []model.TopicSuggestion{{Name: "Insurance", Reason: "policy, premium", DocumentIDs: []string{d.ID}},
			{Name: "taxes", Reason: "exists already"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSuggestions(ctx, a.ID, []model.TopicSuggestion{{Name: "insurance", Reason: "policy", DocumentIDs: []string{d.ID, "someone-elses"}}}); err != nil {
			t.Fatal(err)
		}
		sugs, err := s.Suggestions(ctx, a.ID, "")
		if err != nil || len(sugs) != 1 || len(sugs[0].DocumentIDs) != 1 {
			t.Fatalf("suggestions: %+v %v", sugs, err)
		}
		if other, _ := s.Suggestions(ctx, b.ID, ""); len(other) != 0 {
			t.Fatal("suggestions leak to another owner")
		}
		if _, err := s.TakeSuggestion(ctx, b.ID, "Insurance"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("another owner takes the suggestion: %v", err)
		}
		if sg, err := s.TakeSuggestion(ctx, a.ID, "INSURANCE"); err != nil || sg.Name != "Insurance" {
			t.Fatalf("take: %+v %v", sg, err)
		}
		if _, err := s.TakeSuggestion(ctx, a.ID, "Insurance"); !errors.Is(err, store.ErrNotFound) {
			t.Fatal("a suggestion is taken once")
		}
	})
}

// Every change to what the classifier learns from bumps the label generation: filing a ready document,
// trashing and restoring a labelled one, deleting a topic.
func TestLabelGenerationBumps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		tp := &model.Topic{OwnerID: a.ID, Name: "Taxes"}
		if err := s.CreateTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
		d := mkDoc(t, s, a.ID, "return", 10)
		if err := s.SaveExtraction(ctx, d.ID, model.Extraction{Text: "tax", PageCount: 1}); err != nil {
			t.Fatal(err)
		}
		gen := func() int64 {
			g, _, err := s.LabelGeneration(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		steps := []struct {
			name string
			do   func() error
		}{
			{"file", func() error { return s.SetUserTopics(ctx, a.ID, d.ID, []string{tp.ID}) }},
			{"trash", func() error { return s.TrashDocument(ctx, a.ID, d.ID) }},
			{"restore", func() error { return s.RestoreDocument(ctx, a.ID, d.ID) }},
			{"delete topic", func() error { return s.DeleteTopic(ctx, a.ID, tp.ID) }},
		}
		for _, st := range steps {
			before := gen()
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if after := gen(); after != before+1 {
				t.Errorf("%s: generation %d -> %d", st.name, before, after)
			}
		}
	})
}
