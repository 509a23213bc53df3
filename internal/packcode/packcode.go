// Package packcode turns the bytes a scanner delivers from a medicine pack
// into typed pack identifiers, or into precise problems.
//
// It understands GS1 element strings (with or without a symbology
// identifier, a leading FNC1 and GS separators or a configured GS
// substitute), the bracketed form people type, GS1 Digital Link URIs,
// EAN/UPC and ITF-14 GTINs, China's 20-digit drug traceability code,
// ISO/IEC 15434 envelopes (format 05 with GS1 data, format 06 with IFA/ASC
// data identifiers such as the German PPN) and the German Code 39 PZN.
// GS1 rules come from package gs1. The package does no I/O and keeps no
// mutable state.
package packcode

import (
	"errors"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
)

// MaxInputLen is the longest input, in bytes, that Parse reads. Longer input
// gets one CodeInputTooLong problem and is not parsed.
const MaxInputLen = 4096

// MaxProblems is the most problems a Result lists; beyond it one
// CodeMoreProblems warning says how many were left out.
const MaxProblems = 50

// Scheme is the numbering scheme a pack code belongs to.
type Scheme string

// The schemes Parse reports.
const (
	SchemeGS1        Scheme = "gs1"         // GS1 AIs (GTIN, serial, batch, expiry, SSCC, ...)
	SchemeCNDrugCode Scheme = "cn-drugcode" // China's 20-digit drug traceability code
	SchemeIFA        Scheme = "ifa"         // IFA PPN / PZN (ASC MH10 data identifiers), Germany
	SchemeUnknown    Scheme = "unknown"     // not a pack code
)

// Form is the way the data was written.
type Form string

// The forms Parse recognises.
const (
	FormElementString Form = "element-string" // GS1 AIs with FNC1/GS separators
	FormBracketed     Form = "bracketed"      // "(01)...(21)..." typed by a person
	FormDigitalLink   Form = "digital-link"   // GS1 Digital Link URI
	FormGTIN          Form = "gtin"           // a bare GTIN: EAN-13, EAN-8, UPC-A, ITF-14
	FormISO15434      Form = "iso15434"       // ISO/IEC 15434 envelope "[)>" RS ... RS EOT
	FormCNDrugCode    Form = "cn-drugcode"    // 20 digits
	FormPZNCode39     Form = "pzn-code39"     // German PZN in Code 39 ("-" + 8 digits)
	FormPlain         Form = "plain"          // anything else
)

// Options configure Parse. The zero value reads every input with GS1's
// default rules, no GS substitute, and today's date for the century rule.
type Options struct {
	// GSSubstitute is the byte a keyboard-mode scanner sends instead of GS
	// (0x1D), e.g. '~', '^' or '|'; 0 means none. It is only treated as GS
	// in element strings and ISO/IEC 15434 envelopes, never in bracketed
	// input or URIs. Letters, digits, space, RS, EOT, CR, LF and bytes above
	// 0x7E are ignored with a CodeBadOption warning (see ValidGSSubstitute).
	GSSubstitute byte
	// Today anchors the GS1 century rule for two-digit years; the zero value
	// means the current date.
	Today time.Time
	// GS1 relaxes GS1 validation (unknown AIs, zero-suppressed GTINs in
	// Digital Link URIs, ...).
	GS1 gs1.Options
}

// Symbology is what the symbology identifier (ISO/IEC 15424, "]d2") says
// about the barcode the data came from.
type Symbology struct {
	ID   string // as seen, e.g. "]d2"; "" when the scanner sent none
	Name string // e.g. "GS1 DataMatrix"; "" when ID is ""
	// GS1 is true when the identifier announces GS1 data (FNC1 in first
	// position): ]d2, ]Q3, ]J1, ]C1, ]e0, ]z1 and their ECI variants.
	GS1 bool
}

// Element is one GS1 AI and its value, in input order.
type Element struct {
	AI    string
	Title string // the dictionary title, e.g. "GTIN"
	Value string
	Pos   int // byte offset of the AI in the raw input, -1 if unknown (e.g. percent-decoded URIs)
}

// DataIdentifier is one ASC MH10 data identifier field of an ISO/IEC 15434
// format 06 envelope (IFA), e.g. {"9N", "PPN", "110375286414"}.
type DataIdentifier struct {
	DI    string
	Title string
	Value string
	Pos   int // byte offset of the DI in the raw input
}

// Date is a YYMMDD date from a code.
type Date struct {
	Raw string    // the six digits as printed
	T   time.Time // the date, UTC midnight; for day 00 the last day of the month
	// DayUnspecified is true when the code gives day 00: only the month is
	// given and, by GS1 and IFA rules, the date is the last day of it.
	DayUnspecified bool
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string { return d.T.Format("2006-01-02") }

// NationalNumber is a national healthcare reimbursement number, AIs 710-717.
type NationalNumber struct {
	AI      string // "710" ... "717"
	Name    string // the dictionary title, e.g. "NHRN PZN"
	Country string // e.g. "Germany"; "" if not known
	Value   string
}

// GLN is a Global Location Number found in the code.
type GLN struct {
	AI    string // e.g. "414", "410"
	Title string
	Value string
}

// CNDrugCode is China's 20-digit drug traceability code, split into parts.
type CNDrugCode struct {
	Code    string // all 20 digits
	Product string // 7-digit product identification prefix, starting with 8
	Serial  string // 9-digit serial
	Check   string // 4 check digits; their algorithm is not public, so they cannot be verified offline
}

// PPN is an IFA Pharmacy Product Number.
type PPN struct {
	Value         string // e.g. "110375286414"
	AgencyCode    string // product registration agency code, "11" for Germany (PZN)
	ProductNumber string // the national product number, the PZN for agency "11"
	CheckDigits   string // two digits, mod 97 over the character values
}

// CheckStatus says how a check ended.
type CheckStatus string

// The check outcomes.
const (
	CheckPassed      CheckStatus = "passed"
	CheckFailed      CheckStatus = "failed"
	CheckNotPossible CheckStatus = "not-possible" // cannot be done offline or from the code alone
)

// Check is one check Parse did, or could not do.
type Check struct {
	Name   string // e.g. "GTIN check digit"
	Status CheckStatus
	Detail string // a sentence a pharmacist can read
}

// Result is everything Parse learned about one scan.
type Result struct {
	Scheme    Scheme
	Form      Form
	Symbology Symbology
	// Data is the payload after the symbology identifier, with trailing
	// CR/LF removed; GS substitutes are not replaced here.
	Data string

	GTIN   string // 14 digits
	Serial string
	Batch  string
	Expiry *Date // AI (17) or IFA "D"; nil if absent
	// Expired is true when Expiry is before Options.Today: the pack must
	// not be dispensed (a fact about the pack, not a problem with the code).
	Expired  bool
	SSCC     string
	GLNs     []GLN
	National []NationalNumber
	PZN      string // German PZN from AI (710), an NTIN (GTIN 04150...), the PPN or Code 39

	Elements        []Element        // GS1 AIs in input order
	DataIdentifiers []DataIdentifier // IFA/ASC data identifiers in input order
	CN              *CNDrugCode
	PPN             *PPN

	// Valid is true when the code was recognised and no problem is an error.
	Valid    bool
	Problems []Problem // errors and warnings, in input order where it makes sense
	Checks   []Check
	Notes    []string // things worth telling the user that are not problems

	HRI           []string // human-readable lines, e.g. "(01) 09506000134352"
	ElementString string   // GS1 element string, no leading FNC1, GS (0x1D) separators
	DigitalLink   string   // GS1 Digital Link URI on https://id.gs1.org, "" if none
}

// Err returns nil for a valid result, otherwise every error problem joined;
// errors.Is tells their classes apart (ErrNotPackCode, ErrCheckDigit,
// ErrDamaged, ErrInvalid).
func (r Result) Err() error {
	if r.Valid {
		return nil
	}
	var errs []error
	for i := range r.Problems {
		if !r.Problems[i].Warning {
			errs = append(errs, r.Problems[i])
		}
	}
	if len(errs) == 0 {
		return ErrInvalid
	}
	return errors.Join(errs...)
}

// HasCode reports whether any problem has code c.
func (r Result) HasCode(c Code) bool {
	for _, p := range r.Problems {
		if p.Code == c {
			return true
		}
	}
	return false
}
