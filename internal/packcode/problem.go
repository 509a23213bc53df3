package packcode

import (
	"errors"
	"fmt"

	"github.com/medtrace/medtrace/internal/gs1"
)

// Code is a stable, kebab-case problem identifier. It includes every
// gs1.Code (converted as is) and the codes below.
type Code string

// Problem codes added by this package. GS1 problems keep their gs1 codes
// (e.g. "check-digit", "bad-date", "unknown-ai", "missing-required").
const (
	CodeEmptyInput       Code = "empty-input"        // nothing was scanned
	CodeInputTooLong     Code = "input-too-long"     // more than MaxInputLen bytes
	CodeNotPackCode      Code = "not-pack-code"      // readable data, but no pack code scheme
	CodeBadSymbologyID   Code = "bad-symbology-id"   // "]" not followed by a symbology letter and modifier
	CodeUnknownSymbology Code = "unknown-symbology"  // a well-formed but unknown symbology identifier
	CodeNoData           Code = "no-data"            // a GS1 symbology identifier with nothing after it
	CodeNotGS1Symbol     Code = "not-gs1-symbol"     // GS1 data in a symbol not marked as GS1 (FNC1 missing)
	CodeBadOption        Code = "bad-option"         // Options cannot be used (e.g. a letter as GS substitute)
	CodeCheckDigit       Code = "check-digit"        // a check digit is wrong (same as gs1's)
	CodeBadDate          Code = "bad-date"           // not a real YYMMDD date (same as gs1's)
	CodeBadCharacter     Code = "bad-character"      // a character the field does not allow (same as gs1's)
	CodeTooShort         Code = "too-short"          // a field is too short (same as gs1's)
	CodeTooLong          Code = "too-long"           // a field is too long (same as gs1's)
	CodeNotNumeric       Code = "not-numeric"        // a field must be digits (same as gs1's)
	CodeBadLength        Code = "bad-length"         // a fixed-length code has the wrong length
	CodeEnvelope         Code = "bad-envelope"       // an ISO/IEC 15434 envelope is broken or cut short
	CodeEnvelopeFormat   Code = "unsupported-format" // an ISO/IEC 15434 format other than 05 and 06
	CodeUnknownDI        Code = "unknown-data-identifier"
	CodeRepeatedDI       Code = "repeated-data-identifier"
	CodeMissingProduct   Code = "missing-product-code" // an IFA envelope without 9N PPN or 8P GTIN
	CodeMoreProblems     Code = "more-problems"        // a warning closing a list cut at MaxProblems
)

// Sentinel errors for the classes of problems callers must tell apart.
// Every Problem unwraps to exactly one of them.
var (
	// ErrNotPackCode: the data is not a pack code at all (a web link, a
	// plain text, nothing). Do not record it as a pack.
	ErrNotPackCode = errors.New("not a pack code")
	// ErrCheckDigit: the code reads cleanly but a check digit is wrong: a
	// misprint, a typing error, or a forged code.
	ErrCheckDigit = errors.New("bad check digit")
	// ErrDamaged: the data is structurally broken (cut short, unknown
	// fields, characters no field allows); scanning again may help.
	ErrDamaged = errors.New("damaged or incomplete code")
	// ErrInvalid: the fields read, but the code breaks a rule (a date that
	// does not exist, a missing or forbidden companion field, ...).
	ErrInvalid = errors.New("code breaks a rule")
)

// Problem is one thing wrong with a scan. It is an error.
type Problem struct {
	AI      string // the GS1 AI or IFA data identifier concerned, "" if none
	Pos     int    // byte offset in the raw input, -1 if unknown
	Len     int    // length of the bad part, 0 if unknown
	Code    Code
	Message string // one sentence a pharmacist can read
	// Warning marks a problem that does not make the code unusable (e.g. a
	// redundant GS separator).
	Warning bool
	// Omitted is, on a CodeMoreProblems warning, how many problems the list
	// leaves out.
	Omitted int
}

// Error returns the message, prefixed by its position when known.
func (p Problem) Error() string {
	if p.Pos >= 0 {
		return fmt.Sprintf("at byte %d: %s", p.Pos, p.Message)
	}
	return p.Message
}

// Unwrap returns the class sentinel of the problem.
func (p Problem) Unwrap() error { return p.Code.Class() }

// Class returns the sentinel error for the code's class: ErrNotPackCode,
// ErrCheckDigit, ErrDamaged or ErrInvalid.
func (c Code) Class() error {
	switch c {
	case CodeEmptyInput, CodeInputTooLong, CodeNotPackCode, CodeUnknownSymbology, CodeEnvelopeFormat:
		return ErrNotPackCode
	case CodeCheckDigit, Code(gs1.CodeCheckPair):
		return ErrCheckDigit
	case CodeBadSymbologyID, CodeNoData, CodeBadCharacter, CodeTooShort, CodeTooLong, CodeNotNumeric,
		CodeBadLength, CodeEnvelope, CodeUnknownDI,
		Code(gs1.CodeEmptyData), Code(gs1.CodeUnknownAI), Code(gs1.CodeBadAI), Code(gs1.CodeBadSyntax),
		Code(gs1.CodeEmptyValue), Code(gs1.CodeBadPercent), Code(gs1.CodeReservedCharacterURI):
		return ErrDamaged
	}
	return ErrInvalid
}

// fromGS1 converts gs1 problems, shifting positions by base (the offset of
// the gs1 input inside the raw input).
func fromGS1(ps []gs1.Problem, base int) []Problem {
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		q := Problem{AI: p.AI, Pos: p.Pos, Len: p.Len, Code: Code(p.Code), Message: p.Message, Warning: p.Warning, Omitted: p.Omitted}
		if q.Pos >= 0 {
			q.Pos += base
		}
		out = append(out, q)
	}
	return out
}

func hasErrors(ps []Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}

// ClassName returns a stable name for the class of code c:
// "not-pack-code", "check-digit", "damaged" or "invalid".
func ClassName(c Code) string {
	switch c.Class() {
	case ErrNotPackCode:
		return "not-pack-code"
	case ErrCheckDigit:
		return "check-digit"
	case ErrDamaged:
		return "damaged"
	}
	return "invalid"
}
