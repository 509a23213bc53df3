package packcode

import "github.com/medtrace/medtrace/trace"

// LedgerPack names the pack a valid result is on as events and the ledger
// name it: its GTIN and serial, or for China's 20-digit drug traceability
// code the product "CN" + 7-digit product identifier and the code's other
// 13 digits (trace.CNPackOf). ok is false when the result names no pack
// (invalid, an SSCC, a batch without a serial).
func (r Result) LedgerPack() (product, serial string, ok bool) {
	switch {
	case !r.Valid:
		return "", "", false
	case r.CN != nil && trace.CheckCNCode(r.CN.Code) == nil:
		product, serial = trace.CNPackOf(r.CN.Code)
		return product, serial, true
	case r.GTIN != "" && r.Serial != "":
		return r.GTIN, r.Serial, true
	}
	return "", "", false
}
