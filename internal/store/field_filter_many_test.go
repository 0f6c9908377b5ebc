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

// manyDoc is one document of TestFieldFiltersOverManyMatches and the
// values it was given ("" and nil: none).
type manyDoc struct {
	id, title string
	trashed   bool
	amount    *float64
	currency  string
	note      string
	code      string
}

// Field filters that more than fewValues (1,000) values match are tested
// per listed document instead of read first and looked up by id: every
// operator over more than 1,000 matches, and filters just either side of
// the limit, list exactly the documents computed here, on the first page
// and paged to the end with cursors.
func TestFieldFiltersOverManyMatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mkUser(t, s, "a@x.test", 0, 0)
		b := mkUser(t, s, "b@x.test", 0, 0)
		amount := &model.CustomField{SpaceID: a.ID, Name: "Amount", Type: "monetary"}
		note := &model.CustomField{SpaceID: a.ID, Name: "Note", Type: "text"}
		code := &model.CustomField{SpaceID: a.ID, Name: "Code", Type: "text"}
		other := &model.CustomField{SpaceID: b.ID, Name: "Amount", Type: "monetary"}
		for _, f := range []*model.CustomField{amount, note, code, other} {
			if err := s.CreateField(ctx, f); err != nil {
				t.Fatal(err)
			}
		}

		// Text comparisons are on values whose order is the same in
		// bytes and in a PostgreSQL collation (A < B < c).
		// 2,400 documents: the amount on 90% (50 on two thirds of those,
		// 10% of amounts in USD), a note on 75% ("cash" in most), the code
		// "A" on exactly 1,000 and "B" on exactly 1,001; 25 are trashed.
		const n = 2400
		docs := make([]manyDoc, n)
		for i := range docs {
			d := manyDoc{title: fmt.Sprintf("doc %04d", (i*7919)%n), currency: "EUR", trashed: i%97 == 5}
			if i%10 != 9 {
				v := 50.0
				if i%3 == 0 {
					v = float64(i%40) * 10
				}
				d.amount = &v
				if i%10 == 0 {
					d.currency = "USD"
				}
			}
			switch i % 4 {
			case 1, 2:
				d.note = fmt.Sprintf("Paid in Cash %d", i)
			case 3:
				d.note = "card"
			}
			switch {
			case i < 1000:
				d.code = "A"
			case i < 2001:
				d.code = "B"
			case i%2 == 0:
				d.code = "c"
			}
			docs[i] = d
		}
		// Trashed documents keep their values: the A and B counts are of
		// values, so the trash keeps them at 1,000 and 1,001.
		err := s.WithTx(ctx, func(tx *store.Store) error {
			amounts, notes, codes := map[string][]string{}, map[string][]string{}, map[string][]string{}
			var trash []string
			for i := range docs {
				d := &docs[i]
				doc := &model.Document{OwnerID: a.ID, Title: d.title, OriginalFilename: d.title + ".pdf", MIMEType: "application/pdf",
					SizeBytes: int64(i), SHA256: fmt.Sprintf("%064d", i), BlobKey: a.ID + "/many/" + d.title, Status: model.StatusReady}
				if err := tx.CreateDocument(ctx, doc); err != nil {
					return err
				}
				d.id = doc.ID
				if d.amount != nil {
					k := fmt.Sprintf("%s%.2f", d.currency, *d.amount)
					amounts[k] = append(amounts[k], d.id)
				}
				if d.note != "" {
					notes[d.note] = append(notes[d.note], d.id)
				}
				if d.code != "" {
					codes[d.code] = append(codes[d.code], d.id)
				}
				if d.trashed {
					trash = append(trash, d.id)
				}
			}
			for k, ids := range amounts {
				var v float64
				if _, err := fmt.Sscanf(k[3:], "%g", &v); err != nil {
					return err
				}
				if err := tx.SetDocumentsField(ctx, ids, amount.ID, &model.FieldValue{Value: k, Num: &v}); err != nil {
					return err
				}
			}
			for field, vals := range map[string]map[string][]string{note.ID: notes, code.ID: codes} {
				for v, ids := range vals {
					if err := tx.SetDocumentsField(ctx, ids, field, &model.FieldValue{Value: v}); err != nil {
						return err
					}
				}
			}
			return tx.TrashDocuments(ctx, trash)
		})
		if err != nil {
			t.Fatal(err)
		}
		// Another user's document with a value of its own field: never listed.
		od := mkDoc(t, s, b.ID, "other amount", 1)
		if err := s.SetDocumentsField(ctx, []string{od.ID}, other.ID, &model.FieldValue{Value: "EUR50.00", Num: num(50)}); err != nil {
			t.Fatal(err)
		}

		gt := func(x float64) func(float64) bool { return func(v float64) bool { return v > x } }
		eq := func(x float64) func(float64) bool { return func(v float64) bool { return v == x } }
		amountIs := func(ok func(v float64) bool, currency string) func(manyDoc) bool {
			return func(d manyDoc) bool {
				return d.amount != nil && ok(*d.amount) && (currency == "" || d.currency == currency)
			}
		}
		codeIs := func(c string) func(manyDoc) bool { return func(d manyDoc) bool { return d.code == c } }
		hasCash := func(d manyDoc) bool { return strings.Contains(strings.ToLower(d.note), "cash") }
		// Each filter with what it matches, computed here.
		type cond struct {
			ff    store.FieldFilter
			match func(manyDoc) bool
		}
		amountGT20 := cond{store.FieldFilter{FieldID: amount.ID, Op: "gt", Num: num(20)}, amountIs(gt(20), "")}
		codeA := cond{store.FieldFilter{FieldID: code.ID, Op: "eq", Text: "A"}, codeIs("A")}
		codeB := cond{store.FieldFilter{FieldID: code.ID, Op: "eq", Text: "B"}, codeIs("B")}
		noteCash := cond{store.FieldFilter{FieldID: note.ID, Op: "contains", Text: "CASH"}, hasCash}
		for _, tc := range []struct {
			name  string
			conds []cond
		}{
			{"amount eq EUR 50", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "eq", Num: num(50), Currency: "EUR"}, amountIs(eq(50), "EUR")}}},
			{"amount eq 50", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "eq", Num: num(50)}, amountIs(eq(50), "")}}},
			{"amount gt 20", []cond{amountGT20}},
			{"amount gte EUR 50", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "gte", Num: num(50), Currency: "EUR"},
				amountIs(func(v float64) bool { return v >= 50 }, "EUR")}}},
			{"amount lt 100", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "lt", Num: num(100)}, amountIs(func(v float64) bool { return v < 100 }, "")}}},
			{"amount lte EUR 50", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "lte", Num: num(50), Currency: "EUR"},
				amountIs(func(v float64) bool { return v <= 50 }, "EUR")}}},
			{"amount ne EUR 50", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "ne", Num: num(50), Currency: "EUR"},
				func(d manyDoc) bool { return !amountIs(eq(50), "EUR")(d) }}}},
			{"amount exists", []cond{{store.FieldFilter{FieldID: amount.ID, Op: "exists", Text: "true"}, func(d manyDoc) bool { return d.amount != nil }}}},
			{"note missing", []cond{{store.FieldFilter{FieldID: note.ID, Op: "exists", Text: "false"}, func(d manyDoc) bool { return d.note == "" }}}},
			{"note contains cash", []cond{noteCash}},
			{"note ne card", []cond{{store.FieldFilter{FieldID: note.ID, Op: "ne", Text: "card"}, func(d manyDoc) bool { return d.note != "card" }}}},
			{"code eq A (1,000 values: by id)", []cond{codeA}},
			{"code eq B (1,001 values)", []cond{codeB}},
			{"code contains b (1,001 values)", []cond{{store.FieldFilter{FieldID: code.ID, Op: "contains", Text: "b"}, codeIs("B")}}},
			{"code gt A", []cond{{store.FieldFilter{FieldID: code.ID, Op: "gt", Text: "A"}, func(d manyDoc) bool { return d.code > "A" }}}},
			{"code lt c", []cond{{store.FieldFilter{FieldID: code.ID, Op: "lt", Text: "c"}, func(d manyDoc) bool { return d.code != "" && d.code < "c" }}}},
			{"code A (by id) and amount gt 20", []cond{codeA, amountGT20}},
			{"code B and note contains cash", []cond{codeB, noteCash}},
		} {
			var want []string // titles in title order
			var ff []store.FieldFilter
			for _, d := range docs {
				if !d.trashed && !slices.ContainsFunc(tc.conds, func(c cond) bool { return !c.match(d) }) {
					want = append(want, d.title)
				}
			}
			slices.Sort(want)
			// The data must exercise the path the case names: more than
			// 1,000 matches, or values either side of 1,000 (trash included).
			for _, c := range tc.conds {
				ff = append(ff, c.ff)
				values := 0
				for _, d := range docs {
					if c.match(d) {
						values++
					}
				}
				narrowable := c.ff.Op != "exists" && c.ff.Op != "ne"
				if byID := strings.Contains(tc.name, "by id") && c.ff.FieldID == code.ID; narrowable && byID != (values <= 1000) {
					t.Fatalf("%s: %d values of %s %s", tc.name, values, c.ff.Op, c.ff.Text)
				}
			}
			if len(tc.conds) == 1 && len(want) <= 1000 && tc.conds[0].ff.Op != "exists" && !strings.Contains(tc.name, "values") {
				t.Fatalf("%s: only %d matches, want more than 1,000", tc.name, len(want))
			}
			for _, srt := range []string{"title", "-created_at"} {
				f := store.DocumentFilter{Fields: ff, Sort: srt}
				first, next, err := s.ListDocuments(ctx, a.ID, f, store.Page{})
				if err != nil {
					t.Fatalf("%s, sort %s: %v", tc.name, srt, err)
				}
				if len(first) != min(50, len(want)) || (next != "") != (len(want) > 50) {
					t.Fatalf("%s, sort %s: first page %d documents, next %q; want %d", tc.name, srt, len(first), next, len(want))
				}
				var got []string
				seen := map[string]bool{}
				cursor := ""
				for range n/store.MaxPageLimit + 2 {
					page, next, err := s.ListDocuments(ctx, a.ID, f, store.Page{Limit: store.MaxPageLimit, Cursor: cursor})
					if err != nil {
						t.Fatalf("%s, sort %s: %v", tc.name, srt, err)
					}
					for _, d := range page {
						if seen[d.ID] {
							t.Fatalf("%s, sort %s: %s listed twice", tc.name, srt, d.Title)
						}
						seen[d.ID] = true
						got = append(got, d.Title)
					}
					if cursor = next; cursor == "" {
						break
					}
				}
				if srt == "title" {
					if !slices.Equal(titlesOf(first), want[:len(first)]) {
						t.Errorf("%s: first page %v, want %v", tc.name, titlesOf(first), want[:len(first)])
					}
				} else {
					// Newest first: the first page is the first of the
					// whole list; compare the sets.
					if !slices.Equal(titlesOf(first), got[:len(first)]) {
						t.Errorf("%s, sort %s: first page is not the list's start", tc.name, srt)
					}
					slices.Sort(got)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s, sort %s: paged %d documents, want %d (missing %v, extra %v)", tc.name, srt, len(got), len(want),
						diff(want, got), diff(got, want))
				}
			}
		}
	})
}

func titlesOf(docs []*model.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Title
	}
	return out
}

// diff is the first few of a not in b (both sorted).
func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok && len(out) < 5 {
			out = append(out, x)
		}
	}
	return out
}
