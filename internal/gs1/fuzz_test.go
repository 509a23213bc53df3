package gs1

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds adds the fixture inputs of one form, the inputs of GS1's
// vectors for that form when ../shared is present, and extra seeds.
func fuzzSeeds(f *testing.F, form string, extra ...string) {
	for _, fx := range readFixturesF(f, "parse.tsv", 7) {
		if fx.fields[1] == form {
			f.Add(fx.fields[2], false)
		}
	}
	vectorFile := map[string]string{"es": "element-strings.tsv", "br": "bracketed.tsv", "dl": "digital-link.tsv"}[form]
	if data, err := os.ReadFile(filepath.Join(sharedVectors, vectorFile)); err == nil {
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Split(line, "\t")
			if len(fields) < 2 {
				continue
			}
			in := decodeVectorField(fields[1])
			if form == "es" {
				in = strings.TrimPrefix(in, "\x1d")
			}
			f.Add(in, false)
		}
	}
	for _, s := range extra {
		f.Add(s, false)
		f.Add(s, true)
	}
}

// readFixturesF is readFixtures for fuzz targets.
func readFixturesF(f *testing.F, name string, cols int) []fixture {
	f.Helper()
	var out []fixture
	rows := readFixtureRows(name)
	for _, r := range rows {
		if len(r.fields) == cols {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		f.Fatalf("no seeds in %s", name)
	}
	return out
}

// checkInvariants holds for every parser result: problems and elements
// point inside the input, every problem has a code and a sentence, at most
// MaxProblems are listed (a cut list closed by its CodeMoreProblems
// warning), and over-long input is refused outright.
func checkInvariants(t *testing.T, in string, elems []Element, probs []Problem) {
	t.Helper()
	if len(in) > MaxInputLen {
		if len(elems) != 0 || len(probs) != 1 || probs[0].Code != CodeInputTooLong {
			t.Fatalf("over-long input not refused: %d elements, %s", len(elems), problemList(probs))
		}
		return
	}
	if len(probs) > MaxProblems+1 {
		t.Fatalf("%d problems, more than MaxProblems and its closing warning", len(probs))
	}
	for i, p := range probs {
		if p.Code == CodeMoreProblems {
			if i != MaxProblems || p.Pos != -1 || !p.Warning {
				t.Fatalf("bad closing warning at %d of %d: %+v", i, len(probs), p)
			}
			continue
		}
		if p.Pos < 0 || p.Len < 0 || p.Pos+p.Len > len(in) {
			t.Fatalf("problem %s outside input of %d bytes", problemList([]Problem{p}), len(in))
		}
		if p.Code == "" || p.Message == "" {
			t.Fatalf("problem without code or message: %+v", p)
		}
	}
	for _, e := range elems {
		if e.Pos < 0 || e.Pos >= len(in) || len(e.AI) < 2 || len(e.AI) > 4 {
			t.Fatalf("bad element %+v", e)
		}
	}
}

// elementStringable reports whether every AI's length can be told from its
// first two digits, which an element string needs (bracketed input and
// Digital Link URIs may carry unknown AIs whose length cannot be told).
func elementStringable(elems []Element) bool {
	for _, e := range elems {
		if aiLenByPrefix(e.AI[:2]) != len(e.AI) {
			return false
		}
	}
	return true
}

func hasRepeats(elems []Element) bool {
	seen := map[string]bool{}
	for _, e := range elems {
		if seen[e.AI] {
			return true
		}
		seen[e.AI] = true
	}
	return false
}

// checkDLRoundTrip: when valid elements make a Digital Link URI, the URI
// parses back to the same elements.
func checkDLRoundTrip(t *testing.T, elems []Element, opt Options) {
	t.Helper()
	if hasRepeats(elems) {
		return
	}
	uri, err := DigitalLinkURIOpt("https://example.com/x", elems, opt)
	if err != nil {
		return
	}
	back, probs := ParseDigitalLink(uri, opt)
	if HasErrors(probs) || !sameElementSet(back, elems) {
		t.Fatalf("DL round trip: %v -> %q -> %v %s", elems, uri, back, problemsText(probs))
	}
}

func FuzzParseElementString(f *testing.F) {
	fuzzSeeds(f, "es", "0109506000134352\x1d21ABC", "8003012345678901281234", "3103000500\x1d", strings.Repeat("10A\x1d", 20),
		strings.Repeat("\x1d", MaxProblems+2), strings.Repeat("0109506000134352\x1d", MaxProblems+1)+"01095060001343X2")
	f.Fuzz(func(t *testing.T, data string, unknown bool) {
		opt := Options{PermitUnknownAIs: unknown}
		elems, probs := ParseElementString(data, opt)
		checkInvariants(t, data, elems, probs)
		if HasErrors(probs) {
			return
		}
		es := ElementString(elems)
		back, probs2 := ParseElementString(es, opt)
		if HasErrors(probs2) || !sameElements(back, elems) {
			t.Fatalf("round trip %q -> %q -> %v %s", data, es, back, problemsText(probs2))
		}
		br := Bracketed(elems)
		back, probs2 = ParseBracketed(br, opt)
		if HasErrors(probs2) || !sameElements(back, elems) {
			t.Fatalf("bracketed round trip %q -> %q -> %v %s", data, br, back, problemsText(probs2))
		}
		_ = Validate(elems, opt)
		_ = HRI(elems)
		checkDLRoundTrip(t, elems, opt)
	})
}

func FuzzParseBracketed(f *testing.F) {
	fuzzSeeds(f, "br", "(01)09506000134352(10)A\\(B", "(8030)AB-_cd1==", "(7007)211225", "((((", "(01)(", strings.Repeat("(1A)", MaxProblems+3))
	f.Fuzz(func(t *testing.T, s string, unknown bool) {
		opt := Options{PermitUnknownAIs: unknown}
		elems, probs := ParseBracketed(s, opt)
		checkInvariants(t, s, elems, probs)
		if HasErrors(probs) {
			return
		}
		br := Bracketed(elems)
		back, probs2 := ParseBracketed(br, opt)
		if HasErrors(probs2) || !sameElements(back, elems) {
			t.Fatalf("round trip %q -> %q -> %v %s", s, br, back, problemsText(probs2))
		}
		if !elementStringable(elems) {
			return
		}
		es := ElementString(elems)
		back, probs2 = ParseElementString(es, opt)
		if HasErrors(probs2) || !sameElements(back, elems) {
			t.Fatalf("element string round trip %q -> %q -> %v %s", s, es, back, problemsText(probs2))
		}
		_ = Validate(elems, opt)
		checkDLRoundTrip(t, elems, opt)
	})
}

func FuzzParseDigitalLink(f *testing.F) {
	fuzzSeeds(f, "dl", "https://a/01/09506000134352/22/X/10/Y/21/Z?17=251200&3103=000500&x=y#f",
		"HTTP://a/b/c/414/9521234543213/254/1", "https://a/8004/95212345?7040=1ABC", "https://a/01/0950600013435%32")
	f.Fuzz(func(t *testing.T, uri string, alphas bool) {
		opt := Options{PermitConvenienceAlphas: alphas, PermitZeroSuppressedGTINinDLuris: alphas}
		elems, probs := ParseDigitalLink(uri, opt)
		checkInvariants(t, uri, elems, probs)
		if HasErrors(probs) {
			return
		}
		plain := Options{}
		uri2, err := DigitalLinkURIOpt("https://example.com", elems, plain)
		if errors.Is(err, ErrNotDLAttribute) {
			// GS1's generator picks the qualifier sequence with the most
			// matches, first in sorted order on ties, so a valid URI such as
			// /01/.../235/X?10=Y regenerates with 235 in the query, where it
			// may not stand (GS1's own generate vectors expect this).
			return
		}
		if err != nil {
			t.Fatalf("valid URI %q does not regenerate: %v", uri, err)
		}
		back, probs2 := ParseDigitalLink(uri2, plain)
		if HasErrors(probs2) || !sameElementSet(back, elems) {
			t.Fatalf("round trip %q -> %q -> %v %s", uri, uri2, back, problemsText(probs2))
		}
		_ = Validate(elems, opt)
	})
}
