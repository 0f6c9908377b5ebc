package config

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table must name every variable Load reads.
func TestREADMEListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables {
		if !strings.Contains(string(b), "| `"+v.Name+"` |") {
			t.Errorf("README.md does not document %s", v.Name)
		}
	}
}

// .env.example must list every variable too.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables {
		if !strings.Contains(string(b), "\n"+v.Name+"=") && !strings.Contains(string(b), "\n#"+v.Name+"=") {
			t.Errorf(".env.example does not list %s", v.Name)
		}
	}
}
