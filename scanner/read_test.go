package scanner

import (
	"image"
	"testing"
)

func TestSplitAIM(t *testing.T) {
	tests := []struct {
		name, in, sym, rest string
	}{
		{name: "gs1 datamatrix", in: "]d2010950", sym: "]d2", rest: "010950"},
		{name: "qr", in: "]Q1hello", sym: "]Q1", rest: "hello"},
		{name: "no prefix", in: "0109506", rest: "0109506"},
		{name: "too short", in: "]d", rest: "]d"},
		{name: "bad modifier", in: "]d!x", rest: "]d!x"},
		{name: "empty", in: "", rest: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sym, rest := SplitAIM([]byte(tc.in))
			if sym != tc.sym || string(rest) != tc.rest {
				t.Fatalf("SplitAIM(%q) = %q, %q", tc.in, sym, rest)
			}
		})
	}
}

func TestReadHelpers(t *testing.T) {
	r := Read{Data: []byte("01\x1d21X"), Symbology: SymGS1DataMatrix, Source: Source{Kind: KindSerial, Name: "/dev/ttyACM0"}}
	if string(r.WithAIM()) != "]d201\x1d21X" || !r.IsGS1() || r.Source.String() != "serial:/dev/ttyACM0" {
		t.Fatalf("helpers: %q %v %q", r.WithAIM(), r.IsGS1(), r.Source.String())
	}
	if !r.SameCode(Read{Data: []byte("01\x1d21X"), Symbology: SymGS1DataMatrix}) || r.SameCode(Read{Data: []byte("01\x1d21X")}) {
		t.Fatal("SameCode")
	}
	if (Read{Data: []byte("x")}).IsGS1() || string((Read{Data: []byte("x")}).WithAIM()) != "x" {
		t.Fatal("plain read")
	}
	for _, s := range []string{"", "]d1", "]C0"} {
		if err := ValidateSymbology(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"]d", "d1", "]d1x"} {
		if err := ValidateSymbology(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestReadBounds(t *testing.T) {
	tests := []struct {
		name    string
		corners []Point
		want    image.Rectangle
	}{
		{name: "no corners", want: image.Rectangle{}},
		{name: "axis aligned", corners: []Point{{10, 20}, {50, 20}, {50, 60}, {10, 60}}, want: image.Rect(10, 20, 50, 60)},
		{name: "rotated, fractional", corners: []Point{{30.5, 10.2}, {60.7, 40}, {30, 70.1}, {0.9, 40}}, want: image.Rect(0, 10, 61, 71)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Read{Corners: tc.corners}).Bounds(); got != tc.want {
				t.Fatalf("Bounds() = %v, want %v", got, tc.want)
			}
		})
	}
}
