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

// lookupSymbology returns what an ISO/IEC 15424 identifier (without "]")
// means for pack codes; ok is false for identifiers not used on packs.
func lookupSymbology(id string) (info symInfo, ok bool) {
	switch id {
	// Data Matrix (ISO/IEC 16022): 1 plain, 2 FNC1 first (GS1), 3 FNC1 second, 4-6 the same with ECI.
	case "d0":
		return symInfo{"Data Matrix ECC 000-140", kindPlain}, true
	case "d1":
		return symInfo{"Data Matrix", kindPlain}, true
	case "d2":
		return symInfo{"GS1 DataMatrix", kindGS1}, true
	case "d3":
		return symInfo{"Data Matrix (AIM application)", kindAIM}, true
	case "d4":
		return symInfo{"Data Matrix with ECI", kindPlain}, true
	case "d5":
		return symInfo{"GS1 DataMatrix with ECI", kindGS1}, true
	case "d6":
		return symInfo{"Data Matrix with ECI (AIM application)", kindAIM}, true
		// QR Code (ISO/IEC 18004): 0 model 1, 1 model 2, 2 ECI, 3 FNC1 first (GS1), 4 ECI+FNC1 first, 5/6 FNC1 second.
	case "Q0":
		return symInfo{"QR Code model 1", kindPlain}, true
	case "Q1":
		return symInfo{"QR Code", kindPlain}, true
	case "Q2":
		return symInfo{"QR Code with ECI", kindPlain}, true
	case "Q3":
		return symInfo{"GS1 QR Code", kindGS1}, true
	case "Q4":
		return symInfo{"GS1 QR Code with ECI", kindGS1}, true
	case "Q5":
		return symInfo{"QR Code (AIM application)", kindAIM}, true
	case "Q6":
		return symInfo{"QR Code with ECI (AIM application)", kindAIM}, true
		// DotCode (AIM ISS DotCode): 0 plain, 1 GS1, 2 FNC1 second, 3 ECI.
	case "J0":
		return symInfo{"DotCode", kindPlain}, true
	case "J1":
		return symInfo{"GS1 DotCode", kindGS1}, true
	case "J2":
		return symInfo{"DotCode (AIM application)", kindAIM}, true
	case "J3":
		return symInfo{"DotCode with ECI", kindPlain}, true
		// Aztec (ISO/IEC 24778): 0 plain, 1 FNC1 first, 2 FNC1 second, 3 ECI, 4 ECI+FNC1 first, 5 ECI+FNC1 second.
	case "z0":
		return symInfo{"Aztec Code", kindPlain}, true
	case "z1":
		return symInfo{"GS1 Aztec Code", kindGS1}, true
	case "z2":
		return symInfo{"Aztec Code (AIM application)", kindAIM}, true
	case "z3":
		return symInfo{"Aztec Code with ECI", kindPlain}, true
	case "z4":
		return symInfo{"GS1 Aztec Code with ECI", kindGS1}, true
	case "z5":
		return symInfo{"Aztec Code with ECI (AIM application)", kindAIM}, true
		// Code 128 (ISO/IEC 15417): 0 plain, 1 GS1-128, 2 FNC1 second, 4 concatenated.
	case "C0":
		return symInfo{"Code 128", kindPlain}, true
	case "C1":
		return symInfo{"GS1-128", kindGS1}, true
	case "C2":
		return symInfo{"Code 128 (AIM application)", kindAIM}, true
	case "C4":
		return symInfo{"Code 128 (concatenated)", kindPlain}, true
		// GS1 DataBar (ISO/IEC 24724) and composite components: always GS1.
	case "e0":
		return symInfo{"GS1 DataBar", kindGS1}, true
		// EAN/UPC (ISO/IEC 15420): 0 EAN-13/UPC-A/UPC-E, 1 two-digit add-on, 2 five-digit add-on, 3 with add-on, 4 EAN-8.
	case "E0":
		return symInfo{"EAN-13/UPC", kindEAN13}, true
	case "E1":
		return symInfo{"EAN/UPC add-on", kindEANAddOn}, true
	case "E2":
		return symInfo{"EAN/UPC add-on", kindEANAddOn}, true
	case "E3":
		return symInfo{"EAN-13/UPC with add-on", kindEANAddOn}, true
	case "E4":
		return symInfo{"EAN-8", kindEAN8}, true
		// Interleaved 2 of 5 (ISO/IEC 16390): 0 no check, 1 check validated and sent, 3 check validated and removed.
	case "I0":
		return symInfo{"ITF", kindITF}, true
	case "I1":
		return symInfo{"ITF", kindITF}, true
	case "I3":
		return symInfo{"ITF", kindITF}, true
		// Code 39 (ISO/IEC 16388): 0 plain, 1 check validated and sent, 3 check validated and removed, 4-7 full ASCII.
	case "A0":
		return symInfo{"Code 39", kindCode39}, true
	case "A1":
		return symInfo{"Code 39", kindCode39}, true
	case "A3":
		return symInfo{"Code 39", kindCode39}, true
	case "A4":
		return symInfo{"Code 39 full ASCII", kindCode39}, true
	case "A5":
		return symInfo{"Code 39 full ASCII", kindCode39}, true
	case "A7":
		return symInfo{"Code 39 full ASCII", kindCode39}, true
		// PDF417 (ISO/IEC 15438).
	case "L0":
		return symInfo{"PDF417", kindPlain}, true
	case "L1":
		return symInfo{"PDF417", kindPlain}, true
	case "L2":
		return symInfo{"PDF417", kindPlain}, true
	}
	return symInfo{}, false
}

func isAlpha(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }
