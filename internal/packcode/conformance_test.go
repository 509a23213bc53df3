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

// TestCorpusDataMatrixGS1 reads the decoded payload of every GS1 symbol in
// the shared DataMatrix corpus (real images; the expected bytes sit beside
// each image) and checks that Parse accepts it.
func TestCorpusDataMatrixGS1(t *testing.T) {
	dir := "../../../shared/corpus/datamatrix"
	metas, _ := filepath.Glob(filepath.Join(dir, "*", "*.result.txt"))
	if len(metas) == 0 {
		t.Skipf("DataMatrix corpus not present in %s", dir)
	}
	n := 0
	for _, m := range metas {
		meta, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(meta), "symbologyIdentifier=]d2") {
			continue
		}
		payload, err := os.ReadFile(strings.TrimSuffix(m, ".result.txt") + ".txt")
		if err != nil {
			t.Fatal(err)
		}
		n++
		t.Run(filepath.Base(m), func(t *testing.T) {
			r := Parse(append([]byte("]d2"), payload...), Options{Today: testToday})
			if !r.Valid || r.Scheme != SchemeGS1 || r.GTIN == "" {
				t.Errorf("GS1 payload not accepted:\n%s", describe(r))
			}
		})
	}
	if n == 0 {
		t.Fatalf("no GS1 symbol in %d corpus metadata files", len(metas))
	}
	t.Logf("%d GS1 DataMatrix payloads from the corpus read", n)
}
