package gs1

import (
	"strings"
	"testing"
)

// A typical pharmaceutical pack: GTIN, expiry, batch, serial.
const benchPack = "01095060001343521725120010ABC123\x1d21XYZ0123456789"

func BenchmarkParseElementString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, probs := ParseElementString(benchPack, Options{})
		if len(probs) != 0 {
			b.Fatal(problemsText(probs))
		}
	}
}

func BenchmarkParseAndValidate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		elems, _ := ParseElementString(benchPack, Options{})
		if len(Validate(elems, Options{})) != 0 {
			b.Fatal("invalid")
		}
	}
}

func BenchmarkParseBracketed(b *testing.B) {
	const in = "(01)09506000134352(17)251200(10)ABC123(21)XYZ0123456789"
	b.ReportAllocs()
	for b.Loop() {
		if _, probs := ParseBracketed(in, Options{}); len(probs) != 0 {
			b.Fatal(problemsText(probs))
		}
	}
}

func BenchmarkParseDigitalLink(b *testing.B) {
	const in = "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ0123456789?17=251200"
	b.ReportAllocs()
	for b.Loop() {
		if _, probs := ParseDigitalLink(in, Options{}); len(probs) != 0 {
			b.Fatal(problemsText(probs))
		}
	}
}

func BenchmarkRender(b *testing.B) {
	elems, _ := ParseElementString(benchPack, Options{})
	b.ReportAllocs()
	for b.Loop() {
		_ = HRI(elems)
		_ = ElementString(elems)
		if _, err := DigitalLinkURI("", elems); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWorstCase4KiB measures the largest accepted inputs: 4 KiB of
// short fixed-length fields (many elements), of separators, of problems, of
// bracketed fields and of Digital Link query attributes, each parsed and
// validated.
func BenchmarkWorstCase4KiB(b *testing.B) {
	cases := []struct {
		name  string
		in    string
		parse func(string, Options) ([]Element, []Problem)
	}{
		{"many-elements", strings.Repeat("2012", MaxInputLen/4), ParseElementString},
		{"many-separators", strings.Repeat("10A\x1d", MaxInputLen/4), ParseElementString},
		{"many-problems", strings.Repeat("20A2", MaxInputLen/4), ParseElementString},
		{"bracketed", strings.Repeat("(20)12", MaxInputLen/6), ParseBracketed},
		{"dl-query", "https://a/01/09506000134352?" + strings.Repeat("99=A&", (MaxInputLen-40)/5), ParseDigitalLink},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchParseValidate(b, tc.in, tc.parse) })
	}
}

func benchParseValidate(b *testing.B, in string, parse func(string, Options) ([]Element, []Problem)) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		elems, _ := parse(in, Options{})
		_ = Validate(elems, Options{})
	}
}
