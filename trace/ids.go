package trace

import (
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
