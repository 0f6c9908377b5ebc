package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRTFGolden(t *testing.T) {
	data := fixture(t, "wordpad.rtf", nil)
	res, err := extractRTF(context.Background(), officeInput(data, "text/rtf", "wordpad.rtf"), withDefaults(Limits{}))
	if err != nil {
		t.Fatalf("extractRTF: %v", err)
	}
	want := "Sehr geehrte Damen und Herren,\n" +
		"wir freuen uns über Ihre Bestellung vom 3.\u00a0März.\n" +
		"Der Preis beträgt 99€ — inklusive Steuer.\n" +
		"Unicode: € und \uf0b7 Symbol, Smiley 😀.\n" +
		"Position\tBetrag\n" +
		"Webseite\n" +
		"Mit freundlichen Grüßen\nIhr Team"
	if res.Text != want {
		t.Errorf("Text =\n%q\nwant\n%q", res.Text, want)
	}
}

func TestRTF(t *testing.T) {
	tests := []struct {
		name, rtf, want string
	}{
		{"cyrillic code page", `{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}`, "Привет"},
		{"mac", `{\rtf1\mac Caf\'8e}`, "Café"},
		{"uc0", `{\rtf1\uc0 A\u228 B}`, "AäB"},
		{"uc2 skips two", `{\rtf1\uc2 \u228 xyC}`, "äC"},
		{"uc restored after group", `{\rtf1{\uc2 \u228 xy}\u246 zD}`, "äöD"},
		{"escaped braces", `{\rtf1 a\{b\}c\\d}`, "a{b}c\\d"},
		{"unknown ignorable", `{\rtf1 a{\*\foo b{c}}d}`, "ad"},
		{"unclosed keeps text", `{\rtf1 kept text`, "kept text"},
		{"trailing bytes ignored", `{\rtf1 x}garbage`, "x"},
		{"long number", `{\rtf1\fs99999999999999 x}`, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := extractRTF(context.Background(), officeInput([]byte(tt.rtf), "text/rtf", "x.rtf"), withDefaults(Limits{}))
			if err != nil {
				t.Fatalf("extractRTF: %v", err)
			}
			if res.Text != tt.want {
				t.Errorf("Text = %q, want %q", res.Text, tt.want)
			}
		})
	}
}

func TestRTFHostile(t *testing.T) {
	tests := []struct {
		name, rtf string
		want      error
		message   string
	}{
		{"100000 nested groups", `{\rtf1` + strings.Repeat("{", 100000) + strings.Repeat("}", 100001), ErrLimit, "deeper than 256"},
		{"not rtf", "hello", ErrMalformed, "does not start"},
		{"unmatched close", `{\rtf1 a}}`, nil, ""},
		{"bad hex", `{\rtf1 \'zz}`, ErrMalformed, "escape"},
		{"cut hex", `{\rtf1 \'a`, ErrMalformed, "cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extractRTF(context.Background(), officeInput([]byte(tt.rtf), "text/rtf", "x.rtf"), withDefaults(Limits{}))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.message)
			}
		})
	}
}

func FuzzRTF(f *testing.F) { fuzzFormat(f, ".rtf", extractRTF) }
