package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/docuvault/docuvault/internal/model"
	"github.com/docuvault/docuvault/internal/store"
	"github.com/docuvault/docuvault/internal/store/storetest"
)

// TestListDocumentsAcrossSpaces pages through documents of two spaces (a
// personal one and a shared one, each with its own "ACME") in every sort,
// two at a time, and checks the merged order against the sort's rule;
// filters naming one space's correspondent, type, topic or field list only
// that space's documents, and objects of two spaces match nothing.
// sharedSpace makes users a and b and b's shared space "Family", of which a
// is an editor.
func sharedSpace(t *testing.T, s *store.Store) (a, b *model.User, shared *model.Space) {
	t.Helper()
	a = mkUser(t, s, "a@x.test", 0, 0)
	b = mkUser(t, s, "b@x.test", 0, 0)
	shared = &model.Space{Name: "Family", OwnerID: b.ID}
	if err := s.CreateSpace(context.Background(), shared); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSpaceMember(context.Background(), shared.ID, a.ID, model.RoleEditor); err != nil {
		t.Fatal(err)
	}
	return a, b, shared
}

func TestListDocumentsAcrossSpaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b, shared := sharedSpace(t, s)
		label := func(k model.LabelKind, space, name string) string {
			l := &model.Label{SpaceID: space, Name: name}
			if err := s.CreateLabel(ctx, k, l); err != nil {
				t.Fatal(err)
			}
			return l.ID
		}
		acmeA, zedA := label(model.Correspondents, a.ID, "ACME"), label(model.Correspondents, a.ID, "Zed")
		acmeB, bankB := label(model.Correspondents, shared.ID, "acme"), label(model.Correspondents, shared.ID, "Bank")
		invA, invB := label(model.DocumentTypes, a.ID, "Invoice"), label(model.DocumentTypes, shared.ID, "Invoice")
		topicB := &model.Topic{OwnerID: b.ID, SpaceID: shared.ID, Name: "Home"}
		if err := s.CreateTopic(ctx, topicB); err != nil {
			t.Fatal(err)
		}
		fieldA := &model.CustomField{SpaceID: a.ID, Name: "Amount", Type: "monetary"}
		if err := s.CreateField(ctx, fieldA); err != nil {
			t.Fatal(err)
		}
		corrName := map[string]string{acmeA: "acme", zedA: "zed", acmeB: "acme", bankB: "bank"}
		type spec struct {
			space, corr, typ, date string
			size                   int64
		}
		specs := []spec{
			{a.ID, acmeA, invA, "2024-03-01", 30}, {a.ID, acmeA, "", "", 10}, {a.ID, zedA, invA, "2023-01-05", 50},
			{a.ID, "", "", "2024-03-01", 20}, {a.ID, "", invA, "", 40}, {a.ID, acmeA, invA, "2025-07-09", 60},
			{shared.ID, acmeB, invB, "2024-06-30", 35}, {shared.ID, bankB, "", "", 15}, {shared.ID, "", invB, "2022-02-02", 25},
			{shared.ID, acmeB, "", "2024-03-01", 45}, {shared.ID, "", "", "", 55},
		}
		var docs []*model.Document
		for i, sp := range specs {
			d := &model.Document{OwnerID: a.ID, SpaceID: sp.space, Title: fmt.Sprintf("doc %02d", (i*7)%11), OriginalFilename: "x.txt",
				MIMEType: "text/plain", SizeBytes: sp.size, SHA256: fmt.Sprintf("%064d", i), BlobKey: fmt.Sprintf("k/%d", i)}
			if sp.space == shared.ID {
				d.OwnerID = b.ID
			}
			if err := s.CreateDocument(ctx, d); err != nil {
				t.Fatal(err)
			}
			if sp.corr != "" {
				if err := s.SetDocumentsLabel(ctx, model.Correspondents, []string{d.ID}, sp.corr); err != nil {
					t.Fatal(err)
				}
			}
			if sp.typ != "" {
				if err := s.SetDocumentsLabel(ctx, model.DocumentTypes, []string{d.ID}, sp.typ); err != nil {
					t.Fatal(err)
				}
			}
			if sp.date != "" {
				if err := s.SetDocumentsDate(ctx, []string{d.ID}, sp.date); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Document(ctx, sp.space, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, got)
		}
		if err := s.AddDocumentsTopics(ctx, []string{docs[6].ID, docs[7].ID}, []string{topicB.ID}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDocumentsField(ctx, []string{docs[0].ID, docs[2].ID}, fieldA.ID, &model.FieldValue{Value: "EUR120.00", Num: num(120)}); err != nil {
			t.Fatal(err)
		}

		// The rule of each sort, as a comparison of two documents.
		key := func(sort string, d *model.Document) string {
			switch strings.TrimPrefix(sort, "-") {
			case "created_at":
				return d.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000000")
			case "title":
				return d.Title
			case "size_bytes":
				return fmt.Sprintf("%012d", d.SizeBytes)
			case "correspondent":
				if d.CorrespondentID == "" {
					return "1"
				}
				return "0" + corrName[d.CorrespondentID]
			}
			switch {
			case d.DocumentDate != "":
				return d.DocumentDate
			case sort == "document_date":
				return "9999-12-31"
			}
			return "0001-01-01"
		}
		for _, sort := range store.DocumentSorts() {
			want := slices.Clone(docs)
			slices.SortFunc(want, func(x, y *model.Document) int {
				c := strings.Compare(key(sort, x), key(sort, y))
				if c == 0 {
					c = strings.Compare(x.ID, y.ID)
				}
				if strings.HasPrefix(sort, "-") {
					c = -c
				}
				return c
			})
			var got []string
			cursor := ""
			for range 20 {
				page, next, err := s.ListDocuments(ctx, a.ID, store.DocumentFilter{Sort: sort}, store.Page{Limit: 2, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s: %v", sort, err)
				}
				for _, d := range page {
					got = append(got, d.ID)
				}
				if cursor = next; next == "" {
					break
				}
			}
			var wantIDs []string
			for _, d := range want {
				wantIDs = append(wantIDs, d.ID)
			}
			if !slices.Equal(got, wantIDs) {
				t.Errorf("sort %s, pages of 2:\n got %v\nwant %v", sort, got, wantIDs)
			}
		}

		count := func(f store.DocumentFilter) []int {
			t.Helper()
			list, _, err := s.ListDocuments(ctx, a.ID, f, store.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var idx []int
			for _, d := range list {
				idx = append(idx, slices.IndexFunc(docs, func(x *model.Document) bool { return x.ID == d.ID }))
			}
			slices.Sort(idx)
			return idx
		}
		for _, tc := range []struct {
			name string
			f    store.DocumentFilter
			want []int
		}{
			{"search box acme: both spaces' ACME", store.DocumentFilter{CorrespondentName: "Acme"}, []int{0, 1, 5, 6, 9}},
			{"search box acme invoices of 2024", store.DocumentFilter{CorrespondentName: "acme", DocumentTypeName: "invoice",
				DateFrom: "2024-01-01", DateTo: "2024-12-31", Sort: "-document_date"}, []int{0, 6}},
			{"shared acme by id", store.DocumentFilter{CorrespondentID: acmeB}, []int{6, 9}},
			{"shared type by id, date sort", store.DocumentFilter{DocumentTypeID: invB, Sort: "document_date"}, []int{6, 8}},
			{"shared topic", store.DocumentFilter{TopicIDs: []string{topicB.ID}}, []int{6, 7}},
			{"personal field", store.DocumentFilter{Fields: []store.FieldFilter{{FieldID: fieldA.ID, Op: "gt", Num: num(100)}}}, []int{0, 2}},
			{"objects of two spaces", store.DocumentFilter{CorrespondentID: acmeA, TopicIDs: []string{topicB.ID}}, nil},
			{"unknown correspondent", store.DocumentFilter{CorrespondentID: "nope"}, nil},
			{"one space", store.DocumentFilter{SpaceID: shared.ID, Sort: "correspondent"}, []int{6, 7, 8, 9, 10}},
			{"a space of another", store.DocumentFilter{SpaceID: mkUser(t, s, "c@x.test", 0, 0).ID}, nil},
			{"date range on a date sort", store.DocumentFilter{DateFrom: "2024-03-01", DateTo: "2024-06-30", Sort: "document_date"}, []int{0, 3, 6, 9}},
		} {
			if got := count(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got documents %v, want %v", tc.name, got, tc.want)
			}
		}
		// A non-member sees none of them.
		if list, _, err := s.ListDocuments(ctx, mkUser(t, s, "d@x.test", 0, 0).ID, store.DocumentFilter{}, store.Page{}); err != nil || len(list) != 0 {
			t.Fatalf("non-member: %d documents, %v", len(list), err)
		}
	})
}
