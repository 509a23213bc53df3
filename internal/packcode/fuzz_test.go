package packcode

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// addSeeds adds every input of testdata/parse.tsv to the corpus.
func addSeeds(f *testing.F, add func(string)) {
	_, rows := readTSV(f, "testdata/parse.tsv")
	for _, row := range rows {
		add(unescapeHex(f, row[1]))
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f, func(s string) { f.Add([]byte(s), byte(0)) })
	f.Add([]byte("]d2010950600013435210ABC~21XYZ"), byte('~'))
	f.Add([]byte("[)>\x1e06~9N110375286414~1TABC\x1e\x04"), byte('~'))
	f.Fuzz(func(t *testing.T, raw []byte, sub byte) {
		if len(raw) > 2*MaxInputLen {
			return
		}
		opt := Options{Today: testToday, GSSubstitute: sub}
		r := Parse(raw, opt)
		if r.Valid {
			if r.Scheme == SchemeUnknown {
				t.Fatalf("valid with scheme unknown:\n%s", describe(r))
			}
			if hasErrors(r.Problems) {
				t.Fatalf("valid with errors:\n%s", describe(r))
			}
			if r.Err() != nil {
				t.Fatalf("valid but Err() = %v", r.Err())
			}
		} else {
			err := r.Err()
			if err == nil {
				t.Fatalf("invalid but Err() is nil:\n%s", describe(r))
			}
			if !errors.Is(err, ErrNotPackCode) && !errors.Is(err, ErrCheckDigit) && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Err() %v has no class", err)
			}
			if !hasErrors(r.Problems) {
				t.Fatalf("invalid without an error problem:\n%s", describe(r))
			}
		}
		if len(r.Problems) > MaxProblems+1 {
			t.Fatalf("%d problems listed, more than MaxProblems+1", len(r.Problems))
		}
		for _, p := range r.Problems {
			if p.Code == "" || p.Message == "" {
				t.Fatalf("problem without code or message: %+v", p)
			}
			if p.Pos > len(raw) || p.Pos < -1 || p.Len < 0 {
				t.Fatalf("problem %s at %d+%d outside the %d-byte input", p.Code, p.Pos, p.Len, len(raw))
			}
		}
		for _, e := range r.Elements {
			if e.Pos > len(raw) || e.Pos < -1 {
				t.Fatalf("element (%s) at %d outside the %d-byte input", e.AI, e.Pos, len(raw))
			}
		}
		if r2 := Parse(raw, opt); !reflect.DeepEqual(r, r2) {
			t.Fatalf("Parse is not deterministic")
		}
		// A valid GS1 result re-read from its own element string gives the
		// same AIs.
		if r.Valid && r.Scheme == SchemeGS1 && r.ElementString != "" {
			again := Parse([]byte("]d2"+r.ElementString), Options{Today: testToday, GS1: opt.GS1})
			if !again.Valid || len(again.Elements) != len(r.Elements) {
				t.Fatalf("element string %q of a valid code does not read back:\n%s\nfrom:\n%s", r.ElementString, describe(again), describe(r))
			}
			for i := range r.Elements {
				if again.Elements[i].AI != r.Elements[i].AI || again.Elements[i].Value != r.Elements[i].Value {
					t.Fatalf("element %d changed: %+v -> %+v", i, r.Elements[i], again.Elements[i])
				}
			}
		}
	})
}

func FuzzScanData(f *testing.F) {
	for _, b := range []Barcode{BarcodeQR, BarcodeDataMatrix, BarcodeGS1128, BarcodeDataBarExpanded, BarcodeEAN13, BarcodeUPCE} {
		f.Add(string(b), "\x1d011231231231233310ABC123\x1d99TESTING|\x1d98COMPOSITE", false)
		f.Add(string(b), "211234567890", true)
	}
	f.Fuzz(func(t *testing.T, b, data string, addCheck bool) {
		if len(data) > MaxInputLen {
			return
		}
		out, err := ScanData(Barcode(b), data, addCheck)
		if err != nil {
			if !errors.Is(err, ErrNoScanData) {
				t.Fatalf("error %v is not ErrNoScanData", err)
			}
			return
		}
		if !strings.HasPrefix(out, "]") {
			t.Fatalf("scan data %q has no symbology identifier", out)
		}
		Parse([]byte(out), Options{Today: testToday})
	})
}

func FuzzPPNCheckDigits(f *testing.F) {
	f.Add("1103752864")
	f.Add("11ABC")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		d, ok := PPNCheckDigits(body)
		if !ok {
			return
		}
		if len(d) != 2 || !allDigits(d) {
			t.Fatalf("PPNCheckDigits(%q) = %q", body, d)
		}
		// The PPN made with these digits passes Parse's PPN check.
		if len(body) < 3 || len(body) > 20 || !allDigits(body[:2]) {
			return
		}
		r := Parse([]byte("[)>\x1e06\x1d9N"+body+d+"\x1e\x04"), Options{Today: testToday})
		for _, c := range r.Checks {
			if c.Name == "PPN check digits" && c.Status != CheckPassed {
				t.Fatalf("PPN %s%s: check %s:\n%s", body, d, c.Status, describe(r))
			}
		}
		if r.PPN == nil || r.PPN.CheckDigits != d {
			t.Fatalf("PPN %s%s not read:\n%s", body, d, describe(r))
		}
	})
}
