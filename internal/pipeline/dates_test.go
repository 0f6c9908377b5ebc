package pipeline_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/blob"
	"github.com/docuvault/docuvault/internal/docdate"
	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/pipeline"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// dateRecorder stands in for the store's SetFoundDocumentDate (the
// document_date column is not on this branch); fail makes it fail once.
type dateRecorder struct {
	got  map[string]time.Time
	fail error
}

func (r *dateRecorder) SetFoundDocumentDate(ctx context.Context, id string, d time.Time) error {
	if r.fail != nil {
		err := r.fail
		r.fail = nil
		return err
	}
	r.got[id] = d
	return nil
}

// The processed text is searched for the document's date, read in
// DATE_ORDER, and handed to the sink before the document is ready; a sink
// failure fails the job so that its retry records the date.
func TestProcessFindsDocumentDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		blobs, _ := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
		u := &model.User{Email: "a@x.test", PasswordHash: "h"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		sink := &dateRecorder{got: map[string]time.Time{}}
		p := pipeline.New(st, blobs, extractor(t), nil, nil, t.TempDir(), pipeline.Limits{})
		p.FindDates(pipeline.Dates{Sink: sink, Order: docdate.MDY,
			Now: func() time.Time { return time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) }})

		letter := addDoc(t, st, blobs, u.ID, "letter.txt", "text/plain",
			[]byte("ACME Inc.\nInvoice date: 03/05/2024\nDue date: 04/04/2024\nTotal $29.00\n"))
		sink.fail = errors.New("database is locked")
		if err := p.Process(ctx, letter.ID, false); err == nil {
			t.Fatal("a failing sink must fail the job")
		}
		if d, _ := st.Document(ctx, u.ID, letter.ID); d.Status == model.StatusReady {
			t.Fatal("document ready although its date was not saved")
		}
		if err := p.Process(ctx, letter.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := sink.got[letter.ID]; !got.Equal(time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("date %v, want 2024-03-05 (MDY)", got)
		}

		undated := addDoc(t, st, blobs, u.ID, "plain.txt", "text/plain", []byte("No date in here, version 1.2.3.\n"))
		if err := p.Process(ctx, undated.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, ok := sink.got[undated.ID]; ok {
			t.Fatalf("a date for a text without one: %v", sink.got[undated.ID])
		}
	})
}
