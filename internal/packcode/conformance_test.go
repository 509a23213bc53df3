package packcode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedVectors is GS1's conformance data, beside the project root.
const sharedVectors = "../../../shared/gs1/vectors"

func vectorsOrSkip(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedVectors, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("GS1 vectors not present (%v); they live in ../shared beside the project root", err)
	}
	return p
}

// engineValid maps a Parse result to the syntax engine's verdict: the engine
// accepts any data in a non-GS1 symbol as valid plain data, where Parse
// says "not a pack code".
func engineValid(r Result) bool {
	if r.Valid {
		return true
	}
	if r.Symbology.ID == "" || r.Scheme != SchemeUnknown {
		return false
	}
	for _, p := range r.Problems {
		if p.Code != CodeNotPackCode {
			return false
		}
	}
	return true
}

// TestConformanceScanData runs GS1's scan data vectors: each row is raw
// scan data with its symbology identifier, the expected verdict, and for a
// valid row the symbology and the data the engine extracts.
func TestConformanceScanData(t *testing.T) {
	_, rows := readTSV(t, vectorsOrSkip(t, "scandata.tsv"))
	// engineSymbology maps GS1 syntax engine symbology names to the
	// identifier letter(s) Parse reports.
	engineSymbology := map[string]string{
		"QR": "]Q", "DM": "]d", "DotCode": "]J", "DataBarExpanded": "]e", "GS1_128_CCA": "]C", "EAN13": "]E0", "EAN8": "]E4",
	}

	pass := 0
	for _, row := range rows {
		src, input, expect, sym, data, dl := row[0], unescapeHex(t, row[1]), row[2], row[4], unescapeHex(t, row[5]), unescapeHex(t, row[6])
		t.Run(src+"/"+row[1], func(t *testing.T) {
			r := Parse([]byte(input), Options{Today: testToday})
			defer func() {
				if t.Failed() {
					t.Log(describe(r))
				} else {
					pass++
				}
			}()
			if got := engineValid(r); got != (expect == "valid") {
				t.Fatalf("valid = %v, want %s", got, expect)
			}
			if expect != "valid" {
				return
			}
			if want := engineSymbology[sym]; !strings.HasPrefix(r.Symbology.ID, want) {
				t.Errorf("symbology %q, want %s (%s)", r.Symbology.ID, want, sym)
			}
			got := r.Data
			if r.Symbology.GS1 {
				got = "\x1d" + got
			}
			got = strings.Replace(got, compositeSep, "|\x1d", 1)
			if got != data {
				t.Errorf("data %q, want %q", got, data)
			}
			switch dl {
			case "":
			case "(none)":
				if len(r.Elements) != 0 {
					t.Errorf("AIs %v from a URI the engine does not read as Digital Link", r.Elements)
				}
			default:
				if got := "\x1d" + r.ElementString; got != dl {
					t.Errorf("Digital Link AIs %q, want %q", got, dl)
				}
			}
		})
	}
	t.Logf("scandata.tsv: %d of %d rows pass", pass, len(rows))
}

// TestConformanceScanDataGenerate runs GS1's scan data generation vectors
// through ScanData, then reads each generated scan back with Parse.
func TestConformanceScanDataGenerate(t *testing.T) {
	_, rows := readTSV(t, vectorsOrSkip(t, "scandata-generate.tsv"))
	// engineBarcode maps GS1 syntax engine symbology names to Barcode values.
	engineBarcode := map[string]Barcode{
		"QR": BarcodeQR, "DM": BarcodeDataMatrix, "DotCode": BarcodeDotCode,
		"DataBarExpanded": BarcodeDataBarExpanded, "DataBarOmni": BarcodeDataBarOmni, "DataBarLimited": BarcodeDataBarLimited,
		"GS1_128_CCA": BarcodeGS1128, "GS1_128_CCC": BarcodeGS1128,
		"EAN13": BarcodeEAN13, "EAN8": BarcodeEAN8, "UPCA": BarcodeUPCA, "UPCE": BarcodeUPCE,
	}

	pass := 0
	for _, row := range rows {
		src, sym, data, expect, want, opts := row[0], row[1], unescapeHex(t, row[2]), row[3], unescapeHex(t, row[4]), row[5]
		t.Run(src+"/"+sym+"/"+row[2], func(t *testing.T) {
			ok := false
			defer func() {
				if ok {
					pass++
				}
			}()
			got, err := ScanData(engineBarcode[sym], data, strings.Contains(opts, "addCheckDigit"))
			if expect != "valid" {
				if err == nil {
					t.Fatalf("ScanData = %q, want an error", got)
				}
				ok = true
				return
			}
			if err != nil {
				t.Fatalf("ScanData: %v", err)
			}
			if got != want {
				t.Fatalf("ScanData = %q, want %q", got, want)
			}
			r := Parse([]byte(got), Options{Today: testToday})
			if !engineValid(r) {
				t.Fatalf("the generated scan does not read back:\n%s", describe(r))
			}
			ok = true
		})
	}
	t.Logf("scandata-generate.tsv: %d of %d rows pass", pass, len(rows))
}
