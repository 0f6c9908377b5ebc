package local

import (
	"errors"
	"testing"
)

// FuzzUnmarshalBinary: arbitrary bytes give a usable model or ErrBadModel, never a panic.
func FuzzUnmarshalBinary(f *testing.F) {
	m, err := Train(synthExamples(12, 1))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := m.MarshalBinary()
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte(modelMagic + "\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var back Model
		if err := back.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("error %v does not wrap ErrBadModel", err)
			}
			return
		}
		back.Scores("invoice payment flight hotel")
	})
}
