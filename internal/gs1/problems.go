package gs1

import (
	"fmt"
	"strings"
)

// Problem codes. They are stable: callers may switch on them.
const (
	CodeEmptyData             Code = "empty-data"              // nothing to parse
	CodeInputTooLong          Code = "input-too-long"          // input longer than MaxInputLen
	CodeUnknownAI             Code = "unknown-ai"              // AI not in the dictionary
	CodeBadAI                 Code = "bad-ai"                  // malformed AI (not 2-4 digits)
	CodeBadSyntax             Code = "bad-syntax"              // bracketed form structure broken
	CodeEmptyValue            Code = "empty-value"             // AI with no data
	CodeTooShort              Code = "too-short"               // value shorter than the AI allows
	CodeTooLong               Code = "too-long"                // value longer than the AI allows
	CodeBadCharacter          Code = "bad-character"           // character outside the AI's character set
	CodeNotNumeric            Code = "not-numeric"             // non-digit in a numeric field
	CodeCheckDigit            Code = "check-digit"             // wrong GS1 mod-10 check digit
	CodeCheckPair             Code = "check-pair"              // wrong alphanumeric check character pair
	CodeBadDate               Code = "bad-date"                // impossible date
	CodeBadTime               Code = "bad-time"                // impossible time
	CodeBadGCP                Code = "bad-company-prefix"      // key does not start with a GS1 Company Prefix
	CodeNotCountry            Code = "not-country"             // not an ISO 3166 country code
	CodeNotCurrency           Code = "not-currency"            // not an ISO 4217 currency code
	CodeBadIBAN               Code = "bad-iban"                // malformed IBAN
	CodeBadPercent            Code = "bad-percent-encoding"    // bad %xx sequence
	CodeBadPadding            Code = "bad-padding"             // bad base64 "=" padding
	CodeNotZero               Code = "not-zero"                // component must be zero
	CodeZeroValue             Code = "zero-value"              // component must not be zero
	CodeZeroPrefix            Code = "zero-prefix"             // number must not start with 0
	CodeBadWinding            Code = "bad-winding"             // winding direction not 0, 1 or 9
	CodeNotYesNo              Code = "not-yes-no"              // flag not 0 or 1
	CodeBadImporterIndex      Code = "bad-importer-index"      // bad UIC importer index
	CodeBadCoupon             Code = "bad-coupon"              // malformed coupon code
	CodeBadLatitude           Code = "bad-latitude"            // latitude out of range or malformed
	CodeBadLongitude          Code = "bad-longitude"           // longitude out of range or malformed
	CodeBadMediaType          Code = "bad-media-type"          // AIDC media type not allowed
	CodeBadPieceOfTotal       Code = "bad-piece-of-total"      // piece number / total pieces wrong
	CodeBadPosition           Code = "bad-position"            // position in sequence wrong
	CodeNotHyphen             Code = "not-hyphen"              // component must be "-"
	CodeBadPackageType        Code = "bad-package-type"        // not a PackageTypeCode
	CodeNeedsNonDigit         Code = "needs-non-digit"         // value must contain a non-digit
	CodeBadSexCode            Code = "bad-sex-code"            // not an ISO 5218 code
	CodeLinterFailed          Code = "linter-failed"           // any other linter failure
	CodeMissingRequired       Code = "missing-required"        // req= not satisfied
	CodeExclusiveAIs          Code = "exclusive-ais"           // ex= violated
	CodeDigSigUnserialisedKey Code = "digsig-unserialised-key" // 8030 with a key lacking its serial part
	CodeRepeatedAI            Code = "repeated-ai-different-value"
	CodeRedundantSeparator    Code = "redundant-separator"   // GS where none is needed (warning)
	CodeBadKeyQualifier       Code = "bad-key-qualifier"     // DL path AIs not a valid key-qualifier sequence
	CodeBadDigitalLink        Code = "bad-digital-link"      // URI is not a GS1 Digital Link
	CodeDuplicateAI           Code = "duplicate-ai"          // DL URI carries an AI twice
	CodeNotDLAttribute        Code = "not-dl-attribute"      // AI not allowed as a DL query attribute
	CodeQualifierNotInPath    Code = "qualifier-not-in-path" // key qualifier given as query attribute
	CodeNoPrimaryKey          Code = "no-primary-key"        // no DL primary key AI
	CodeReservedCharacterURI  Code = "bad-uri-character"     // character not allowed in a URI
	CodeMoreProblems          Code = "more-problems"         // warning closing a list cut at MaxProblems
)

// MaxProblems is the most problems one call lists. When more are found,
// the first MaxProblems are listed (one of them an error, if any was found)
// and then one CodeMoreProblems warning with no position (Pos -1) says how
// many were left out, as package packcode does. The sentences of problems
// left out are never written, so 4 KiB of garbage costs little; elements
// are still all returned.
const MaxProblems = 50

// cappedProblems collects the problems of one call, at most MaxProblems.
type cappedProblems struct {
	list       []Problem
	dropped    int     // problems found past MaxProblems
	droppedErr Problem // the first error past MaxProblems, when hasDropErr
	hasDropErr bool
}

// full reports whether the list has no room for a problem (a warning when
// warning is set); if so it counts the problem as left out and the
// caller need not write its sentence. An error is still wanted while none
// has been left out, so that the list keeps one.
func (l *cappedProblems) full(warning bool) bool {
	if len(l.list) < MaxProblems || !warning && !l.hasDropErr {
		return false
	}
	l.dropped++
	return true
}

// add lists p, or counts it as left out when the list is full.
func (l *cappedProblems) add(p Problem) {
	if len(l.list) < MaxProblems {
		l.list = append(l.list, p)
		return
	}
	l.dropped++
	if !p.Warning && !l.hasDropErr {
		l.droppedErr, l.hasDropErr = p, true
	}
}

// problems returns the list, closed by a CodeMoreProblems warning when
// problems were left out.
func (l *cappedProblems) problems() []Problem {
	if l.dropped == 0 {
		return l.list
	}
	if l.hasDropErr && !HasErrors(l.list) {
		// Keep one error so that HasErrors still tells the truth: it takes
		// the place of the last listed warning, which is left out instead.
		l.list[len(l.list)-1] = l.droppedErr
	}
	return append(l.list, Problem{Pos: -1, Code: CodeMoreProblems, Warning: true, Omitted: l.dropped,
		Message: fmt.Sprintf("%d more problems are not listed; this does not look like GS1 data.", l.dropped)})
}

// codeForLinter maps a GS1 linter error name to this package's Code.
func codeForLinter(name string) Code {
	switch name {
	case "GS1_LINTER_NON_DIGIT_CHARACTER":
		return CodeNotNumeric
	case "GS1_LINTER_INVALID_CSET82_CHARACTER", "GS1_LINTER_INVALID_CSET39_CHARACTER", "GS1_LINTER_INVALID_CSET64_CHARACTER":
		return CodeBadCharacter
	case "GS1_LINTER_INVALID_CSET64_PADDING":
		return CodeBadPadding
	case "GS1_LINTER_INCORRECT_CHECK_DIGIT", "GS1_LINTER_TOO_SHORT_FOR_CHECK_DIGIT":
		return CodeCheckDigit
	case "GS1_LINTER_INCORRECT_CHECK_PAIR", "GS1_LINTER_TOO_SHORT_FOR_CHECK_PAIR", "GS1_LINTER_TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION":
		return CodeCheckPair
	case "GS1_LINTER_TOO_SHORT_FOR_GCP", "GS1_LINTER_TOO_SHORT_FOR_KEY", "GS1_LINTER_INVALID_GCP_PREFIX", "GS1_LINTER_GCP_DATASOURCE_OFFLINE":
		return CodeBadGCP
	case "GS1_LINTER_DATE_TOO_SHORT", "GS1_LINTER_DATE_TOO_LONG", "GS1_LINTER_ILLEGAL_MONTH", "GS1_LINTER_ILLEGAL_DAY":
		return CodeBadDate
	case "GS1_LINTER_HOUR_TOO_SHORT", "GS1_LINTER_HOUR_TOO_LONG", "GS1_LINTER_ILLEGAL_HOUR",
		"GS1_LINTER_MINUTE_TOO_SHORT", "GS1_LINTER_MINUTE_TOO_LONG", "GS1_LINTER_ILLEGAL_MINUTE",
		"GS1_LINTER_SECOND_TOO_SHORT", "GS1_LINTER_SECOND_TOO_LONG", "GS1_LINTER_ILLEGAL_SECOND",
		"GS1_LINTER_HOUR_WITH_MINUTE_TOO_SHORT", "GS1_LINTER_HOUR_WITH_MINUTE_TOO_LONG":
		return CodeBadTime
	case "GS1_LINTER_NOT_ISO3166", "GS1_LINTER_NOT_ISO3166_OR_999", "GS1_LINTER_NOT_ISO3166_ALPHA2":
		return CodeNotCountry
	case "GS1_LINTER_NOT_ISO4217":
		return CodeNotCurrency
	case "GS1_LINTER_IBAN_TOO_SHORT", "GS1_LINTER_IBAN_TOO_LONG", "GS1_LINTER_INVALID_IBAN_CHARACTER",
		"GS1_LINTER_ILLEGAL_IBAN_COUNTRY_CODE", "GS1_LINTER_INCORRECT_IBAN_CHECKSUM":
		return CodeBadIBAN
	case "GS1_LINTER_INVALID_PERCENT_SEQUENCE":
		return CodeBadPercent
	case "GS1_LINTER_NOT_ZERO":
		return CodeNotZero
	case "GS1_LINTER_ILLEGAL_ZERO_VALUE":
		return CodeZeroValue
	case "GS1_LINTER_ILLEGAL_ZERO_PREFIX":
		return CodeZeroPrefix
	case "GS1_LINTER_INVALID_WINDING_DIRECTION":
		return CodeBadWinding
	case "GS1_LINTER_NOT_ZERO_OR_ONE":
		return CodeNotYesNo
	case "GS1_LINTER_IMPORTER_IDX_MUST_BE_ONE_CHARACTER", "GS1_LINTER_INVALID_IMPORT_IDX_CHARACTER":
		return CodeBadImporterIndex
	case "GS1_LINTER_INVALID_LATITUDE", "GS1_LINTER_LATITUDE_INVALID_LENGTH":
		return CodeBadLatitude
	case "GS1_LINTER_INVALID_LONGITUDE", "GS1_LINTER_LONGITUDE_INVALID_LENGTH":
		return CodeBadLongitude
	case "GS1_LINTER_INVALID_MEDIA_TYPE":
		return CodeBadMediaType
	case "GS1_LINTER_INVALID_LENGTH_FOR_PIECE_OF_TOTAL", "GS1_LINTER_ZERO_PIECE_NUMBER",
		"GS1_LINTER_ZERO_TOTAL_PIECES", "GS1_LINTER_PIECE_NUMBER_EXCEEDS_TOTAL":
		return CodeBadPieceOfTotal
	case "GS1_LINTER_POSITION_IN_SEQUENCE_MALFORMED", "GS1_LINTER_POSITION_EXCEEDS_END":
		return CodeBadPosition
	case "GS1_LINTER_NOT_HYPHEN":
		return CodeNotHyphen
	case "GS1_LINTER_INVALID_PACKAGE_TYPE":
		return CodeBadPackageType
	case "GS1_LINTER_REQUIRES_NON_DIGIT_CHARACTER":
		return CodeNeedsNonDigit
	case "GS1_LINTER_INVALID_BIOLOGICAL_SEX_CODE":
		return CodeBadSexCode
	}
	if strings.HasPrefix(name, "GS1_LINTER_COUPON_") {
		return CodeBadCoupon
	}
	return CodeLinterFailed
}

// AIName returns a short name for an AI as a pharmacist would say it
// ("GTIN", "expiry", "batch", "serial", "German PZN", ...), falling back to
// the dictionary title, or "" for an AI not in the dictionary.
func AIName(ai string) string { return friendlyName(ai) }

// friendlyName returns the names pharmacists use for the AIs they meet most.
func friendlyName(ai string) string {
	switch ai {
	case "00":
		return "SSCC"
	case "01":
		return "GTIN"
	case "02":
		return "GTIN of contained items"
	case "10":
		return "batch"
	case "11":
		return "production date"
	case "13":
		return "packaging date"
	case "15":
		return "best before"
	case "16":
		return "sell by"
	case "17":
		return "expiry"
	case "21":
		return "serial"
	case "30", "37":
		return "count"
	case "710":
		return "German PZN"
	case "711":
		return "French CIP"
	case "712":
		return "Spanish national code"
	case "713":
		return "Brazilian DRN"
	case "714":
		return "Portuguese AIM"
	case "715":
		return "US NDC"
	case "716":
		return "Italian AIC"
	case "717":
		return "SRN"
	}
	if e := lookupExact(ai); e != nil && e.Title != "" {
		return e.Title
	}
	return ""
}

// aiLabel is "AI (17) expiry" or "AI (8110)".
func aiLabel(ai string) string {
	if n := friendlyName(ai); n != "" {
		return "AI (" + ai + ") " + n
	}
	return "AI (" + ai + ")"
}

// printable quotes s for a message, showing control characters as escapes.
func printable(s string) string {
	const max = 40
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func charDesc(c byte) string {
	switch {
	case c == 0x1d:
		return "a GS separator"
	case c == ' ':
		return "a space"
	case c < 0x20 || c >= 0x7f:
		return fmt.Sprintf("byte 0x%02X", c)
	}
	return fmt.Sprintf("%q", string(c))
}

// linterMessage writes the pharmacist-readable sentence for a linter failure
// on component comp of an AI value; off is the component's offset in the
// value and e's positions are within comp. A message that points at one
// character counts it from 1 within the whole value ("character 13 of the
// value"), never as an offset in the input: Problem.Pos carries that.
func linterMessage(ai, comp string, off int, e lintErr) string {
	label := aiLabel(ai)
	at := off + e.pos + 1
	bad := ""
	if e.pos >= 0 && e.pos+e.len <= len(comp) {
		bad = comp[e.pos : e.pos+e.len]
	}
	switch e.name {
	case "GS1_LINTER_NON_DIGIT_CHARACTER":
		return fmt.Sprintf("%s: %s (character %d of the value) must be a digit.", label, charDesc(comp[e.pos]), at)
	case "GS1_LINTER_INVALID_CSET82_CHARACTER":
		return fmt.Sprintf("%s: %s (character %d of the value) is not allowed (GS1 allows letters, digits and !\"%%&'()*+,-./:;<=>?_).", label, charDesc(comp[e.pos]), at)
	case "GS1_LINTER_INVALID_CSET39_CHARACTER":
		return fmt.Sprintf("%s: %s (character %d of the value) is not allowed (only capital letters, digits and # - / are).", label, charDesc(comp[e.pos]), at)
	case "GS1_LINTER_INVALID_CSET64_CHARACTER":
		return fmt.Sprintf("%s: %s (character %d of the value) is not allowed (only letters, digits, - and _ are).", label, charDesc(comp[e.pos]), at)
	case "GS1_LINTER_INCORRECT_CHECK_DIGIT":
		want := CheckDigit(comp[:len(comp)-1])
		return fmt.Sprintf("%s: check digit is %c, expected %c.", label, comp[len(comp)-1], want)
	case "GS1_LINTER_TOO_SHORT_FOR_CHECK_DIGIT":
		return fmt.Sprintf("%s: too short to carry a check digit.", label)
	case "GS1_LINTER_INCORRECT_CHECK_PAIR":
		return fmt.Sprintf("%s: check characters %s are wrong.", label, printable(bad))
	case "GS1_LINTER_TOO_SHORT_FOR_CHECK_PAIR":
		return fmt.Sprintf("%s: too short to carry its two check characters.", label)
	case "GS1_LINTER_TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION":
		return fmt.Sprintf("%s: too long for its check characters to be verified.", label)
	case "GS1_LINTER_ILLEGAL_MONTH":
		return fmt.Sprintf("%s: %s is not a valid date (month %s).", label, comp, bad)
	case "GS1_LINTER_ILLEGAL_DAY":
		return fmt.Sprintf("%s: %s is not a valid date (day %s).", label, comp, bad)
	case "GS1_LINTER_DATE_TOO_SHORT", "GS1_LINTER_DATE_TOO_LONG":
		return fmt.Sprintf("%s: %s is not a valid date (wrong number of digits).", label, printable(comp))
	case "GS1_LINTER_ILLEGAL_HOUR":
		return fmt.Sprintf("%s: %s is not a valid time (hour %s).", label, comp, bad)
	case "GS1_LINTER_ILLEGAL_MINUTE":
		return fmt.Sprintf("%s: %s is not a valid time (minute %s).", label, comp, bad)
	case "GS1_LINTER_ILLEGAL_SECOND":
		return fmt.Sprintf("%s: %s is not a valid time (second %s).", label, comp, bad)
	case "GS1_LINTER_TOO_SHORT_FOR_GCP", "GS1_LINTER_TOO_SHORT_FOR_KEY", "GS1_LINTER_INVALID_GCP_PREFIX":
		return fmt.Sprintf("%s: %s does not start with a GS1 Company Prefix.", label, printable(comp))
	case "GS1_LINTER_NOT_ISO3166", "GS1_LINTER_NOT_ISO3166_ALPHA2":
		return fmt.Sprintf("%s: %s is not an ISO 3166 country code.", label, printable(comp))
	case "GS1_LINTER_NOT_ISO3166_OR_999":
		return fmt.Sprintf("%s: %s is neither an ISO 3166 country code nor 999.", label, printable(comp))
	case "GS1_LINTER_NOT_ISO4217":
		return fmt.Sprintf("%s: %s is not an ISO 4217 currency code.", label, printable(comp))
	case "GS1_LINTER_INVALID_PERCENT_SEQUENCE":
		return fmt.Sprintf("%s: %s is not a valid %%-escape.", label, printable(bad))
	case "GS1_LINTER_INVALID_CSET64_PADDING":
		return fmt.Sprintf("%s: the \"=\" padding at the end is wrong.", label)
	case "GS1_LINTER_ILLEGAL_ZERO_VALUE":
		return fmt.Sprintf("%s: %s must not be zero.", label, printable(bad))
	case "GS1_LINTER_NOT_ZERO":
		return fmt.Sprintf("%s: %s must be zero.", label, printable(bad))
	case "GS1_LINTER_ILLEGAL_ZERO_PREFIX":
		return fmt.Sprintf("%s: %s must not start with 0.", label, printable(comp))
	case "GS1_LINTER_NOT_HYPHEN":
		return fmt.Sprintf("%s: %s must be \"-\".", label, printable(bad))
	case "GS1_LINTER_NOT_ZERO_OR_ONE":
		return fmt.Sprintf("%s: %s must be 0 (no) or 1 (yes).", label, printable(bad))
	case "GS1_LINTER_INVALID_WINDING_DIRECTION":
		return fmt.Sprintf("%s: winding direction %s must be 0, 1 or 9.", label, printable(bad))
	case "GS1_LINTER_INVALID_BIOLOGICAL_SEX_CODE":
		return fmt.Sprintf("%s: %s must be 0, 1, 2 or 9 (ISO 5218).", label, printable(bad))
	case "GS1_LINTER_INVALID_MEDIA_TYPE":
		return fmt.Sprintf("%s: %s is not an AIDC media type (01-10 or 80-99).", label, printable(bad))
	case "GS1_LINTER_INVALID_PACKAGE_TYPE":
		return fmt.Sprintf("%s: %s is not a package type code.", label, printable(bad))
	case "GS1_LINTER_REQUIRES_NON_DIGIT_CHARACTER":
		return fmt.Sprintf("%s: %s must contain at least one character that is not a digit.", label, printable(comp))
	case "GS1_LINTER_INVALID_LATITUDE", "GS1_LINTER_LATITUDE_INVALID_LENGTH":
		return fmt.Sprintf("%s: latitude %s must be 10 digits from 0000000000 to 1800000000.", label, printable(comp))
	case "GS1_LINTER_INVALID_LONGITUDE", "GS1_LINTER_LONGITUDE_INVALID_LENGTH":
		return fmt.Sprintf("%s: longitude %s must be 10 digits from 0000000000 to 3600000000.", label, printable(comp))
	case "GS1_LINTER_INVALID_LENGTH_FOR_PIECE_OF_TOTAL":
		return fmt.Sprintf("%s: %s must be a piece number and a total of equal length.", label, printable(comp))
	case "GS1_LINTER_ZERO_PIECE_NUMBER":
		return fmt.Sprintf("%s: piece number %s must not be zero.", label, printable(bad))
	case "GS1_LINTER_ZERO_TOTAL_PIECES":
		return fmt.Sprintf("%s: total pieces %s must not be zero.", label, printable(bad))
	case "GS1_LINTER_PIECE_NUMBER_EXCEEDS_TOTAL":
		h := len(comp) / 2
		return fmt.Sprintf("%s: piece %s is more than the total %s.", label, comp[:h], comp[h:])
	case "GS1_LINTER_POSITION_IN_SEQUENCE_MALFORMED":
		return fmt.Sprintf("%s: %s must be a position and a count, like \"2/3\".", label, printable(comp))
	case "GS1_LINTER_POSITION_EXCEEDS_END":
		return fmt.Sprintf("%s: in %s the position is beyond the count.", label, printable(comp))
	case "GS1_LINTER_IMPORTER_IDX_MUST_BE_ONE_CHARACTER", "GS1_LINTER_INVALID_IMPORT_IDX_CHARACTER":
		return fmt.Sprintf("%s: importer index %s must be one letter, digit, \"-\" or \"_\".", label, printable(comp))
	case "GS1_LINTER_IBAN_TOO_SHORT", "GS1_LINTER_IBAN_TOO_LONG":
		return fmt.Sprintf("%s: %s is not an IBAN (wrong length).", label, printable(comp))
	case "GS1_LINTER_INVALID_IBAN_CHARACTER":
		return fmt.Sprintf("%s: %s (character %d of the value) cannot be in an IBAN.", label, charDesc(comp[e.pos]), at)
	case "GS1_LINTER_ILLEGAL_IBAN_COUNTRY_CODE":
		return fmt.Sprintf("%s: IBAN country %s is not an ISO 3166 country code.", label, printable(bad))
	case "GS1_LINTER_INCORRECT_IBAN_CHECKSUM":
		return fmt.Sprintf("%s: the IBAN check digits %s are wrong.", label, printable(bad))
	case "GS1_LINTER_HOUR_TOO_SHORT", "GS1_LINTER_HOUR_TOO_LONG", "GS1_LINTER_MINUTE_TOO_SHORT",
		"GS1_LINTER_MINUTE_TOO_LONG", "GS1_LINTER_SECOND_TOO_SHORT", "GS1_LINTER_SECOND_TOO_LONG",
		"GS1_LINTER_HOUR_WITH_MINUTE_TOO_SHORT", "GS1_LINTER_HOUR_WITH_MINUTE_TOO_LONG":
		return fmt.Sprintf("%s: %s is not a valid time (wrong number of digits).", label, printable(comp))
	}
	if strings.HasPrefix(e.name, "GS1_LINTER_COUPON_") {
		words := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(e.name, "GS1_LINTER_COUPON_"), "_", " "))
		words = strings.ReplaceAll(words, "exipiration", "expiration")
		words = strings.ReplaceAll(words, "vli", "length indicator")
		words = strings.ReplaceAll(words, "gcp", "company prefix")
		return fmt.Sprintf("%s: the coupon code is malformed (%s at character %d of the value).", label, words, at)
	}
	// Generic: turn the GS1 name into words.
	words := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(e.name, "GS1_LINTER_"), "_", " "))
	words = strings.ReplaceAll(words, "exipiration", "expiration")
	words = strings.ReplaceAll(words, "vli", "length indicator")
	words = strings.ReplaceAll(words, "gcp", "company prefix")
	if bad != "" {
		return fmt.Sprintf("%s: %s (%s).", label, words, printable(bad))
	}
	return fmt.Sprintf("%s: %s.", label, words)
}
