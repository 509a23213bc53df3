// Package gs1 understands GS1 Application Identifier (AI) data: the AI
// dictionary generated from the GS1 Barcode Syntax Dictionary, the linters
// that check each component of an AI value, parsers for element strings,
// the bracketed human-readable form and GS1 Digital Link URIs, the
// association rules between AIs (req=, ex=, repeats), and renderings back to
// each of those forms.
//
// Every parser reports every problem it finds as a Problem with the AI
// concerned, the byte position in the input, a stable Code and a sentence a
// pharmacist can read. Parsers apply the per-element rules (character sets,
// lengths, check digits, dates, every dictionary linter, Digital Link key
// qualifiers); Validate adds the association rules. Dates with day 00 are
// valid where the dictionary says so (expiry and other yymmd0 dates) and
// mean the last day of the month; see ResolveDate.
//
// The package does no I/O and keeps no mutable state: its tables are
// generated, read-only data (see internal/gen).
package gs1

//go:generate go run ./internal/gen -dict ../../../shared/gs1/gs1-syntax-dictionary.txt -out aitable_gen.go

import (
	"sort"
	"strings"
)

// MaxInputLen is the longest input, in bytes, that the parsers accept. Longer
// input is rejected with a single CodeTooLong problem before any parsing, so
// work and memory stay bounded. GS1 symbols carry far less than this.
const MaxInputLen = 4096

// Element is one AI and its value, in input order.
type Element struct {
	AI    string
	Value string
	Pos   int // byte offset in the input where this element's AI starts (-1 if not applicable)
}

// Code is a stable, kebab-case problem identifier.
type Code string

// Problem is one thing wrong with a code; a bad code yields every problem found.
type Problem struct {
	AI      string // the AI concerned, "" if none
	Pos     int    // byte offset in the input, -1 if unknown
	Len     int    // length of the bad part (0 if unknown)
	Code    Code
	Message string // one sentence a pharmacist can read, e.g. "AI (01) GTIN: check digit is 3, expected 1."
	// Linter is the GS1 Barcode Syntax Dictionary name of the linter error
	// behind this problem (e.g. "GS1_LINTER_INCORRECT_CHECK_DIGIT"), or "".
	Linter string
	// Warning marks a problem that GS1's syntax engine tolerates (e.g. a
	// redundant separator after a fixed-length field); the data is still
	// usable. See HasErrors.
	Warning bool
	// Omitted is, for the CodeMoreProblems warning that closes a list cut at
	// MaxProblems, how many problems were left out; 0 otherwise.
	Omitted int
}

// Options relax validation; the zero value is GS1's defaults.
type Options struct {
	// PermitUnknownAIs accepts AIs that are not in the dictionary when their
	// length can be told from their first two digits.
	PermitUnknownAIs bool
	// PermitZeroSuppressedGTINinDLuris accepts GTIN-8/12/13 as the (01) path
	// value of a Digital Link URI and pads it to 14 digits.
	PermitZeroSuppressedGTINinDLuris bool
	// PermitConvenienceAlphas accepts the deprecated Digital Link
	// convenience alphas ("gtin", "ser", "lot", ...) in URI paths.
	PermitConvenienceAlphas bool
	// PermitUnknownAIsAsDLAttributes lets unknown AIs (with PermitUnknownAIs)
	// appear as Digital Link query attributes (GS1 engine:
	// vUNKNOWN_AI_NOT_DL_ATTR disabled).
	PermitUnknownAIsAsDLAttributes bool
	// SkipRequisite turns off the req= association check in Validate.
	SkipRequisite bool
	// SkipExclusive turns off the ex= association check in Validate.
	SkipExclusive bool
	// SkipRepeats turns off the "same AI, different values" check in Validate.
	SkipRepeats bool
	// SkipDigSigSerialisedKey turns off the check, in Validate, that a key
	// signed by a digital signature (8030) carries its serial component.
	SkipDigSigSerialisedKey bool
}

// Charset is the character set of one AI component.
type Charset uint8

// The character sets of the GS1 Barcode Syntax Dictionary.
const (
	Numeric Charset = iota + 1 // "N": digits 0-9
	CSet82                     // "X": GS1 AI encodable character set 82
	CSet39                     // "Y": GS1 AI encodable character set 39
	CSet64                     // "Z": base64url (file-safe) with "=" padding
)

// String returns the dictionary letter and name of the character set.
func (c Charset) String() string {
	switch c {
	case Numeric:
		return "N (numeric)"
	case CSet82:
		return "X (CSET 82)"
	case CSet39:
		return "Y (CSET 39)"
	case CSet64:
		return "Z (CSET 64)"
	}
	return "unknown"
}

// Component is one part of an AI value's format.
type Component struct {
	Charset  Charset
	Min, Max int      // length bounds
	Optional bool     // may be absent once the data is exhausted
	Linters  []string // dictionary linter names applied after the charset check
}

// Entry is one AI of the GS1 Barcode Syntax Dictionary. Its slices are shared
// with the package's table and must not be modified.
type Entry struct {
	AI    string
	Title string
	Flags string // raw dictionary flags
	// Fixed is the "*" flag: a predefined-length AI that needs no FNC1
	// separator after it.
	Fixed bool
	// DLAttr is the "?" flag: permitted as a Digital Link query attribute.
	DLAttr     bool
	Components []Component
	// Req holds one rule per req= attribute; each rule lists alternatives and
	// each alternative is a group of AIs (or patterns such as "31nn") that
	// must all be present. One satisfied alternative satisfies the rule.
	Req [][][]string
	// Ex lists AIs or patterns ("310n") that must not appear with this AI.
	Ex []string
	// DLPKey marks a Digital Link primary key.
	DLPKey bool
	// DLQualifiers lists the alternative ordered key-qualifier sequences.
	DLQualifiers [][]string
	// Attrs is the raw attribute text.
	Attrs string
	// Unknown marks a placeholder entry for an AI not in the dictionary
	// (only with Options.PermitUnknownAIs).
	Unknown bool
	// dlSeqs lists, for a Digital Link primary key, every valid path AI
	// sequence (the key alone, then every ordered subset of each qualifier
	// alternative), deduplicated and sorted as GS1's engine sorts them. It
	// is generated with the table so that DigitalLinkURI does not rebuild it.
	dlSeqs [][]string
}

// MinLen is the shortest valid value length (mandatory components only).
func (e *Entry) MinLen() int {
	n := 0
	for _, c := range e.Components {
		if !c.Optional {
			n += c.Min
		}
	}
	return n
}

// MaxLen is the longest valid value length.
func (e *Entry) MaxLen() int {
	n := 0
	for _, c := range e.Components {
		n += c.Max
	}
	return n
}

// Lookup returns the dictionary entry of an AI.
func Lookup(ai string) (Entry, bool) {
	if e := lookupExact(ai); e != nil {
		return *e, true
	}
	return Entry{}, false
}

// Entries returns every AI of the dictionary, in AI order.
func Entries() []Entry {
	out := make([]Entry, len(aiTable))
	copy(out, aiTable[:])
	return out
}

func lookupExact(ai string) *Entry {
	if i := aiIndex(ai); i >= 0 {
		return &aiTable[i]
	}
	return nil
}

// fixedPrefixValueLen is GS1's table of AI prefixes that are predefined as
// fixed length (value length by the AI's first two digits); 0 = variable.
// It is consulted only for AIs not in the dictionary.
func fixedPrefixValueLen(p string) int {
	switch p {
	case "00":
		return 18
	case "01", "02", "03":
		return 14
	case "04":
		return 16
	case "11", "12", "13", "14", "15", "16", "17", "18", "19":
		return 6
	case "20":
		return 2
	case "31", "32", "33", "34", "35", "36":
		return 6
	case "41":
		return 13
	}
	return 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// resolveAI finds the entry for an AI of known length, vivifying a
// placeholder for an unknown AI when opt permits it. It returns nil when the
// AI is not acceptable.
func resolveAI(ai string, opt Options) *Entry {
	if len(ai) < 2 || len(ai) > 4 || !allDigits(ai) {
		return nil
	}
	if e := lookupExact(ai); e != nil {
		return e
	}
	if !opt.PermitUnknownAIs {
		return nil
	}
	// Do not vivify an AI that is a prefix of a known AI or has one as prefix.
	i := sort.Search(len(aiTable), func(i int) bool { return aiTable[i].AI >= ai[:2] })
	for ; i < len(aiTable) && aiTable[i].AI[:2] == ai[:2]; i++ {
		k := aiTable[i].AI
		if strings.HasPrefix(k, ai) || strings.HasPrefix(ai, k) {
			return nil
		}
	}
	if n := aiLenByPrefix(ai[:2]); n != 0 && n != len(ai) {
		return nil
	}
	return unknownEntry(ai)
}

func unknownEntry(ai string) *Entry {
	e := &Entry{AI: ai, Title: "UNKNOWN", Unknown: true, DLAttr: true}
	n := 0
	if aiLenByPrefix(ai[:2]) != 0 {
		n = fixedPrefixValueLen(ai[:2])
	}
	if n > 0 {
		e.Fixed = true
		e.Components = []Component{{Charset: CSet82, Min: n, Max: n}}
	} else {
		e.Components = []Component{{Charset: CSet82, Min: 1, Max: 90}}
	}
	return e
}

// CheckDigitOK reports whether digits is all digits, at least two long, and
// ends with its correct GS1 mod-10 check digit.
func CheckDigitOK(digits string) bool {
	if len(digits) < 2 || !allDigits(digits) {
		return false
	}
	return CheckDigit(digits[:len(digits)-1]) == digits[len(digits)-1]
}

// AppendCheckDigit returns body (digits only) followed by its GS1 mod-10
// check digit: a GTIN, GLN or SSCC from its first digits.
func AppendCheckDigit(body string) string { return body + string(CheckDigit(body)) }

// CheckDigit returns the GS1 mod-10 check digit for body (digits only).
func CheckDigit(body string) byte {
	sum := 0
	w := 3
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// HasErrors reports whether any problem is not a warning.
func HasErrors(problems []Problem) bool {
	for _, p := range problems {
		if !p.Warning {
			return true
		}
	}
	return false
}
