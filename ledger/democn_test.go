package ledger

import (
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// TestDemoPharmacyCNPacks: the China-coded packs the demo pharmacy holds
// are well-formed codes of the demo product, distinct, named as the ledger
// names them, and none is one Seed dispensed.
func TestDemoPharmacyCNPacks(t *testing.T) {
	packs := DemoPharmacyCNPacks()
	if len(packs) != seedCNCount-seedCNDispensed {
		t.Fatalf("%d packs, want %d", len(packs), seedCNCount-seedCNDispensed)
	}
	seen := map[string]bool{}
	for i := 0; i < seedCNDispensed; i++ {
		seen[seedCNCode(DemoCNProduct, i, "")] = true // dispensed: must not be offered
	}
	for _, p := range packs {
		if err := trace.CheckCNCode(p.Code); err != nil || p.Code[:7] != DemoCNProduct || seen[p.Code] {
			t.Errorf("code %s: %v (or repeated, or dispensed)", p.Code, err)
		}
		seen[p.Code] = true
		if g, s := trace.CNPackOf(p.Code); p.GTIN != g || p.Serial != s || p.Batch != seedCNBatch || p.Status != trace.PackActive {
			t.Errorf("pack %+v", p)
		}
	}
}

func TestSeedCNCode(t *testing.T) {
	tests := []struct{ name, tag string }{{"default data set", ""}, {"another size", "-2x16"}, {"a long tag", "-20x100000"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for i := 0; i < seedCNCount; i++ {
				c := seedCNCode(DemoCNProduct, i, tt.tag)
				if err := trace.CheckCNCode(c); err != nil || seen[c] {
					t.Fatalf("code %d %q: %v (or repeated)", i, c, err)
				}
				seen[c] = true
			}
			if tt.tag != "" && seen[seedCNCode(DemoCNProduct, 0, "")] {
				t.Fatal("a tagged data set reuses the default one's codes")
			}
		})
	}
}
