package gs1

import (
	"sort"
	"strings"
)

// lintErr is one linter failure: the GS1 linter error name and the byte
// position and length of the bad part of the component. The zero value
// means the component passed.
type lintErr struct {
	name     string
	pos, len int
}

func (e lintErr) failed() bool { return e.name != "" }

func fail(name string, pos, n int) lintErr { return lintErr{name: name, pos: pos, len: n} }

// linterFunc checks one AI component value.
type linterFunc func(s string) lintErr

// linterByName maps each dictionary linter name to its implementation.
func linterByName(name string) (linterFunc, bool) {
	switch name {
	case "csetnumeric":
		return lintCsetNumeric, true
	case "cset82":
		return lintCset82, true
	case "cset39":
		return lintCset39, true
	case "cset64":
		return lintCset64, true
	case "csum":
		return lintCsum, true
	case "csumalpha":
		return lintCsumAlpha, true
	case "key":
		return lintKey, true
	case "gcppos1":
		return lintGCPPos1, true
	case "gcppos2":
		return lintGCPPos2, true
	case "hasnondigit":
		return lintHasNonDigit, true
	case "yymmd0":
		return func(s string) lintErr { return lintDate(s, false, true) }, true
	case "yymmdd":
		return func(s string) lintErr { return lintDate(s, false, false) }, true
	case "yyyymmd0":
		return func(s string) lintErr { return lintDate(s, true, true) }, true
	case "yyyymmdd":
		return func(s string) lintErr { return lintDate(s, true, false) }, true
	case "hhmi":
		return lintHHMI, true
	case "hh":
		return func(s string) lintErr {
			return lintTwoDigit(s, 23, "GS1_LINTER_HOUR_TOO_SHORT", "GS1_LINTER_HOUR_TOO_LONG", "GS1_LINTER_ILLEGAL_HOUR")
		}, true
	case "mi":
		return func(s string) lintErr {
			return lintTwoDigit(s, 59, "GS1_LINTER_MINUTE_TOO_SHORT", "GS1_LINTER_MINUTE_TOO_LONG", "GS1_LINTER_ILLEGAL_MINUTE")
		}, true
	case "ss":
		return func(s string) lintErr {
			return lintTwoDigit(s, 59, "GS1_LINTER_SECOND_TOO_SHORT", "GS1_LINTER_SECOND_TOO_LONG", "GS1_LINTER_ILLEGAL_SECOND")
		}, true
	case "iso3166":
		return lintISO3166, true
	case "iso3166999":
		return lintISO3166999, true
	case "iso3166alpha2":
		return lintISO3166Alpha2, true
	case "iso4217":
		return lintISO4217, true
	case "iso5218":
		return lintISO5218, true
	case "iban":
		return lintIBAN, true
	case "pcenc":
		return lintPcenc, true
	case "zero":
		return lintZero, true
	case "nonzero":
		return lintNonZero, true
	case "nozeroprefix":
		return lintNoZeroPrefix, true
	case "winding":
		return lintWinding, true
	case "yesno":
		return lintYesNo, true
	case "importeridx":
		return lintImporterIdx, true
	case "couponcode":
		return lintCouponCode, true
	case "couponposoffer":
		return lintCouponPosOffer, true
	case "latitude":
		return lintLatitude, true
	case "longitude":
		return lintLongitude, true
	case "mediatype":
		return lintMediaType, true
	case "pieceoftotal":
		return lintPieceOfTotal, true
	case "posinseqslash":
		return lintPosInSeqSlash, true
	case "hyphen":
		return lintHyphen, true
	case "packagetype":
		return lintPackageType, true
	}
	return nil, false
}

// LinterNames lists every linter name this package implements.
func LinterNames() []string {
	return []string{
		"couponcode", "couponposoffer", "cset39", "cset64", "cset82", "csetnumeric", "csum", "csumalpha",
		"gcppos1", "gcppos2", "hasnondigit", "hh", "hhmi", "hyphen", "iban", "importeridx", "iso3166",
		"iso3166999", "iso3166alpha2", "iso4217", "iso5218", "key", "latitude", "longitude", "mediatype", "mi",
		"nonzero", "nozeroprefix", "packagetype", "pcenc", "pieceoftotal", "posinseqslash", "ss", "winding",
		"yesno", "yymmd0", "yymmdd", "yyyymmd0", "yyyymmdd", "zero",
	}
}

// LintResult is the outcome of running one named linter on a component.
type LintResult struct {
	OK     bool
	Linter string // GS1 linter error name, e.g. "GS1_LINTER_INCORRECT_CHECK_DIGIT"
	Code   Code
	Pos    int // offset of the bad part within the component
	Len    int // length of the bad part
}

// Lint runs the named dictionary linter (e.g. "csum", "yymmd0", "cset82")
// on one component value. It reports false when the linter is unknown.
func Lint(linter, value string) (LintResult, bool) {
	f, ok := linterByName(linter)
	if !ok {
		return LintResult{}, false
	}
	e := f(value)
	if !e.failed() {
		return LintResult{OK: true}, true
	}
	return LintResult{Linter: e.name, Code: codeForLinter(e.name), Pos: e.pos, Len: e.len}, true
}

const cset82Chars = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
const cset39Chars = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const cset32Chars = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

func isCset82(c byte) bool {
	return c < 0x80 && strings.IndexByte(cset82Chars, c) >= 0
}

func isCset39(c byte) bool {
	return c < 0x80 && strings.IndexByte(cset39Chars, c) >= 0
}

func isCset64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func firstNonDigit(s string) int {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return i
		}
	}
	return -1
}

func lintCsetNumeric(s string) lintErr {
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	return lintErr{}
}

func lintCset82(s string) lintErr {
	for i := 0; i < len(s); i++ {
		if !isCset82(s[i]) {
			return fail("GS1_LINTER_INVALID_CSET82_CHARACTER", i, 1)
		}
	}
	return lintErr{}
}

func lintCset39(s string) lintErr {
	for i := 0; i < len(s); i++ {
		if !isCset39(s[i]) {
			return fail("GS1_LINTER_INVALID_CSET39_CHARACTER", i, 1)
		}
	}
	return lintErr{}
}

// lintCset64 checks base64url characters with optional "=" padding at the
// end: at most two padding characters after at least one data character,
// making the whole a multiple of three characters (as GS1's linter does).
func lintCset64(s string) lintErr {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	for i := 0; i < n; i++ {
		if !isCset64(s[i]) {
			return fail("GS1_LINTER_INVALID_CSET64_CHARACTER", i, 1)
		}
	}
	if pad := len(s) - n; pad > 0 {
		if n == 0 || pad > 2 || len(s)%3 != 0 {
			return fail("GS1_LINTER_INVALID_CSET64_PADDING", n, pad)
		}
	}
	return lintErr{}
}

func lintCsum(s string) lintErr {
	if len(s) == 0 {
		return fail("GS1_LINTER_TOO_SHORT_FOR_CHECK_DIGIT", 0, 0)
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if CheckDigit(s[:len(s)-1]) != s[len(s)-1] {
		return fail("GS1_LINTER_INCORRECT_CHECK_DIGIT", len(s)-1, 1)
	}
	return lintErr{}
}

// lintKey is GS1's older name for checking that a key starts with a GS1
// Company Prefix; it reports a short key with its own error name.
func lintKey(s string) lintErr {
	e := lintGCPPos1(s)
	if e.name == "GS1_LINTER_TOO_SHORT_FOR_GCP" {
		e.name = "GS1_LINTER_TOO_SHORT_FOR_KEY"
	}
	return e
}

// gcpMinLen is the length of the shortest GS1 Company Prefix.
const gcpMinLen = 4

// lintGCPPos1 checks that s starts with a GS1 Company Prefix. Without GS1's
// online allocation data only its shape can be checked: at least the
// shortest prefix length, all digits.
func lintGCPPos1(s string) lintErr {
	if len(s) < gcpMinLen {
		return fail("GS1_LINTER_TOO_SHORT_FOR_GCP", 0, len(s))
	}
	for i := 0; i < gcpMinLen; i++ {
		if !isDigit(s[i]) {
			return fail("GS1_LINTER_INVALID_GCP_PREFIX", i, 1)
		}
	}
	return lintErr{}
}

// lintGCPPos2 checks a key whose GCP starts at the second character (after
// an indicator or extension digit).
func lintGCPPos2(s string) lintErr {
	if len(s) < 2 {
		return fail("GS1_LINTER_TOO_SHORT_FOR_GCP", 0, len(s))
	}
	e := lintGCPPos1(s[1:])
	if e.failed() {
		e.pos++
	}
	return e
}

func lintHasNonDigit(s string) lintErr {
	if firstNonDigit(s) < 0 {
		return fail("GS1_LINTER_REQUIRES_NON_DIGIT_CHARACTER", 0, len(s))
	}
	return lintErr{}
}

// csumAlphaMaxBody is how many characters the check character pair
// algorithm can weigh: one per prime of the first 97 primes.
const csumAlphaMaxBody = 97

// primes returns the first n primes.
func primes(n int) []int {
	out := make([]int, 0, n)
	for c := 2; len(out) < n; c++ {
		prime := true
		for _, p := range out {
			if p*p > c {
				break
			}
			if c%p == 0 {
				prime = false
				break
			}
		}
		if prime {
			out = append(out, c)
		}
	}
	return out
}

func lintCsumAlpha(s string) lintErr {
	if len(s) < 2 {
		return fail("GS1_LINTER_TOO_SHORT_FOR_CHECK_PAIR", 0, len(s))
	}
	body := s[:len(s)-2]
	if len(body) > csumAlphaMaxBody {
		return fail("GS1_LINTER_TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION", 0, len(s))
	}
	weights := primes(len(body))
	sum := 0
	for i := 0; i < len(body); i++ {
		v := strings.IndexByte(cset82Chars, body[i])
		if v < 0 || body[i] >= 0x80 {
			return fail("GS1_LINTER_INVALID_CSET82_CHARACTER", i, 1)
		}
		sum += v * weights[len(body)-1-i]
	}
	sum %= 1021
	if s[len(s)-2] != cset32Chars[sum>>5] || s[len(s)-1] != cset32Chars[sum&31] {
		return fail("GS1_LINTER_INCORRECT_CHECK_PAIR", len(s)-2, 2)
	}
	return lintErr{}
}

func twoDigits(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

func daysInMonth(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lintDate checks YYMMDD (or YYYYMMDD when long) dates; zeroDay allows DD=00,
// which GS1 defines as the last day of the month.
func lintDate(s string, long, zeroDay bool) lintErr {
	n := 6
	if long {
		n = 8
	}
	if len(s) < n {
		return fail("GS1_LINTER_DATE_TOO_SHORT", 0, len(s))
	}
	if len(s) > n {
		return fail("GS1_LINTER_DATE_TOO_LONG", 0, len(s))
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	var year int
	if long {
		year = twoDigits(s)*100 + twoDigits(s[2:])
	} else {
		// A two-digit year is only needed here for the leap-year rule,
		// where every year divisible by four (including 00 = 2000) leaps.
		year = 2000 + twoDigits(s)
	}
	m := n - 4
	month := twoDigits(s[m:])
	if month < 1 || month > 12 {
		return fail("GS1_LINTER_ILLEGAL_MONTH", m, 2)
	}
	day := twoDigits(s[m+2:])
	if (day == 0 && !zeroDay) || day > daysInMonth(year, month) {
		return fail("GS1_LINTER_ILLEGAL_DAY", m+2, 2)
	}
	return lintErr{}
}

func lintHHMI(s string) lintErr {
	if len(s) < 4 {
		return fail("GS1_LINTER_HOUR_WITH_MINUTE_TOO_SHORT", 0, len(s))
	}
	if len(s) > 4 {
		return fail("GS1_LINTER_HOUR_WITH_MINUTE_TOO_LONG", 0, len(s))
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if twoDigits(s) > 23 {
		return fail("GS1_LINTER_ILLEGAL_HOUR", 0, 2)
	}
	if twoDigits(s[2:]) > 59 {
		return fail("GS1_LINTER_ILLEGAL_MINUTE", 2, 2)
	}
	return lintErr{}
}

func lintTwoDigit(s string, max int, short, long, illegal string) lintErr {
	if len(s) < 2 {
		return fail(short, 0, len(s))
	}
	if len(s) > 2 {
		return fail(long, 0, len(s))
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if twoDigits(s) > max {
		return fail(illegal, 0, 2)
	}
	return lintErr{}
}

// inFixedList reports whether s (space-padded to width) is an entry of the
// sorted fixed-width list.
func inFixedList(list string, width int, s string) bool {
	if len(s) == 0 || len(s) > width || strings.IndexByte(s, ' ') >= 0 {
		return false
	}
	for len(s) < width {
		s += " "
	}
	n := len(list) / width
	i := sort.Search(n, func(i int) bool { return list[i*width:(i+1)*width] >= s })
	return i < n && list[i*width:(i+1)*width] == s
}

func lintISO3166(s string) lintErr {
	if len(s) != 3 || !inFixedList(iso3166Numeric, 3, s) {
		return fail("GS1_LINTER_NOT_ISO3166", 0, len(s))
	}
	return lintErr{}
}

func lintISO3166999(s string) lintErr {
	if s != "999" && (len(s) != 3 || !inFixedList(iso3166Numeric, 3, s)) {
		return fail("GS1_LINTER_NOT_ISO3166_OR_999", 0, len(s))
	}
	return lintErr{}
}

func lintISO3166Alpha2(s string) lintErr {
	if len(s) != 2 || !inFixedList(iso3166Alpha2, 2, s) {
		return fail("GS1_LINTER_NOT_ISO3166_ALPHA2", 0, len(s))
	}
	return lintErr{}
}

func lintISO4217(s string) lintErr {
	if len(s) != 3 || !inFixedList(iso4217Numeric, 3, s) {
		return fail("GS1_LINTER_NOT_ISO4217", 0, len(s))
	}
	return lintErr{}
}

// lintISO5218 checks a biological sex code: 0 unknown, 1 male, 2 female,
// 9 not applicable.
func lintISO5218(s string) lintErr {
	if s != "0" && s != "1" && s != "2" && s != "9" {
		return fail("GS1_LINTER_INVALID_BIOLOGICAL_SEX_CODE", 0, len(s))
	}
	return lintErr{}
}

func ibanWeight(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c-'0') + 1
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 11
	}
	return 0
}

func lintIBAN(s string) lintErr {
	if len(s) < 4 {
		return fail("GS1_LINTER_IBAN_TOO_SHORT", 0, len(s))
	}
	if !inFixedList(iso3166Alpha2, 2, s[:2]) {
		return fail("GS1_LINTER_ILLEGAL_IBAN_COUNTRY_CODE", 0, 2)
	}
	if len(s) > 34 {
		return fail("GS1_LINTER_IBAN_TOO_LONG", 0, len(s))
	}
	if len(s) <= 10 {
		return fail("GS1_LINTER_IBAN_TOO_SHORT", 0, len(s))
	}
	sum := 0
	for k := 4; k < len(s)+4; k++ {
		i := k
		if i >= len(s) {
			i -= len(s)
		}
		w := ibanWeight(s[i])
		if w == 0 {
			return fail("GS1_LINTER_INVALID_IBAN_CHARACTER", i, 1)
		}
		if w <= 10 {
			sum *= 10
		} else {
			sum *= 100
		}
		sum = (sum + w - 1) % 97
	}
	if sum != 1 {
		return fail("GS1_LINTER_INCORRECT_IBAN_CHECKSUM", 2, 2)
	}
	return lintErr{}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func lintPcenc(s string) lintErr {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) {
			return fail("GS1_LINTER_INVALID_PERCENT_SEQUENCE", i, len(s)-i)
		}
		if !isHex(s[i+1]) || !isHex(s[i+2]) {
			return fail("GS1_LINTER_INVALID_PERCENT_SEQUENCE", i, 3)
		}
		i += 2
	}
	return lintErr{}
}

func lintZero(s string) lintErr {
	if s == "" || strings.Trim(s, "0") != "" {
		return fail("GS1_LINTER_NOT_ZERO", 0, len(s))
	}
	return lintErr{}
}

func lintNonZero(s string) lintErr {
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if strings.Trim(s, "0") == "" {
		return fail("GS1_LINTER_ILLEGAL_ZERO_VALUE", 0, len(s))
	}
	return lintErr{}
}

func lintNoZeroPrefix(s string) lintErr {
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if len(s) > 0 && s[0] == '0' {
		return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", 0, 1)
	}
	return lintErr{}
}

func lintWinding(s string) lintErr {
	if s != "0" && s != "1" && s != "9" {
		return fail("GS1_LINTER_INVALID_WINDING_DIRECTION", 0, len(s))
	}
	return lintErr{}
}

func lintYesNo(s string) lintErr {
	if s != "0" && s != "1" {
		return fail("GS1_LINTER_NOT_ZERO_OR_ONE", 0, len(s))
	}
	return lintErr{}
}

func lintImporterIdx(s string) lintErr {
	if len(s) != 1 {
		return fail("GS1_LINTER_IMPORTER_IDX_MUST_BE_ONE_CHARACTER", 0, len(s))
	}
	c := s[0]
	if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
		return fail("GS1_LINTER_INVALID_IMPORT_IDX_CHARACTER", 0, 1)
	}
	return lintErr{}
}

func lintLatitude(s string) lintErr {
	if len(s) != 10 {
		return fail("GS1_LINTER_LATITUDE_INVALID_LENGTH", 0, len(s))
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if s > "1800000000" {
		return fail("GS1_LINTER_INVALID_LATITUDE", 0, len(s))
	}
	return lintErr{}
}

func lintLongitude(s string) lintErr {
	if len(s) != 10 {
		return fail("GS1_LINTER_LONGITUDE_INVALID_LENGTH", 0, len(s))
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	if s > "3600000000" {
		return fail("GS1_LINTER_INVALID_LONGITUDE", 0, len(s))
	}
	return lintErr{}
}

// lintMediaType checks the AIDC media type: 01-10 or 80-99.
func lintMediaType(s string) lintErr {
	if len(s) != 2 || firstNonDigit(s) >= 0 {
		return fail("GS1_LINTER_INVALID_MEDIA_TYPE", 0, len(s))
	}
	if v := twoDigits(s); !(v >= 1 && v <= 10 || v >= 80) {
		return fail("GS1_LINTER_INVALID_MEDIA_TYPE", 0, len(s))
	}
	return lintErr{}
}

func lintPieceOfTotal(s string) lintErr {
	if len(s) == 0 || len(s)%2 != 0 {
		return fail("GS1_LINTER_INVALID_LENGTH_FOR_PIECE_OF_TOTAL", 0, len(s))
	}
	if i := firstNonDigit(s); i >= 0 {
		return fail("GS1_LINTER_NON_DIGIT_CHARACTER", i, 1)
	}
	h := len(s) / 2
	piece, total := s[:h], s[h:]
	if strings.Trim(piece, "0") == "" {
		return fail("GS1_LINTER_ZERO_PIECE_NUMBER", 0, h)
	}
	if strings.Trim(total, "0") == "" {
		return fail("GS1_LINTER_ZERO_TOTAL_PIECES", h, h)
	}
	if piece > total {
		return fail("GS1_LINTER_PIECE_NUMBER_EXCEEDS_TOTAL", 0, len(s))
	}
	return lintErr{}
}

func lintPosInSeqSlash(s string) lintErr {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || slash == len(s)-1 || strings.IndexByte(s[slash+1:], '/') >= 0 ||
		firstNonDigit(s[:slash]) >= 0 || firstNonDigit(s[slash+1:]) >= 0 {
		return fail("GS1_LINTER_POSITION_IN_SEQUENCE_MALFORMED", 0, len(s))
	}
	pos, end := s[:slash], s[slash+1:]
	if pos[0] == '0' {
		return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", 0, len(pos))
	}
	if end[0] == '0' {
		return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", slash+1, len(end))
	}
	if len(pos) > len(end) || len(pos) == len(end) && pos > end {
		return fail("GS1_LINTER_POSITION_EXCEEDS_END", 0, len(s))
	}
	return lintErr{}
}

func lintHyphen(s string) lintErr {
	if s == "" || strings.Trim(s, "-") != "" {
		return fail("GS1_LINTER_NOT_HYPHEN", 0, len(s))
	}
	return lintErr{}
}

func lintPackageType(s string) lintErr {
	if !inFixedList(packageTypes, 3, s) {
		return fail("GS1_LINTER_INVALID_PACKAGE_TYPE", 0, len(s))
	}
	return lintErr{}
}
