package ledger

import (
	"testing"

	"github.com/medtrace/medtrace/trace"
)

func TestDemoPharmacyPacks(t *testing.T) {
	t.Run("the local network's prefix", func(t *testing.T) {
		packs, err := DemoPharmacyPacks("4012345")
		if err != nil {
			t.Fatal(err)
		}
		if len(packs) != 28 {
			t.Fatalf("%d packs, want 28 (4 left in the first case, 24 in the second)", len(packs))
		}
		seen := map[string]bool{}
		for _, p := range packs {
			// The first product of the seed under 4012345 (ledger_test's
			// seed report names GTIN 0401234500...).
			if p.GTIN != "04012345000016" || p.Batch != "B01-1" || p.Expiry != "2028-06-30" || p.Status != trace.PackActive {
				t.Errorf("pack %+v", p)
			}
			if err := trace.CheckSerial(p.Serial); err != nil || len(p.Serial) != 12 || seen[p.Serial] {
				t.Errorf("serial %q: %v (or repeated)", p.Serial, err)
			}
			seen[p.Serial] = true
		}
		// Seed's dispensed packs are serials 0..19 of product 0: none of
		// them is offered.
		for i := 0; i < 20; i++ {
			if seen[seedSerial(0, i, "")] {
				t.Errorf("dispensed serial %d offered", i)
			}
		}
	})
	for _, tc := range []struct {
		prefix string
		ok     bool
	}{{"", false}, {"40A2345", false}, {"401234500001", false}, {"40123450000", true}} {
		t.Run("prefix "+tc.prefix, func(t *testing.T) {
			packs, err := DemoPharmacyPacks(tc.prefix)
			if (err == nil) != tc.ok {
				t.Fatalf("error %v, want ok=%v", err, tc.ok)
			}
			if tc.ok && trace.CheckGTIN(packs[0].GTIN) != nil {
				t.Errorf("GTIN %s", packs[0].GTIN)
			}
		})
	}
}
