package trace

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Field limits of GS1 element strings (GS1 General Specifications).
const (
	MaxSerial = 20 // AI (21)
	MaxBatch  = 20 // AI (10)
)

// AllDigits reports whether s is non-empty and all ASCII digits.
func AllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// CheckDigitOK verifies the GS1 mod-10 check digit that ends a numeric key
// (GTIN, SSCC, GLN).
func CheckDigitOK(s string) bool {
	if !AllDigits(s) || len(s) < 2 {
		return false
	}
	sum := 0
	n := len(s) - 1
	for i := 0; i < n; i++ {
		d := int(s[n-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10-sum%10)%10 == int(s[n]-'0')
}

func checkKey(what, s string, n int) error {
	if len(s) != n || !AllDigits(s) {
		return fmt.Errorf("%s %q must be %d digits", what, s, n)
	}
	if !CheckDigitOK(s) {
		return fmt.Errorf("%s %q has a wrong check digit", what, s)
	}
	return nil
}

// CheckGTIN checks a 14-digit GTIN and its check digit.
func CheckGTIN(s string) error { return checkKey("GTIN", s, 14) }

// CheckSSCC checks an 18-digit SSCC and its check digit.
func CheckSSCC(s string) error { return checkKey("SSCC", s, 18) }

// CheckGLN checks a 13-digit GLN and its check digit.
func CheckGLN(s string) error { return checkKey("GLN", s, 13) }

// cset82 reports whether c is in GS1 AI encodable character set 82.
func cset82(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(`!"%&'()*+,-./:;<=>?_`, c) >= 0
}

// CheckText checks a GS1 text field (serial, batch): present, at most max
// characters, all of character set 82.
func CheckText(what, s string, max int) error {
	if s == "" {
		return fmt.Errorf("%s is missing", what)
	}
	if len(s) > max {
		return fmt.Errorf("%s %q is longer than %d characters", what, s, max)
	}
	for i := 0; i < len(s); i++ {
		if !cset82(s[i]) {
			return fmt.Errorf("%s %q has a character GS1 does not allow at position %d", what, s, i+1)
		}
	}
	return nil
}

// CheckSerial checks a serial number (AI 21).
func CheckSerial(s string) error { return CheckText("serial", s, MaxSerial) }

// CheckBatch checks a batch or lot number (AI 10).
func CheckBatch(s string) error { return CheckText("batch", s, MaxBatch) }

// CheckExpiry checks a YYYY-MM-DD date.
func CheckExpiry(s string) error {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return fmt.Errorf("expiry %q is not a YYYY-MM-DD date", s)
	}
	return nil
}

// CheckEventID accepts a UUID or an ni:/// event hash (a content ID or a GS1
// EPCIS event hash).
func CheckEventID(id string) error {
	if IsUUID(id) {
		return nil
	}
	if strings.HasPrefix(id, "ni:///") && len(id) <= 200 && !strings.ContainsAny(id, " \t\r\n\"\\") {
		return nil
	}
	return fmt.Errorf("event ID %q is neither a UUID nor an ni:/// event hash", id)
}

// IsUUID reports whether s is a UUID in its 36-character text form.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// EventURI is the EPCIS eventID of an event ID: urn:uuid: for UUIDs, the
// ni:/// hash as it is.
func EventURI(id string) string {
	if IsUUID(id) {
		return "urn:uuid:" + strings.ToLower(id)
	}
	return id
}

// China's 20-digit drug traceability code (药品追溯码): a 7-digit product
// identifier (it starts with 8), a 9-digit serial and 4 check digits. The
// check digits' algorithm is not public, so MedTrace checks only the
// structure; whether a code was issued and its check digits are right is
// the ledger's to say: a code is genuine when its manufacturer commissioned
// exactly these 20 digits.
//
// On the ledger a China pack is named like a GS1 pack, by a product and a
// serial: the product is CNProductPrefix and the 7-digit product
// identifier ("CN8123456"), the serial the other 13 digits (serial and
// check digits). CNPackOf and CNCodeOf convert; PackKey (and Child.Ref) is
// the 20-digit code itself.
const (
	CNCodeLen       = 20   // digits of a China drug traceability code
	CNProductLen    = 7    // digits of its product identifier
	CNSerialLen     = 9    // digits of its serial
	CNCheckLen      = 4    // digits of its check code
	CNProductPrefix = "CN" // marks a China product identifier where a GTIN may stand
)

// ErrNotCNCode says a string is not a China drug traceability code.
var ErrNotCNCode = errors.New("not a China drug traceability code")

// CheckCNCode checks the structure of a China drug traceability code: 20
// digits, the first an 8 (7-digit product identifier, 9-digit serial, 4
// check digits). The check digits themselves cannot be checked here.
func CheckCNCode(code string) error {
	switch {
	case len(code) != CNCodeLen || !AllDigits(code):
		return fmt.Errorf("%w: %q must be %d digits (7-digit product identifier, 9-digit serial, 4 check digits)", ErrNotCNCode, code, CNCodeLen)
	case code[0] != '8':
		return fmt.Errorf("%w: %q must start with 8", ErrNotCNCode, code)
	}
	return nil
}

// CNProduct is the ledger's product name of a 7-digit China product
// identifier: "CN" and the digits.
func CNProduct(id string) string { return CNProductPrefix + id }

// IsCNProduct reports whether product names a China product identifier
// (CNProductPrefix and 7 digits, the first an 8) rather than a GTIN.
func IsCNProduct(product string) bool {
	return len(product) == len(CNProductPrefix)+CNProductLen && product[:len(CNProductPrefix)] == CNProductPrefix &&
		AllDigits(product[len(CNProductPrefix):]) && product[len(CNProductPrefix)] == '8'
}

// CheckCNProduct checks a China product as the ledger names it ("CN8123456").
func CheckCNProduct(product string) error {
	if !IsCNProduct(product) {
		return fmt.Errorf("the China product %q must be CN and 7 digits starting with 8", product)
	}
	return nil
}

// CNPackOf names the pack a China drug traceability code is on, as events
// and the ledger name it: the product ("CN" and the first 7 digits) and the
// serial (the other 13). code must pass CheckCNCode.
func CNPackOf(code string) (product, serial string) {
	return CNProduct(code[:CNProductLen]), code[CNProductLen:]
}

// CNCodeOf is the China drug traceability code of a pack named by product
// and serial; ok is false when they do not name a China pack.
func CNCodeOf(product, serial string) (code string, ok bool) {
	if !IsCNProduct(product) || len(serial) != CNCodeLen-CNProductLen || !AllDigits(serial) {
		return "", false
	}
	return product[len(CNProductPrefix):] + serial, true
}

// CheckProduct checks what names a product on the ledger: a 14-digit GTIN
// or a China product ("CN8123456").
func CheckProduct(product string) error {
	if strings.HasPrefix(product, CNProductPrefix) {
		return CheckCNProduct(product)
	}
	return CheckGTIN(product)
}

// CheckPack checks what names a pack: a GTIN and a GS1 serial, or a China
// product and the 13 digits that follow it in its code.
func CheckPack(product, serial string) error {
	if strings.HasPrefix(product, CNProductPrefix) {
		if err := CheckCNProduct(product); err != nil {
			return err
		}
		if len(serial) != CNCodeLen-CNProductLen || !AllDigits(serial) {
			return fmt.Errorf("the serial %q of China product %s must be %d digits (9-digit serial, 4 check digits)", serial, product, CNCodeLen-CNProductLen)
		}
		return nil
	}
	if err := CheckGTIN(product); err != nil {
		return err
	}
	return CheckSerial(serial)
}

// packWords names a pack inside the ledger's sentences: "pack GTIN serial
// S", or "the pack with drug code" and the 20 digits of a China pack.
func packWords(product, serial string) string {
	if code, ok := CNCodeOf(product, serial); ok {
		return "the pack with drug code " + code
	}
	return "pack " + product + " serial " + serial
}

// PackName names a pack for people: "GTIN g serial s", or "drug code" and
// the 20 digits of a China pack.
func PackName(product, serial string) string {
	if code, ok := CNCodeOf(product, serial); ok {
		return "drug code " + code
	}
	return "GTIN " + product + " serial " + serial
}
