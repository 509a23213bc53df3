package dmencode_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

func TestEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		gs1   bool
		shape dmencode.Shape
		sym   string
	}{
		{name: "gs1 pack code", data: "01095060001343521729123110ABC123\x1d21XYZ987", gs1: true, sym: scanner.SymGS1DataMatrix},
		{name: "gs1 rectangle", data: "010950600013435210A1", gs1: true, shape: dmencode.ShapeRectangle, sym: scanner.SymGS1DataMatrix},
		{name: "plain text", data: "Hello, MedTrace!", sym: scanner.SymDataMatrix},
		{name: "odd digits", data: "12345", sym: scanner.SymDataMatrix},
		{name: "high bytes", data: "caf\xe9 \xff", sym: scanner.SymDataMatrix},
		{name: "long", data: strings.Repeat("0123456789ABCDEF", 40), shape: dmencode.ShapeSquare, sym: scanner.SymDataMatrix},
	}
	d := dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := dmencode.Encode([]byte(tc.data), tc.gs1, tc.shape)
			if err != nil {
				t.Fatal(err)
			}
			if tc.shape == dmencode.ShapeRectangle && s.Rows == s.Cols {
				t.Errorf("shape %dx%d is not rectangular", s.Rows, s.Cols)
			}
			reads, err := d.Decode(context.Background(), s.Image(4, 2))
			if err != nil {
				t.Fatal(err)
			}
			if string(reads[0].Data) != tc.data || reads[0].Symbology != tc.sym {
				t.Fatalf("decoded %s %q, want %s %q", reads[0].Symbology, reads[0].Data, tc.sym, tc.data)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := dmencode.Encode(nil, false, dmencode.ShapeAny); !errors.Is(err, dmencode.ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := dmencode.Encode([]byte(strings.Repeat("A", 5000)), false, dmencode.ShapeAny); !errors.Is(err, dmencode.ErrTooLong) {
		t.Errorf("too long: %v", err)
	}
}
