package ledger

import (
	"fmt"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/trace"
)

// DemoPharmacyPacks returns the packs of the default demo data set (Seed
// with zero SeedOptions, under company prefix) that the demo pharmacy holds
// and has not dispensed: the rest of the first product's first batch in
// the two cases on the pallet it received. Printed as labels, they verify
// as authentic and active and can be dispensed at the pharmacy's GLN.
// It follows Seed's own numbering (seedSerial, the product GTINs, the case
// size) and must change with it.
func DemoPharmacyPacks(prefix string) ([]PackRef, error) {
	const (
		products, packs = 20, 10000 // the default data set
		perProduct      = packs / products
	)
	if prefix == "" || len(prefix) > 11 || !trace.AllDigits(prefix) {
		return nil, fmt.Errorf("demo packs: company prefix %q must be 1 to 11 digits", prefix)
	}
	itemDigits := 12 - len(prefix)
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", itemDigits, 1%intPow10(itemDigits))) // product 0
	caseSize := min(24, perProduct/4)
	// Seed dispenses the first caseSize-4 packs of the first case; the
	// rest of that case and all of the second stay at the pharmacy.
	var out []PackRef
	for i := caseSize - 4; i < 2*caseSize; i++ {
		out = append(out, PackRef{GTIN: gtin, Serial: seedSerial(0, i, ""), Batch: "B01-1", Expiry: "2028-06-30", Status: PackActive})
	}
	return out, nil
}
