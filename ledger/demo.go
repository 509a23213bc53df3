package ledger

import (
	"crypto/sha256"
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
func DemoPharmacyPacks(prefix string) ([]trace.PackRef, error) {
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
	var out []trace.PackRef
	for i := caseSize - 4; i < 2*caseSize; i++ {
		out = append(out, trace.PackRef{GTIN: gtin, Serial: seedSerial(0, i, ""), Batch: "B01-1", Expiry: "2028-06-30", Status: trace.PackActive})
	}
	return out, nil
}

// DemoCNProduct is the China product identifier (the first 7 digits of
// China's drug traceability code) the local network's demo manufacturer
// owns: the consortium configuration lists it with the manufacturer's
// company prefixes as trace.CNProduct(DemoCNProduct) ("CN8123456").
const DemoCNProduct = "8123456"

// The demo data set's China-coded packs: one batch, seedCNCount of them
// commissioned, packed in one case at the distributor and received by the
// pharmacy, the first seedCNDispensed dispensed there.
const (
	seedCNBatch     = "CN01-1"
	seedCNExpiry    = "2028-06-30"
	seedCNCount     = 24
	seedCNDispensed = 2
)

// seedCNCode is the China drug traceability code of China pack i of the
// demo data set (tag as Seed's). The 4 check digits follow an algorithm
// that is not public: the demo manufacturer, as the issuer, derives them
// from a hash; the ledger knows the codes as commissioned.
func seedCNCode(product string, i int, tag string) string {
	serial := fmt.Sprintf("%09d", 200000000+i)
	if tag != "" {
		h := sha256.Sum256([]byte("cn-tag/" + tag))
		serial = fmt.Sprintf("%09d", 300000000+1000*(int(h[0])<<8|int(h[1]))%600000000+i)
	}
	h := sha256.Sum256([]byte("cn-check/" + product + serial))
	return product + serial + fmt.Sprintf("%04d", (int(h[0])<<8|int(h[1]))%10000)
}

// DemoPharmacyCNPacks returns the China-coded packs of the default demo
// data set that the demo pharmacy holds and has not dispensed, each named
// as the ledger names it (trace.CNPackOf) with its 20-digit code in Code.
// Printed as labels (a plain Data Matrix of the 20 digits) they verify as
// authentic and active and can be dispensed at the pharmacy's GLN.
func DemoPharmacyCNPacks() []CNPack {
	out := make([]CNPack, 0, seedCNCount-seedCNDispensed)
	for i := seedCNDispensed; i < seedCNCount; i++ {
		code := seedCNCode(DemoCNProduct, i, "")
		g, s := trace.CNPackOf(code)
		out = append(out, CNPack{Code: code, PackRef: trace.PackRef{GTIN: g, Serial: s, Batch: seedCNBatch, Expiry: seedCNExpiry, Status: trace.PackActive}})
	}
	return out
}

// CNPack is a China-coded pack: its 20-digit code and the pack as the
// ledger names it.
type CNPack struct {
	Code string
	trace.PackRef
}
