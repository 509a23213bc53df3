package trace

import "fmt"

// PackKey names a pack among an SSCC's children: the 14-digit GTIN, a
// slash, and the serial; for a China pack (see CNPackOf) its 20-digit drug
// traceability code. It is Child.Ref of a pack.
func PackKey(gtin, serial string) string {
	if code, ok := CNCodeOf(gtin, serial); ok {
		return code
	}
	return gtin + "/" + serial
}

// Child is one thing packed in a logistic unit: a case or pallet (SSCC set)
// or a pack (GTIN and Serial set; a China pack's product and serial, see
// CNPackOf). Its canonical reference, the only form
// events carry and the ledger stores, is Ref. Every form a user can type or
// scan (element string, bracketed HRI, Digital Link, GTIN/serial) is parsed
// to a Child by the application layer; ParseChildRef reads Ref's form only.
type Child struct {
	SSCC   string
	GTIN   string
	Serial string
}

// UnitChild is a logistic unit (case, pallet) as a child.
func UnitChild(sscc string) Child { return Child{SSCC: sscc} }

// PackChild is a pack as a child.
func PackChild(gtin, serial string) Child { return Child{GTIN: gtin, Serial: serial} }

// IsUnit reports whether c is a logistic unit (SSCC).
func (c Child) IsUnit() bool { return c.SSCC != "" }

// Ref is c's canonical reference: the 18-digit SSCC, or PackKey (GTIN/serial
// or a China pack's 20-digit code).
func (c Child) Ref() string {
	if c.SSCC != "" {
		return c.SSCC
	}
	return PackKey(c.GTIN, c.Serial)
}

// Check validates c's identifiers.
func (c Child) Check() error {
	if c.SSCC != "" {
		if c.GTIN != "" || c.Serial != "" {
			return fmt.Errorf("child names an SSCC and a pack")
		}
		return CheckSSCC(c.SSCC)
	}
	return CheckPack(c.GTIN, c.Serial)
}

// ParseChildRef reads a canonical child reference (Child.Ref): an 18-digit
// SSCC, GTIN/serial, or a 20-digit China drug traceability code.
func ParseChildRef(ref string) (Child, error) {
	var c Child
	switch {
	case len(ref) == 18 && AllDigits(ref):
		c = UnitChild(ref)
	case len(ref) == CNCodeLen && AllDigits(ref):
		if err := CheckCNCode(ref); err != nil {
			return Child{}, err
		}
		c = PackChild(CNPackOf(ref))
	case len(ref) > 15 && ref[14] == '/':
		c = PackChild(ref[:14], ref[15:])
	default:
		return Child{}, fmt.Errorf("child %q is neither an 18-digit SSCC, GTIN/serial nor a 20-digit China drug code", ref)
	}
	if err := c.Check(); err != nil {
		return Child{}, err
	}
	return c, nil
}
