package scanner

import "testing"

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
