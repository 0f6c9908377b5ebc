package docdate

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// now is the fixed "today" of these tests.
var now = time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func check(t *testing.T, name, text string, opt Options, want string) {
	t.Helper()
	got, ok := Find(text, opt)
	switch {
	case want == "" && ok:
		t.Errorf("%s: Find = %s, want no date", name, got.Format(time.DateOnly))
	case want != "" && !ok:
		t.Errorf("%s: Find found no date, want %s", name, want)
	case want != "" && !got.Equal(day(want)):
		t.Errorf("%s: Find = %s, want %s", name, got.Format(time.DateOnly), want)
	}
}

// One date per format, alone in a sentence.
func TestFormats(t *testing.T) {
	tests := []struct {
		text  string
		order Order
		want  string
	}{
		{"2024-03-05", DMY, "2024-03-05"},
		{"2024-03-05", MDY, "2024-03-05"},
		{"am 2024/3/5 eingegangen", DMY, "2024-03-05"},
		{"05.03.2024", DMY, "2024-03-05"},
		{"05.03.2024", MDY, "2024-03-05"}, // dots are always day first
		{"5.3.24", DMY, "2024-03-05"},
		{"5. 3. 2024", DMY, "2024-03-05"},
		{"05/03/2024", DMY, "2024-03-05"},
		{"03/05/2024", MDY, "2024-03-05"},
		{"05-03-2024", DMY, "2024-03-05"},
		{"13/05/2024", MDY, "2024-05-13"}, // only one reading exists
		{"05/13/2024", DMY, "2024-05-13"},
		{"5/3/99", DMY, "1999-03-05"},
		{"5 March 2024", DMY, "2024-03-05"},
		{"5th March 2024", DMY, "2024-03-05"},
		{"the 5th of March, 2024", DMY, "2024-03-05"},
		{"March 5, 2024", DMY, "2024-03-05"},
		{"Mar. 5th 2024", DMY, "2024-03-05"},
		{"Tuesday, 5 Mar 2024", DMY, "2024-03-05"},
		{"5. März 2024", DMY, "2024-03-05"},
		{"05. Mär. 2024", DMY, "2024-03-05"},
		{"5. MÄRZ 2024", DMY, "2024-03-05"},
		{"5. Maerz 2024", DMY, "2024-03-05"},
		{"3. Jänner 2024", DMY, "2024-01-03"},
		{"24. Dez. 2023", DMY, "2023-12-24"},
		{"5 mars 2024", DMY, "2024-03-05"},
		{"1er avril 2024", DMY, "2024-04-01"},
		{"15 août 2023", DMY, "2023-08-15"},
		{"5 de marzo de 2024", DMY, "2024-03-05"},
		{"5 de marzo del 2024", DMY, "2024-03-05"},
		{"5 marzo 2024", DMY, "2024-03-05"},
		{"5 maggio 2024", DMY, "2024-05-05"},
		{"5 maart 2024", DMY, "2024-03-05"},
		{"5 mrt. 2024", DMY, "2024-03-05"},
		{"5 de março de 2024", DMY, "2024-03-05"},
		{"5\u00a0March\u00a02024", DMY, "2024-03-05"},
		{"29.02.2024", DMY, "2024-02-29"},
		// Impossible, too old, too far ahead, not dates.
		{"31.02.2024", DMY, ""},
		{"29.02.2023", DMY, ""},
		{"2024-13-01", DMY, ""},
		{"32 March 2024", DMY, ""},
		{"5 March 1899", DMY, ""},
		{"01.01.2029", DMY, ""},
		{"version 1.2.3", DMY, ""},
		{"host 192.168.10.20", DMY, ""},
		{"1.05.03.2024", DMY, ""},
		{"05.03.20245", DMY, ""},
		{"5 Marchpane 2024", DMY, ""},

		{"", DMY, ""},
	}
	for _, tt := range tests {
		check(t, tt.text, tt.text, Options{Order: tt.order, Now: now}, tt.want)
	}
}

// A date up to a year ahead is accepted, one further ahead is not.
func TestFutureBound(t *testing.T) {
	check(t, "in a year", "15.12.2027", Options{Now: now}, "")
	check(t, "11 months", "06.12.2027", Options{Now: now}, "2027-12-06")
	check(t, "two-digit year ahead is last century", "05.03.28", Options{Now: now}, "1928-03-05")
	check(t, "two-digit year in the past", "05.03.30", Options{Now: now}, "1930-03-05")
}

// Languages restricts written months; numeric dates still count.
func TestLanguages(t *testing.T) {
	check(t, "french only", "5 März 2024", Options{Now: now, Languages: []string{"fr"}}, "")
	check(t, "german", "5 März 2024", Options{Now: now, Languages: []string{"de"}}, "2024-03-05")
	check(t, "numeric", "05.03.2024", Options{Now: now, Languages: []string{"fr"}}, "2024-03-05")
}

// Which of several dates is the document's own.
func TestPreference(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"label beats the first date", "Kunde seit 01.01.2010\nRechnungsdatum: 05.03.2024", "2024-03-05"},
		{"label on the line above", "Rechnungsdatum\n05.03.2024\nLieferung 01.03.2024", "2024-03-05"},
		{"place and comma", "Ihr Schreiben vom 12.02.2024\nBerlin, den 05.03.2024", "2024-03-05"},
		{"due date never", "Fällig am 19.03.2024", ""},
		{"due date loses", "Due date: 04/04/2024\nDate: 05/03/2024", "2024-03-05"},
		{"birth date never", "Date of birth: 12.07.1981", ""},
		{"geb.", "Max Mustermann, geb. 14.07.1981\n\n01.03.2024", "2024-03-01"},
		{"valid until", "valid until 31 December 2025. Dated 5 March 2024", "2024-03-05"},
		{"period ends lose", "Zeitraum 01.02.2024 - 29.02.2024\nMünchen, 02.03.2024", "2024-03-02"},
		{"range without label", "01.02.2024 – 29.02.2024\n\n\nErstellt 03.03.2024", "2024-03-03"},
		{"top beats body", "05.03.2024\n" + strings.Repeat("Lorem ipsum dolor sit amet. ", 200) + "am 01.01.2024", "2024-03-05"},
		{"table heads", "Invoice date    Due date\n05.03.2024      04.04.2024", "2024-03-05"},
		{"first of equals", "05.03.2024 and 06.03.2024", "2024-03-05"},
	}
	for _, tt := range tests {
		check(t, tt.name, tt.text, Options{Now: now}, tt.want)
	}
}

// Only the first MaxScan bytes are read.
func TestScanBound(t *testing.T) {
	text := strings.Repeat("x", MaxScan) + " 05.03.2024"
	check(t, "past the bound", text, Options{Now: now}, "")
	text = strings.Repeat("x", MaxScan-20) + " 05.03.2024"
	check(t, "inside the bound", text, Options{Now: now}, "2024-03-05")
	// Cut in the middle of a rune: still valid text.
	text = strings.Repeat("ä", MaxScan)
	check(t, "runes", text, Options{Now: now}, "")
}

func TestParseOrder(t *testing.T) {
	for in, want := range map[string]Order{"DMY": DMY, "dmy": DMY, " MDY ": MDY} {
		if got, err := ParseOrder(in); err != nil || got != want {
			t.Errorf("ParseOrder(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseOrder("YMD"); err == nil || !strings.Contains(err.Error(), "DMY") {
		t.Errorf("ParseOrder(YMD) = %v, want an error naming the choices", err)
	}
}

// Realistic letters and invoices in several languages (testdata/*.txt) and
// their dates (testdata/dates.golden).
func TestGoldenSamples(t *testing.T) {
	f, err := os.Open("testdata/dates.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("dates.golden: bad line %q", line)
		}
		order, err := ParseOrder(fields[2])
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join("testdata", fields[0]))
		if err != nil {
			t.Fatal(err)
		}
		want := fields[1]
		if want == "-" {
			want = ""
		}
		check(t, fields[0], string(b), Options{Order: order, Now: now}, want)
		seen[fields[0]] = true
	}
	files, _ := filepath.Glob("testdata/*.txt")
	for _, p := range files {
		if !seen[filepath.Base(p)] {
			t.Errorf("%s has no line in dates.golden", p)
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d golden samples", len(seen))
	}
}

func FuzzFind(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(string(b), false)
	}
	f.Add("5. März 2024 05/03/24 2024-03-05 March 5, 2024", true)
	f.Add("Berlin, den 31.02.2024", false)
	f.Fuzz(func(t *testing.T, text string, mdy bool) {
		opt := Options{Now: now}
		if mdy {
			opt.Order = MDY
		}
		got, ok := Find(text, opt)
		if !ok {
			if !got.IsZero() {
				t.Fatalf("no date but %v", got)
			}
			return
		}
		if got.Before(Earliest) || got.After(Latest(now)) {
			t.Fatalf("Find = %v, out of bounds", got)
		}
		if got.Hour() != 0 || got.Minute() != 0 || got.Location() != time.UTC {
			t.Fatalf("Find = %v, not a UTC midnight", got)
		}
	})
}
