package store_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

func num(f float64) *float64 { return &f }

// Labels are unique per space in any case, listed per space, and deleting
// one clears it from its documents, which keep everything else.
func TestLabelsAndDocumentMetadata(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		acme := &model.Label{SpaceID: a.ID, Name: "ACME Inc"}
		if err := s.CreateLabel(ctx, model.Correspondents, acme); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLabel(ctx, model.Correspondents, &model.Label{SpaceID: a.ID, Name: "acme inc "}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate name: %v", err)
		}
		if err := s.CreateLabel(ctx, model.Correspondents, &model.Label{SpaceID: b.ID, Name: "Acme Inc"}); err != nil {
			t.Fatalf("same name in another space: %v", err)
		}
		inv := &model.Label{SpaceID: a.ID, Name: "Invoice"}
		if err := s.CreateLabel(ctx, model.DocumentTypes, inv); err != nil {
			t.Fatal(err)
		}
		if l, err := s.ListLabels(ctx, model.Correspondents, []string{a.ID}); err != nil || len(l) != 1 || l[0].ID != acme.ID {
			t.Fatalf("list: %v %v", l, err)
		}
		d := mkDoc(t, s, a.ID, "bill", 10)
		field := &model.CustomField{SpaceID: a.ID, Name: "Amount", Type: "monetary"}
		if err := s.CreateField(ctx, field); err != nil {
			t.Fatal(err)
		}
		err := s.WithTx(ctx, func(tx *store.Store) error {
			ids := []string{d.ID}
			if err := tx.SetDocumentsLabel(ctx, model.Correspondents, ids, acme.ID); err != nil {
				return err
			}
			if err := tx.SetDocumentsLabel(ctx, model.DocumentTypes, ids, inv.ID); err != nil {
				return err
			}
			if err := tx.SetDocumentsDate(ctx, ids, "2024-03-05"); err != nil {
				return err
			}
			return tx.SetDocumentsField(ctx, ids, field.ID, &model.FieldValue{Value: "EUR12.50", Num: num(12.5)})
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Document(ctx, a.ID, d.ID)
		if err != nil || got.CorrespondentName != "ACME Inc" || got.DocumentTypeName != "Invoice" || got.DocumentDate != "2024-03-05" ||
			got.DocumentDateSource != store.DateUser || len(got.Fields) != 1 || got.Fields[0].Value != "EUR12.50" || *got.Fields[0].Num != 12.5 {
			t.Fatalf("document: %+v %v", got, err)
		}
		// A found date does not replace the user's; it fills an empty one.
		if err := s.SetFoundDocumentDate(ctx, d.ID, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Document(ctx, a.ID, d.ID); got.DocumentDate != "2024-03-05" {
			t.Fatalf("found date replaced the user's: %q", got.DocumentDate)
		}
		d2 := mkDoc(t, s, a.ID, "other", 10)
		if err := s.SetFoundDocumentDate(ctx, d2.ID, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Document(ctx, a.ID, d2.ID); got.DocumentDate != "2020-01-02" || got.DocumentDateSource != store.DateFound {
			t.Fatalf("found date: %+v", got)
		}
		if err := s.SetFoundDocumentDate(ctx, store.NewID(), time.Now()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("found date of no document: %v", err)
		}
		if err := s.DeleteLabel(ctx, model.Correspondents, acme.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteField(ctx, field.ID); err != nil {
			t.Fatal(err)
		}
		got, err = s.Document(ctx, a.ID, d.ID)
		if err != nil || got.CorrespondentID != "" || got.DocumentTypeName != "Invoice" || got.DocumentDate != "2024-03-05" || len(got.Fields) != 0 {
			t.Fatalf("after deletes: %+v %v", got, err)
		}
		// A deleted user's metadata goes with them.
		if err := s.DeleteUser(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.ListLabels(ctx, model.DocumentTypes, []string{a.ID}); len(l) != 0 {
			t.Fatalf("types of a deleted user: %v", l)
		}
	})
}

// Every filter narrows the list and the search alike, and every sort
// pages with cursors through all documents exactly once, in order.
func TestDocumentFiltersAndSorts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		mkDoc(t, s, b.ID, "foreign invoice", 5)
		acme := &model.Label{SpaceID: a.ID, Name: "Acme"}
		zeta := &model.Label{SpaceID: a.ID, Name: "zeta"}
		inv := &model.Label{SpaceID: a.ID, Name: "Invoice"}
		for _, l := range []*model.Label{acme, zeta} {
			if err := s.CreateLabel(ctx, model.Correspondents, l); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateLabel(ctx, model.DocumentTypes, inv); err != nil {
			t.Fatal(err)
		}
		amount := &model.CustomField{SpaceID: a.ID, Name: "Amount", Type: "monetary"}
		note := &model.CustomField{SpaceID: a.ID, Name: "Note", Type: "text"}
		for _, f := range []*model.CustomField{amount, note} {
			if err := s.CreateField(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		tax := &model.Topic{OwnerID: a.ID, Name: "Tax"}
		if err := s.CreateTopic(ctx, tax); err != nil {
			t.Fatal(err)
		}
		type spec struct {
			title, date, corr string
			size              int64
			amount            float64
			note              string
			tax               bool
		}
		specs := []spec{
			{"alpha invoice", "2024-03-05", "acme", 30, 12.5, "Paid in Cash", true},
			{"beta invoice", "2024-01-20", "zeta", 10, 100, "", false},
			{"gamma invoice", "", "", 20, 0, "cash back", true},
			{"delta letter", "2023-12-31", "acme", 40, 9.99, "", false},
			{"epsilon invoice", "2024-03-05", "", 25, 0, "", false},
		}
		ids := map[string]string{}
		for _, sp := range specs {
			d := mkDoc(t, s, a.ID, sp.title, sp.size)
			ids[sp.title] = d.ID
			err := s.WithTx(ctx, func(tx *store.Store) error {
				one := []string{d.ID}
				if sp.date != "" {
					if err := tx.SetDocumentsDate(ctx, one, sp.date); err != nil {
						return err
					}
				}
				switch sp.corr {
				case "acme":
					_ = tx.SetDocumentsLabel(ctx, model.Correspondents, one, acme.ID)
				case "zeta":
					_ = tx.SetDocumentsLabel(ctx, model.Correspondents, one, zeta.ID)
				}
				if sp.title != "delta letter" {
					if err := tx.SetDocumentsLabel(ctx, model.DocumentTypes, one, inv.ID); err != nil {
						return err
					}
				}
				if sp.amount != 0 {
					if err := tx.SetDocumentsField(ctx, one, amount.ID, &model.FieldValue{Value: "EUR" + ftoa(sp.amount), Num: num(sp.amount)}); err != nil {
						return err
					}
				}
				if sp.note != "" {
					if err := tx.SetDocumentsField(ctx, one, note.ID, &model.FieldValue{Value: sp.note}); err != nil {
						return err
					}
				}
				if sp.tax {
					return tx.AddDocumentsTopics(ctx, one, []string{tax.ID})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		q := func(text string) store.SearchQuery {
			return store.SearchQuery{FTS5: text, TSQuery: text}
		}
		titles := func(docs []*model.Document) []string {
			var out []string
			for _, d := range docs {
				out = append(out, d.Title)
			}
			slices.Sort(out)
			return out
		}
		for _, tc := range []struct {
			name string
			f    store.DocumentFilter
			want []string
		}{
			{"correspondent", store.DocumentFilter{CorrespondentID: acme.ID}, []string{"alpha invoice", "delta letter"}},
			{"correspondent by name", store.DocumentFilter{CorrespondentName: "ACME"}, []string{"alpha invoice", "delta letter"}},
			{"unknown name", store.DocumentFilter{CorrespondentName: "nobody"}, nil},
			{"type", store.DocumentFilter{DocumentTypeID: inv.ID}, []string{"alpha invoice", "beta invoice", "epsilon invoice", "gamma invoice"}},
			{"type by name", store.DocumentFilter{DocumentTypeName: "invoice", CorrespondentID: zeta.ID}, []string{"beta invoice"}},
			{"topic", store.DocumentFilter{TopicIDs: []string{tax.ID}}, []string{"alpha invoice", "gamma invoice"}},
			{"tag name", store.DocumentFilter{TopicNames: []string{"TAX"}}, []string{"alpha invoice", "gamma invoice"}},
			{"no topic", store.DocumentFilter{NoTopic: true, DocumentTypeID: inv.ID}, []string{"beta invoice", "epsilon invoice"}},
			{"date range inclusive", store.DocumentFilter{DateFrom: "2024-01-20", DateTo: "2024-03-05"}, []string{"alpha invoice", "beta invoice", "epsilon invoice"}},
			{"date to", store.DocumentFilter{DateTo: "2023-12-31"}, []string{"delta letter"}},
			{"created", store.DocumentFilter{CreatedFrom: time.Now().Add(-time.Hour), CreatedBefore: time.Now().Add(time.Hour), CorrespondentID: zeta.ID}, []string{"beta invoice"}},
			{"created before", store.DocumentFilter{CreatedBefore: time.Now().Add(-time.Hour)}, nil},
			{"mime", store.DocumentFilter{MIMEType: "text/plain", CorrespondentID: zeta.ID}, []string{"beta invoice"}},
			{"mime other", store.DocumentFilter{MIMEType: "application/pdf"}, nil},
			{"amount gt numeric", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: amount.ID, Op: "gt", Num: num(10)}}}, []string{"alpha invoice", "beta invoice"}},
			{"amount lte", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: amount.ID, Op: "lte", Num: num(12.5)}}}, []string{"alpha invoice", "delta letter"}},
			{"amount eq currency", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: amount.ID, Op: "eq", Num: num(100), Currency: "EUR"}}}, []string{"beta invoice"}},
			{"amount other currency", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: amount.ID, Op: "eq", Num: num(100), Currency: "USD"}}}, nil},
			{"amount exists", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: amount.ID, Op: "exists", Text: "true"}}}, []string{"alpha invoice", "beta invoice", "delta letter"}},
			{"amount missing", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: amount.ID, Op: "exists", Text: "false"}}}, []string{"epsilon invoice", "gamma invoice"}},
			{"note contains any case", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: note.ID, Op: "contains", Text: "CASH"}}}, []string{"alpha invoice", "gamma invoice"}},
			{"note contains wildcard literally", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: note.ID, Op: "contains", Text: "%"}}}, nil},
			{"note ne", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: note.ID, Op: "ne", Text: "cash back"}}, DocumentTypeID: inv.ID}, []string{"alpha invoice", "beta invoice", "epsilon invoice"}},
			{"two fields", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: note.ID, Op: "exists"}, {FieldID: amount.ID, Op: "gte", Num: num(1)}}}, []string{"alpha invoice"}},
			{"nothing", store.DocumentFilter{Nothing: true}, nil},
		} {
			docs, _, err := s.ListDocuments(ctx, a.ID, tc.f, store.Page{})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := titles(docs); !slices.Equal(got, tc.want) {
				t.Errorf("%s: list %v, want %v", tc.name, got, tc.want)
			}
			// The same filter on a search for "invoice".
			var want []string
			for _, w := range tc.want {
				if w != "delta letter" {
					want = append(want, w)
				}
			}
			hits, _, err := s.SearchDocuments(ctx, a.ID, q("invoice"), tc.f, store.Page{})
			if err != nil {
				t.Fatalf("%s: search: %v", tc.name, err)
			}
			var hd []*model.Document
			for _, h := range hits {
				hd = append(hd, h.Document)
			}
			if got := titles(hd); !slices.Equal(got, want) {
				t.Errorf("%s: search %v, want %v", tc.name, got, want)
			}
		}

		// Sorts, paged two at a time with cursors, on the list and on a search.
		for _, tc := range []struct {
			sort string
			want []string
		}{
			{"document_date", []string{"delta letter", "beta invoice", "alpha invoice", "epsilon invoice", "gamma invoice"}},
			{"-document_date", []string{"epsilon invoice", "alpha invoice", "beta invoice", "delta letter", "gamma invoice"}},
			{"correspondent", []string{"alpha invoice", "delta letter", "beta invoice", "gamma invoice", "epsilon invoice"}},
			{"size_bytes", []string{"beta invoice", "gamma invoice", "epsilon invoice", "alpha invoice", "delta letter"}},
			{"-size_bytes", []string{"delta letter", "alpha invoice", "epsilon invoice", "gamma invoice", "beta invoice"}},
			{"title", []string{"alpha invoice", "beta invoice", "delta letter", "epsilon invoice", "gamma invoice"}},
		} {
			// Ties (same date, no correspondent) are ordered by id, which is creation order.
			var got []string
			cursor := ""
			for range 10 {
				docs, next, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Sort: tc.sort}, store.Page{Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s: %v", tc.sort, err)
				}
				for _, d := range docs {
					got = append(got, d.Title)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			want := tc.want
			if tc.sort == "-document_date" {
				// Descending ties come newest id first.
				want = []string{"epsilon invoice", "alpha invoice", "beta invoice", "delta letter", "gamma invoice"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("list sorted by %s: %v, want %v", tc.sort, got, want)
			}
			var searched []string
			cursor = ""
			for range 10 {
				hits, next, err := s.SearchDocuments(ctx, a.ID, q("invoice"), store.DocumentFilter{Sort: tc.sort}, store.Page{Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatalf("search %s: %v", tc.sort, err)
				}
				for _, h := range hits {
					searched = append(searched, h.Title)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			want = slices.DeleteFunc(slices.Clone(want), func(s string) bool { return s == "delta letter" })
			if !slices.Equal(searched, want) {
				t.Errorf("search sorted by %s: %v, want %v", tc.sort, searched, want)
			}
		}
		if _, _, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Sort: "nope"}, store.Page{}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("unknown sort: %v", err)
		}
		if _, _, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Sort: "size_bytes"}, store.Page{Cursor: "bm9wZQBpZA"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func ftoa(f float64) string { return strconvFormat(f) }

func strconvFormat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
