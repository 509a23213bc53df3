package packcode

// symKind is how Parse treats the data after a symbology identifier.
type symKind uint8

const (
	kindNone     symKind = iota // no identifier: guess from the data
	kindPlain                   // 2D/linear symbol without GS1 mode: URI, ISO/IEC 15434, CN code, or plain text
	kindGS1                     // FNC1 in first position: GS1 element string
	kindAIM                     // FNC1 in second position: an AIM-registered application, not GS1
	kindEAN13                   // EAN-13 / UPC-A (13 digits), optionally followed by a composite
	kindEAN8                    // EAN-8 (8 digits), optionally followed by a composite
	kindEANAddOn                // EAN/UPC with an add-on
	kindITF                     // Interleaved 2 of 5 (ITF-14 carries a GTIN)
	kindCode39                  // Code 39 (the German PZN)
)

type symInfo struct {
	name string
	kind symKind
}

// symbologies lists ISO/IEC 15424 identifiers (without "]") and what they
// mean for pack codes. Identifiers not listed are reported as unknown. It is
// read-only.
var symbologies = [...]struct {
	id string
	symInfo
}{
	// Data Matrix (ISO/IEC 16022): 1 plain, 2 FNC1 first (GS1), 3 FNC1 second, 4-6 the same with ECI.
	{"d0", symInfo{"Data Matrix ECC 000-140", kindPlain}},
	{"d1", symInfo{"Data Matrix", kindPlain}},
	{"d2", symInfo{"GS1 DataMatrix", kindGS1}},
	{"d3", symInfo{"Data Matrix (AIM application)", kindAIM}},
	{"d4", symInfo{"Data Matrix with ECI", kindPlain}},
	{"d5", symInfo{"GS1 DataMatrix with ECI", kindGS1}},
	{"d6", symInfo{"Data Matrix with ECI (AIM application)", kindAIM}},
	// QR Code (ISO/IEC 18004): 0 model 1, 1 model 2, 2 ECI, 3 FNC1 first (GS1), 4 ECI+FNC1 first, 5/6 FNC1 second.
	{"Q0", symInfo{"QR Code model 1", kindPlain}},
	{"Q1", symInfo{"QR Code", kindPlain}},
	{"Q2", symInfo{"QR Code with ECI", kindPlain}},
	{"Q3", symInfo{"GS1 QR Code", kindGS1}},
	{"Q4", symInfo{"GS1 QR Code with ECI", kindGS1}},
	{"Q5", symInfo{"QR Code (AIM application)", kindAIM}},
	{"Q6", symInfo{"QR Code with ECI (AIM application)", kindAIM}},
	// DotCode (AIM ISS DotCode): 0 plain, 1 GS1, 2 FNC1 second, 3 ECI.
	{"J0", symInfo{"DotCode", kindPlain}},
	{"J1", symInfo{"GS1 DotCode", kindGS1}},
	{"J2", symInfo{"DotCode (AIM application)", kindAIM}},
	{"J3", symInfo{"DotCode with ECI", kindPlain}},
	// Aztec (ISO/IEC 24778): 0 plain, 1 FNC1 first, 2 FNC1 second, 3 ECI, 4 ECI+FNC1 first, 5 ECI+FNC1 second.
	{"z0", symInfo{"Aztec Code", kindPlain}},
	{"z1", symInfo{"GS1 Aztec Code", kindGS1}},
	{"z2", symInfo{"Aztec Code (AIM application)", kindAIM}},
	{"z3", symInfo{"Aztec Code with ECI", kindPlain}},
	{"z4", symInfo{"GS1 Aztec Code with ECI", kindGS1}},
	{"z5", symInfo{"Aztec Code with ECI (AIM application)", kindAIM}},
	// Code 128 (ISO/IEC 15417): 0 plain, 1 GS1-128, 2 FNC1 second, 4 concatenated.
	{"C0", symInfo{"Code 128", kindPlain}},
	{"C1", symInfo{"GS1-128", kindGS1}},
	{"C2", symInfo{"Code 128 (AIM application)", kindAIM}},
	{"C4", symInfo{"Code 128 (concatenated)", kindPlain}},
	// GS1 DataBar (ISO/IEC 24724) and composite components: always GS1.
	{"e0", symInfo{"GS1 DataBar", kindGS1}},
	// EAN/UPC (ISO/IEC 15420): 0 EAN-13/UPC-A/UPC-E, 1 two-digit add-on, 2 five-digit add-on, 3 with add-on, 4 EAN-8.
	{"E0", symInfo{"EAN-13/UPC", kindEAN13}},
	{"E1", symInfo{"EAN/UPC add-on", kindEANAddOn}},
	{"E2", symInfo{"EAN/UPC add-on", kindEANAddOn}},
	{"E3", symInfo{"EAN-13/UPC with add-on", kindEANAddOn}},
	{"E4", symInfo{"EAN-8", kindEAN8}},
	// Interleaved 2 of 5 (ISO/IEC 16390): 0 no check, 1 check validated and sent, 3 check validated and removed.
	{"I0", symInfo{"ITF", kindITF}},
	{"I1", symInfo{"ITF", kindITF}},
	{"I3", symInfo{"ITF", kindITF}},
	// Code 39 (ISO/IEC 16388): 0 plain, 1 check validated and sent, 3 check validated and removed, 4-7 full ASCII.
	{"A0", symInfo{"Code 39", kindCode39}},
	{"A1", symInfo{"Code 39", kindCode39}},
	{"A3", symInfo{"Code 39", kindCode39}},
	{"A4", symInfo{"Code 39 full ASCII", kindCode39}},
	{"A5", symInfo{"Code 39 full ASCII", kindCode39}},
	{"A7", symInfo{"Code 39 full ASCII", kindCode39}},
	// PDF417 (ISO/IEC 15438).
	{"L0", symInfo{"PDF417", kindPlain}},
	{"L1", symInfo{"PDF417", kindPlain}},
	{"L2", symInfo{"PDF417", kindPlain}},
}

func isAlpha(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }

func lookupSymbology(id string) (symInfo, bool) {
	for i := range symbologies {
		if symbologies[i].id == id {
			return symbologies[i].symInfo, true
		}
	}
	return symInfo{}, false
}
