package extract

import "testing"

func TestCleanTitle(t *testing.T) {
	for in, want := range map[string]string{
		"Quarterly Report":                       "Quarterly Report",
		"  Microsoft Word - Letter to Bank.docx": "Letter to Bank",
		"Untitled":                               "",
		"untitled document":                      "",
		"":                                       "",
		"---":                                    "",
		"Line\none\x00":                          "Line one",
	} {
		if got := CleanTitle(in); got != want {
			t.Errorf("CleanTitle(%q) = %q, want %q", in, got, want)
		}
	}
	if got := xmpTitle([]byte(`<x><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tax &amp; Fees</rdf:li></rdf:Alt></dc:title></x>`)); got != "Tax & Fees" {
		t.Errorf("xmpTitle: %q", got)
	}
}
