package store_test

import (
	"context"
	"errors"
	"testing"

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
		if err := s.PutAISettings(ctx, &store.AISettings{UserID: a.ID, Provider: "openai", Model: "gpt-4o", APIKey: []byte{1, 2}}); err != nil {
			t.Fatal(err)
		}
		if err := s.PutAISettings(ctx, &store.AISettings{UserID: a.ID, Provider: "anthropic"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.AISettings(ctx, a.ID)
		if err != nil || got.Provider != "anthropic" || got.APIKey != nil {
			t.Fatalf("settings: %+v %v", got, err)
		}

		taxes := &store.Topic{OwnerID: a.ID, Name: "Taxes"}
		health := &store.Topic{OwnerID: a.ID, Name: "Health"}
		foreign := &store.Topic{OwnerID: b.ID, Name: "Foreign"}
		for _, tp := range []*store.Topic{taxes, health, foreign} {
			if err := s.CreateTopic(ctx, tp); err != nil {
				t.Fatal(err)
			}
		}
		d := mkDoc(t, s, a.ID, "return", 10)
		if err := s.SaveExtraction(ctx, d.ID, store.Extraction{Text: "income tax return 2025", PageCount: 1}); err != nil {
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
		if err := s.SetAITopics(ctx, d.ID, []store.AITopic{{TopicID: taxes.ID, Confidence: 0.2}, {TopicID: health.ID, Confidence: 0.9}, {TopicID: foreign.ID, Confidence: 1}}); err != nil {
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
		// Models: saved, then stale when the user's assignments change.
		if err := s.SaveClassifierModel(ctx, a.ID, []byte("model"), 1); err != nil {
			t.Fatal(err)
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
		// Suggestions merge by name, hide other owners' documents, and are taken once.
		if err := s.AddSuggestions(ctx, a.ID, []store.TopicSuggestion{{Name: "Insurance", Reason: "policy, premium", DocumentIDs: []string{d.ID}},
			{Name: "taxes", Reason: "exists already"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSuggestions(ctx, a.ID, []store.TopicSuggestion{{Name: "insurance", Reason: "policy", DocumentIDs: []string{d.ID, "someone-elses"}}}); err != nil {
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
