package packcode

import (
	"strings"
	"testing"
)

// BenchmarkParse measures Parse on the inputs a pharmacy meets.
func BenchmarkParse(b *testing.B) {
	inputs := []struct{ name, in string }{
		{"gs1-datamatrix", "]d20109506000134352172612311012345\x1d21ABC123"},
		{"gs1-datamatrix-ntin-710", "]d2010415003752864317261231101234\x1d21ABC123XYZ\x1d71003752864"},
		{"keyboard-wedge-tilde", "010950600013435217261231101234~21ABC123"},
		{"digital-link", "https://id.gs1.org/01/09506000134352/10/12345/21/ABC123?17=261231"},
		{"bracketed", "(01)09506000134352(17)261231(10)12345(21)ABC123"},
		{"cn-drugcode", "]C081234561234567890123"},
		{"ifa-ppn", "]d1[)>\x1e06\x1d9N110375286414\x1d1TABC123\x1dD261231\x1dS12345678901234\x1e\x04"},
		{"ean-13", "]E04006381333931"},
		{"bad-check-digit", "]d20109506000134353172612311012345\x1d21ABC123"},
		{"not-a-code", "]Q1https://example.com/leaflet.pdf"},
		// Worst cases found while fuzzing: 4 KiB inputs that make the most problems or elements.
		{"worst-4k-bracketed", strings.Repeat("(01)", MaxInputLen/4)},
		{"worst-4k-gs", strings.Repeat("\x1d", MaxInputLen)},
		{"worst-4k-ifa", "[)>\x1e06" + strings.Repeat("\x1dS1", (MaxInputLen-6)/3)},
		{"worst-4k-dl-query", "https://a/01/09506000134352?" + strings.Repeat("10=A&", 800)},
		{"too-long", strings.Repeat("0", MaxInputLen+1)},
	}
	for _, in := range inputs {
		raw := []byte(in.in)
		opt := Options{Today: testToday, GSSubstitute: '~'}
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				Parse(raw, opt)
			}
		})
	}
}
