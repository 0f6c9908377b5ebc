package searchquery

import (
	"errors"
	"reflect"
	"testing"
)

func TestExtractFields(t *testing.T) {
	for _, tc := range []struct {
		in, rest string
		want     FieldTerms
	}{
		{"invoice", "invoice", FieldTerms{}},
		{"correspondent:acme type:invoice date:2024 tag:tax", "", FieldTerms{Correspondents: []string{"acme"}, Types: []string{"invoice"},
			Tags: []string{"tax"}, DateFrom: "2024-01-01", DateTo: "2024-12-31"}},
		{`Correspondent:"acme inc" water bill`, "water bill", FieldTerms{Correspondents: []string{"acme inc"}}},
		{"date:2024-02 rent", "rent", FieldTerms{DateFrom: "2024-02-01", DateTo: "2024-02-29"}},
		{"date:2024-03-05", "", FieldTerms{DateFrom: "2024-03-05", DateTo: "2024-03-05"}},
		{"date:2024 date:2024-06", "", FieldTerms{DateFrom: "2024-06-01", DateTo: "2024-06-30"}},
		{`"type:invoice" foo:bar`, `"type:invoice" foo:bar`, FieldTerms{}},
		{`-"tag:x" OR y`, `-"tag:x" OR y`, FieldTerms{}},
		{"mytag:x", "mytag:x", FieldTerms{}},
	} {
		rest, ft, err := ExtractFields(tc.in)
		if err != nil || rest != tc.rest || !reflect.DeepEqual(ft, tc.want) {
			t.Errorf("%q: %q %+v %v, want %q %+v", tc.in, rest, ft, err, tc.rest, tc.want)
		}
	}
	for _, bad := range []string{"date:20", "date:2024-13", "date:2024-02-30", "tag:", `correspondent:""`} {
		if _, _, err := ExtractFields(bad); !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
