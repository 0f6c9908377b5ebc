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
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// addDoc stores a processed document with text.
func addDoc(t *testing.T, st *store.Store, owner, title, text string) string {
	t.Helper()
	ctx := context.Background()
	d := &model.Document{ID: store.NewID(), OwnerID: owner, Title: title, OriginalFilename: title + ".txt", MIMEType: "text/plain",
		SizeBytes: int64(len(text)), SHA256: fmt.Sprintf("%064x", len(title)+len(text)), BlobKey: owner + "/k/" + title}
	if err := st.CreateDocument(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveExtraction(ctx, d.ID, model.Extraction{Text: text, PageCount: 1}); err != nil {
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
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tax := &model.Topic{OwnerID: u.ID, Name: "Taxes"}
		health := &model.Topic{OwnerID: u.ID, Name: "Health"}
		for _, tp := range []*model.Topic{tax, health} {
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
		if n, err := svc.TrainDue(ctx, time.Now().Add(classify.TrainDelay)); err != nil || n != 1 {
			t.Fatalf("trainings: %d %v", n, err)
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
		u := &model.User{Email: "slow@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateTopic(ctx, &model.Topic{OwnerID: u.ID, Name: "Taxes"}); err != nil {
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
		if d.Status != model.StatusReady || !strings.Contains(d.Error, "longer than the job's time limit") {
			t.Fatalf("after the deadline: %v; document %s %q", err, d.Status, d.Error)
		}
	})
}

// user is a new user with topics named names.
func user(t *testing.T, st *store.Store, email string, names ...string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	u := &model.User{Email: email, PasswordHash: "h"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range names {
		tp := &model.Topic{OwnerID: u.ID, Name: n}
		if err := st.CreateTopic(ctx, tp); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tp.ID)
	}
	return u.ID, ids
}

var topicTexts = map[string][]string{
	"Taxes": {"income tax return for the fiscal year, deductions and refund from the tax office",
		"tax assessment notice: your income tax refund will be paid", "property tax bill for the fiscal year",
		"the tax office requests receipts for deductions", "annual tax return form with income statement"},
	"Health": {"doctor appointment and prescription for the pharmacy", "hospital discharge letter and blood test results",
		"dental treatment invoice from the dentist", "vaccination record from the clinic and doctor",
		"health insurance card and prescription renewal from the doctor"},
	"Travel": {"flight booking confirmation, departure gate and boarding pass", "hotel reservation for two nights near the airport",
		"train tickets and seat reservation for the journey", "passport renewal before the flight abroad",
		"car rental booking at the airport with the flight number"},
}

// label files the texts of topic name under topic id, as ready documents.
func label(t *testing.T, st *store.Store, owner, name, id string) {
	t.Helper()
	for i, text := range topicTexts[name] {
		if err := st.SetUserTopics(context.Background(), owner, addDoc(t, st, owner, fmt.Sprint(name, i), text), []string{id}); err != nil {
			t.Fatal(err)
		}
	}
}

func newService(t *testing.T, st *store.Store) *classify.Service {
	t.Helper()
	sl, err := seal.New([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return classify.NewService(st, sl, classify.Defaults{}, nil, nil)
}

// appliedTopics returns the AI topics of a document and its classification.
func appliedTopics(t *testing.T, st *store.Store, owner, doc string) ([]string, *model.Classification) {
	t.Helper()
	d, err := st.Document(context.Background(), owner, doc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tp := range d.Topics {
		if tp.Source == "ai" {
			out = append(out, tp.TopicID)
		}
	}
	cs, err := st.Classifications(context.Background(), owner, []string{doc})
	if err != nil {
		t.Fatal(err)
	}
	return out, cs[doc]
}

// A label changed while a training runs is not lost: the model is saved with the generation the
// training read, so it stays stale and the next due training learns the label. Before, saving cleared
// the stale mark and the label was never learned.
func TestLabelChangedDuringTrainingLeavesModelStale(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t, st)
		owner, ids := user(t, st, "a@x.test", "Taxes", "Health", "Travel")
		label(t, st, owner, "Taxes", ids[0])
		label(t, st, owner, "Health", ids[1])
		svc.SetAfterExamples(func() {
			svc.SetAfterExamples(nil)
			label(t, st, owner, "Travel", ids[2]) // the user files more while the training runs
		})
		if _, err := svc.Train(ctx, owner); err != nil {
			t.Fatal(err)
		}
		m, err := st.ClassifierModel(ctx, owner)
		if err != nil || !m.Stale || m.ExampleCount != 10 {
			t.Fatalf("model after a training that missed labels: %+v %v", m, err)
		}
		if n, err := svc.TrainDue(ctx, time.Now().Add(classify.TrainDelay)); err != nil || n != 1 {
			t.Fatalf("due trainings: %d %v", n, err)
		}
		if m, _ = st.ClassifierModel(ctx, owner); m.Stale || m.ExampleCount != 15 {
			t.Fatalf("model after the next training: %+v", m)
		}
		doc := addDoc(t, st, owner, "trip", "flight booking and hotel reservation near the airport")
		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if got, c := appliedTopics(t, st, owner, doc); len(got) != 1 || got[0] != ids[2] || c.State != "done" || len(c.Candidates) == 0 || c.Candidates[0].TopicID != ids[2] {
			t.Fatalf("applied %v, classification %+v", got, c)
		}
	})
}

// jobs records what the service queues; like the jobs engine it needs a transaction to queue in.
type jobs struct {
	classify []string
	trains   []string
}

func (j *jobs) EnqueueClassify(ctx context.Context, tx *store.Store, id string) error {
	if tx.Tx() == nil {
		return fmt.Errorf("EnqueueClassify outside a transaction")
	}
	j.classify = append(j.classify, id)
	return nil
}

func (j *jobs) EnqueueTrain(ctx context.Context, userID string) error {
	j.trains = append(j.trains, userID)
	return nil
}

// Topics given at upload count once the document is ready, even when a training ran in between, and
// documents classified while the model was missing or older are queued again after the training.
func TestUploadLabelsLearnedWhenReady(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t, st)
		q := &jobs{}
		svc.SetEnqueuer(q)
		owner, ids := user(t, st, "a@x.test", "Taxes", "Health")
		early := addDoc(t, st, owner, "early", "doctor appointment at the clinic")
		if err := svc.ClassifyDocument(ctx, early); err != nil {
			t.Fatal(err)
		}
		if _, c := appliedTopics(t, st, owner, early); c.State != "declined" {
			t.Fatalf("no labels at all: %+v", c)
		}
		label(t, st, owner, "Taxes", ids[0])
		var pending []string
		for i := range topicTexts["Health"] { // uploaded with a topic, still processing
			d := &model.Document{ID: store.NewID(), OwnerID: owner, Title: fmt.Sprint("h", i), OriginalFilename: "h.txt", MIMEType: "text/plain",
				SizeBytes: 1, SHA256: fmt.Sprintf("%064x", 100+i), BlobKey: owner + "/up/" + fmt.Sprint(i)}
			if err := st.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
			if err := st.SetUserTopics(ctx, owner, d.ID, []string{ids[1]}); err != nil {
				t.Fatal(err)
			}
			pending = append(pending, d.ID)
		}
		if n, err := svc.TrainDue(ctx, time.Now().Add(classify.TrainDelay)); err != nil || n != 1 {
			t.Fatalf("trainings: %d %v", n, err)
		}
		for i, id := range pending {
			if err := st.SaveExtraction(ctx, id, model.Extraction{Text: topicTexts["Health"][i], PageCount: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if m, _ := st.ClassifierModel(ctx, owner); !m.Stale {
			t.Fatal("the model is not stale once labelled uploads are ready")
		}
		if n, err := svc.TrainDue(ctx, time.Now().Add(classify.TrainDelay)); err != nil || n != 1 {
			t.Fatalf("trainings: %d %v", n, err)
		}
		if m, _ := st.ClassifierModel(ctx, owner); m.Stale || m.ExampleCount != 10 {
			t.Fatalf("model: %+v", m)
		}
		if len(q.classify) == 0 || q.classify[len(q.classify)-1] != early {
			t.Fatalf("queued for classification: %v, want %s", q.classify, early)
		}
		if err := svc.ClassifyDocument(ctx, early); err != nil {
			t.Fatal(err)
		}
		if got, c := appliedTopics(t, st, owner, early); len(got) != 1 || got[0] != ids[1] || c.State != "done" {
			t.Fatalf("after training: %v %+v", got, c)
		}
		if err := svc.RequestTraining(ctx, owner); err != nil || len(q.trains) != 1 {
			t.Fatalf("train now: %v %v", q.trains, err)
		}
	})
}

// Many label changes in a row cost one training, run when they settle.
func TestTrainingDebounced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t, st)
		owner, ids := user(t, st, "a@x.test", "Taxes", "Health", "Travel")
		label(t, st, owner, "Taxes", ids[0])
		label(t, st, owner, "Health", ids[1])
		label(t, st, owner, "Travel", ids[2]) // 15 label changes
		now := time.Now()
		if n, err := svc.TrainDue(ctx, now); err != nil || n != 0 {
			t.Fatalf("trained %d times before the labels settled (%v)", n, err)
		}
		for range 3 {
			if _, err := svc.TrainDue(ctx, now.Add(classify.TrainDelay+time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		m, err := st.ClassifierModel(ctx, owner)
		if err != nil || m.Version != 1 || m.ExampleCount != 15 || m.Stale {
			t.Fatalf("model after settling: %+v %v (version counts the trainings)", m, err)
		}
	})
}

// With examples of one topic only nothing is applied, and the document says why.
func TestSingleTopicAppliesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := newService(t, st)
		owner, ids := user(t, st, "a@x.test", "Taxes", "Health")
		label(t, st, owner, "Taxes", ids[0])
		doc := addDoc(t, st, owner, "other", "doctor appointment at the clinic")
		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if got, c := appliedTopics(t, st, owner, doc); len(got) != 0 || c.State != "waiting" {
			t.Fatalf("before training: applied %v, %+v", got, c)
		}
		if _, err := svc.Train(ctx, owner); err != nil {
			t.Fatal(err)
		}
		if err := svc.ClassifyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		if got, c := appliedTopics(t, st, owner, doc); len(got) != 0 || c.State != "declined" || c.Reason == "" {
			t.Fatalf("one topic: applied %v, %+v", got, c)
		}
		state, err := svc.ClassifierState(ctx, owner)
		if err != nil || state.DocumentsUsed != 5 || len(state.Topics) != 2 || state.Topics[0].Learned || state.Topics[1].Learned {
			t.Fatalf("state: %+v %v", state, err)
		}
	})
}

// Two services (two nodes) share one database: a model one of them trains replaces the model the
// other holds in memory at its next use.
func TestModelCacheRefreshAcrossServices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a, b := newService(t, st), newService(t, st)
		owner, ids := user(t, st, "a@x.test", "Taxes", "Health", "Travel")
		label(t, st, owner, "Taxes", ids[0])
		label(t, st, owner, "Health", ids[1])
		if _, err := a.Train(ctx, owner); err != nil {
			t.Fatal(err)
		}
		trip := addDoc(t, st, owner, "trip", "flight booking and hotel reservation near the airport")
		if err := a.ClassifyDocument(ctx, trip); err != nil { // a caches the two-topic model
			t.Fatal(err)
		}
		if got, _ := appliedTopics(t, st, owner, trip); len(got) != 0 && got[0] == ids[2] {
			t.Fatalf("travel applied before it was learned: %v", got)
		}
		label(t, st, owner, "Travel", ids[2])
		if _, err := b.Train(ctx, owner); err != nil { // the other node trains
			t.Fatal(err)
		}
		if err := a.ClassifyDocument(ctx, trip); err != nil {
			t.Fatal(err)
		}
		if got, c := appliedTopics(t, st, owner, trip); len(got) != 1 || got[0] != ids[2] {
			t.Fatalf("node a kept its old model: applied %v, %+v", got, c)
		}
	})
}
