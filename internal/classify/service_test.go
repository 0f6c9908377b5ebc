package classify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/classify"
	"github.com/docuvault/docuvault/internal/cloud/seal"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// addDoc stores a processed document with text.
func addDoc(t *testing.T, st *store.Store, owner, title, text string) string {
	t.Helper()
	ctx := context.Background()
	d := &store.Document{ID: store.NewID(), OwnerID: owner, Title: title, OriginalFilename: title + ".txt", MIMEType: "text/plain",
		SizeBytes: int64(len(text)), SHA256: fmt.Sprintf("%064x", len(title)+len(text)), BlobKey: owner + "/k/" + title}
	if err := st.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveExtraction(ctx, d.ID, store.Extraction{Text: text, PageCount: 1}); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// A new user with no AI configured files a few documents under each topic;
// from then on new documents are sorted for them by the local classifier.
func TestLocalClassificationLearnsFromFiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		sl, err := seal.New([]byte(strings.Repeat("k", 32)))
		if err != nil {
			t.Fatal(err)
		}
		svc := classify.NewService(st, sl, classify.Defaults{}, nil, nil)
		u := &store.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tax := &store.Topic{OwnerID: u.ID, Name: "Taxes"}
		health := &store.Topic{OwnerID: u.ID, Name: "Health"}
		for _, tp := range []*store.Topic{tax, health} {
			if err := st.CreateTopic(ctx, tp); err != nil {
				t.Fatal(err)
			}
		}
		taxTexts := []string{"income tax return for the fiscal year, deductions and refund from the tax office",
			"tax assessment notice: your income tax refund will be paid", "property tax bill for the fiscal year",
			"the tax office requests receipts for deductions", "annual tax return form with income statement"}
		healthTexts := []string{"doctor appointment and prescription for the pharmacy", "hospital discharge letter and blood test results",
			"dental treatment invoice from the dentist", "vaccination record from the clinic and doctor",
			"health insurance card and prescription renewal from the doctor"}
		for i := range taxTexts {
			if err := st.SetUserTopics(ctx, u.ID, addDoc(t, st, u.ID, fmt.Sprint("tax", i), taxTexts[i]), []string{tax.ID}); err != nil {
				t.Fatal(err)
			}
			if err := st.SetUserTopics(ctx, u.ID, addDoc(t, st, u.ID, fmt.Sprint("health", i), healthTexts[i]), []string{health.ID}); err != nil {
				t.Fatal(err)
			}
		}
		fresh := addDoc(t, st, u.ID, "letter", "the tax office confirms your income tax refund for the fiscal year")
		if err := svc.ClassifyDocument(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		d, _ := st.Document(ctx, u.ID, fresh)
		if len(d.Topics) != 1 || d.Topics[0].TopicID != tax.ID || d.Topics[0].Source != "ai" || d.Topics[0].Confidence == nil {
			t.Fatalf("topics of the new document: %+v", d.Topics)
		}
		if m, err := st.ClassifierModel(ctx, u.ID); err != nil || m.Stale || m.ExampleCount != 10 {
			t.Fatalf("model: %+v %v", m, err)
		}
		// The user's own choice wins: re-filing as Health and classifying again keeps it.
		if err := st.SetUserTopics(ctx, u.ID, fresh, []string{health.ID}); err != nil {
			t.Fatal(err)
		}
		if err := svc.ClassifyDocument(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		d, _ = st.Document(ctx, u.ID, fresh)
		for _, tp := range d.Topics {
			if tp.TopicID == health.ID && tp.Source != "user" {
				t.Fatalf("user topic overwritten: %+v", d.Topics)
			}
		}
		// Settings: the key is sealed, never returned, and kept when omitted.
		key := "sk-test-123"
		set, err := svc.PutSettings(ctx, u.ID, classify.SettingsInput{Provider: "openai", APIKey: &key})
		if err != nil || !set.APIKeySet || set.Provider != "openai" {
			t.Fatalf("settings: %+v %v", set, err)
		}
		raw, _ := st.AISettings(ctx, u.ID)
		if strings.Contains(string(raw.APIKey), key) {
			t.Fatal("the API key is stored in clear")
		}
		set, _ = svc.PutSettings(ctx, u.ID, classify.SettingsInput{Provider: "openai", Model: "gpt-4o-mini"})
		if !set.APIKeySet {
			t.Fatal("omitting the key must keep it")
		}
		if _, err := svc.PutSettings(ctx, u.ID, classify.SettingsInput{Provider: "skynet"}); err == nil {
			t.Fatal("unknown provider accepted")
		}
		// Suggestions from unfiled documents that share terms.
		addDoc(t, st, u.ID, "lease1", "apartment lease agreement with the landlord, monthly rent and deposit")
		addDoc(t, st, u.ID, "lease2", "landlord notice: the monthly rent rises, lease agreement amended")
		sugs, err := svc.Suggestions(ctx, u.ID, "")
		if err != nil || len(sugs) == 0 {
			t.Fatalf("suggestions: %+v %v", sugs, err)
		}
		topic, err := svc.AcceptSuggestion(ctx, u.ID, sugs[0].Name)
		if err != nil || topic.DocumentCount < 2 {
			t.Fatalf("accept: %+v %v", topic, err)
		}
	})
}

// TestClassifyPastDeadlineSaysSo: a provider that never answers (a user's
// own server that hangs) is cut at the job's deadline and the document says
// why, instead of the job failing to record anything and being retried.
func TestClassifyPastDeadlineSaysSo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		stop := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		}))
		defer hang.Close()
		defer close(stop)
		sl, err := seal.New([]byte(strings.Repeat("k", 32)))
		if err != nil {
			t.Fatal(err)
		}
		svc := classify.NewService(st, sl, classify.Defaults{}, nil, nil)
		u := &store.User{Email: "slow@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateTopic(ctx, &store.Topic{OwnerID: u.ID, Name: "Taxes"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PutSettings(ctx, u.ID, classify.SettingsInput{Provider: "ollama", BaseURL: hang.URL + "/v1"}); err != nil {
			t.Fatal(err)
		}
		id := addDoc(t, st, u.ID, "letter", "the tax office writes")
		jctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		err = svc.ClassifyDocument(jctx, id)
		d, _ := st.Document(ctx, u.ID, id)
		if d.Status != store.StatusReady || !strings.Contains(d.Error, "longer than the job's time limit") {
			t.Fatalf("after the deadline: %v; document %s %q", err, d.Status, d.Error)
		}
	})
}
