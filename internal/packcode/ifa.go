package packcode

import (
	"fmt"
	"strings"

	"github.com/medtrace/medtrace/internal/gs1"
)

// PPNCheckDigits returns the two check digits of a Pharmacy Product Number
// body (agency code + product number, without check digits): the sum of
// each character's ASCII value times its weight (2 for the first character,
// 3 for the second, ...) modulo 97, as two digits. ok is false when body is
// empty or holds anything but digits and upper-case letters.
func PPNCheckDigits(body string) (digits string, ok bool) {
	if body == "" {
		return "", false
	}
	sum := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return "", false
		}
		sum += int(c) * (i + 2)
	}
	return fmt.Sprintf("%02d", sum%97), true
}

// PZNCheckDigitOK reports whether pzn is a PZN with a correct check digit:
// PZN8 (weights 1..7 over the first seven digits, mod 11) or the older PZN7
// (weights 2..7 over the first six digits, mod 11). A remainder of 10 is
// never a valid PZN.
func PZNCheckDigitOK(pzn string) bool {
	if !allDigits(pzn) || (len(pzn) != 8 && len(pzn) != 7) {
		return false
	}
	w0 := 1
	if len(pzn) == 7 {
		w0 = 2
	}
	sum := 0
	for i := 0; i < len(pzn)-1; i++ {
		sum += int(pzn[i]-'0') * (w0 + i)
	}
	r := sum % 11
	return r != 10 && r == int(pzn[len(pzn)-1]-'0')
}

// diInfo describes an ASC MH10 data identifier used on IFA packs.
type diInfo struct {
	title string
}

func lookupDI(di string) (diInfo, bool) {
	switch di {
	case "9N":
		return diInfo{"PPN"}, true
	case "8P":
		return diInfo{"GTIN"}, true
	case "1T":
		return diInfo{"Batch"}, true
	case "D":
		return diInfo{"Expiry date"}, true
	case "S":
		return diInfo{"Serial number"}, true
	case "16D":
		return diInfo{"Date of manufacture"}, true
	}
	return diInfo{}, false
}

// splitDI splits an ASC MH10 field into its data identifier (up to three
// digits and one upper-case letter) and its data.
func splitDI(field string) (di, data string, ok bool) {
	i := 0
	for i < len(field) && i < 3 && field[i] >= '0' && field[i] <= '9' {
		i++
	}
	if i >= len(field) || field[i] < 'A' || field[i] > 'Z' {
		return "", "", false
	}
	return field[:i+1], field[i+1:], true
}

// isCSet82 reports whether c is in GS1's AI encodable character set 82,
// which EU pack coding rules also use for IFA batch and serial numbers.
func isCSet82(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return true
	}
	return strings.IndexByte("!\"%&'()*+,-./:;<=>?_", c) >= 0
}

// parseFormat06 reads the fields of one ISO/IEC 15434 format 06 segment.
// seg is the segment without its header and trailer; base is its offset in
// the raw input; gs is the separator byte(s) in use.
func (p *parser) parseFormat06(seg string, base int) {
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeIFA)
	seen := map[string]bool{}
	pos := 0
	for _, field := range splitGS(seg, p.gsSub) {
		fpos := base + pos
		pos += len(field) + 1
		if field == "" {
			p.problem(Problem{Pos: fpos, Code: CodeEnvelope, Message: "An empty field (two separators in a row) in the IFA data."})
			continue
		}
		di, data, ok := splitDI(field)
		if !ok {
			p.problem(Problem{Pos: fpos, Len: len(field), Code: CodeUnknownDI,
				Message: fmt.Sprintf("The field %q does not start with a data identifier.", clip(field))})
			continue
		}
		info, known := lookupDI(di)
		p.res.DataIdentifiers = append(p.res.DataIdentifiers, DataIdentifier{DI: di, Title: info.title, Value: data, Pos: fpos})
		p.res.HRI = append(p.res.HRI, "("+di+") "+data)
		if !known {
			p.problem(Problem{AI: di, Pos: fpos, Len: len(di), Code: CodeUnknownDI, Warning: true,
				Message: fmt.Sprintf("Data identifier %s is not used on IFA pack codes; its value %q was kept but not checked.", di, clip(data))})
			continue
		}
		if seen[di] {
			p.problem(Problem{AI: di, Pos: fpos, Len: len(field), Code: CodeRepeatedDI,
				Message: fmt.Sprintf("%s (%s) appears more than once.", info.title, di)})
			continue
		}
		seen[di] = true
		p.ifaField(di, info.title, data, fpos+len(di))
	}
	if !seen["9N"] && !seen["8P"] {
		p.problem(Problem{Pos: base, Code: CodeMissingProduct,
			Message: "The IFA data has no product code: neither a PPN (9N) nor a GTIN (8P)."})
	}
}

// ifaField checks one known IFA field and fills the result. vpos is the
// offset of the value in the raw input.
func (p *parser) ifaField(di, title, v string, vpos int) {
	bad := func(code Code, msg string, args ...any) {
		p.problem(Problem{AI: di, Pos: vpos, Len: len(v), Code: code, Message: fmt.Sprintf(title+" ("+di+"): "+msg, args...)})
	}
	switch di {
	case "9N":
		p.ppn(v, vpos, bad)
	case "8P":
		switch {
		case len(v) != 14:
			bad(CodeBadLength, "a GTIN has 14 digits, this one has %d.", len(v))
		case !allDigits(v):
			bad(CodeNotNumeric, "a GTIN has digits only.")
		case !gs1.CheckDigitOK(v):
			bad(CodeCheckDigit, "check digit is %c, expected %c.", v[13], gs1.CheckDigit(v[:13]))
			p.check("GTIN check digit", CheckFailed, "The GTIN's check digit is wrong.")
		default:
			p.check("GTIN check digit", CheckPassed, "The GTIN's check digit is right.")
		}
		p.res.GTIN = v
	case "1T", "S":
		if di == "1T" {
			p.res.Batch = v
		} else {
			p.res.Serial = v
		}
		switch {
		case v == "":
			bad(CodeTooShort, "the value is empty.")
		case len(v) > 20:
			bad(CodeTooLong, "at most 20 characters are allowed, this one has %d.", len(v))
		}
		for i := 0; i < len(v); i++ {
			if !isCSet82(v[i]) {
				p.problem(Problem{AI: di, Pos: vpos + i, Len: 1, Code: CodeBadCharacter,
					Message: fmt.Sprintf("%s (%s): the character %q is not allowed.", title, di, v[i])})
				break
			}
		}
	case "D":
		d, ok := parseYYMMDD(v, func(yy int) int { return 2000 + yy })
		if !ok {
			bad(CodeBadDate, "%q is not a date in the form YYMMDD.", clip(v))
			return
		}
		p.res.Expiry = &d
		p.check("expiry date", CheckPassed, "The expiry date is a real date (IFA dates are in the 21st century).")
	case "16D":
		if _, ok := parseYYYYMMDD(v); !ok {
			bad(CodeBadDate, "%q is not a date in the form YYYYMMDD.", clip(v))
		}
	}
}

// ppn checks an IFA Pharmacy Product Number.
func (p *parser) ppn(v string, vpos int, bad func(Code, string, ...any)) {
	if len(v) < 5 || len(v) > 22 {
		bad(CodeBadLength, "a PPN has 5 to 22 characters, this one has %d.", len(v))
		return
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			p.problem(Problem{AI: "9N", Pos: vpos + i, Len: 1, Code: CodeBadCharacter,
				Message: fmt.Sprintf("PPN (9N): the character %q is not allowed (digits and capital letters only).", c)})
			return
		}
	}
	ppn := &PPN{Value: v, AgencyCode: v[:2], ProductNumber: v[2 : len(v)-2], CheckDigits: v[len(v)-2:]}
	p.res.PPN = ppn
	if !allDigits(ppn.AgencyCode) {
		bad(CodeNotNumeric, "the agency code %q must be two digits.", ppn.AgencyCode)
		return
	}
	want, _ := PPNCheckDigits(v[:len(v)-2])
	if want != ppn.CheckDigits {
		p.problem(Problem{AI: "9N", Pos: vpos + len(v) - 2, Len: 2, Code: CodeCheckDigit,
			Message: fmt.Sprintf("PPN (9N): check digits are %s, expected %s.", ppn.CheckDigits, want)})
		p.check("PPN check digits", CheckFailed, "The PPN's two check digits (mod 97) are wrong.")
	} else {
		p.check("PPN check digits", CheckPassed, "The PPN's two check digits (mod 97) are right.")
	}
	if ppn.AgencyCode == "11" {
		p.pzn(ppn.ProductNumber, "9N", vpos+2)
	}
}

// pzn checks and records a German PZN found in field ai at pos.
func (p *parser) pzn(pzn, ai string, pos int) {
	p.res.PZN = pzn
	if len(pzn) != 8 || !allDigits(pzn) {
		p.problem(Problem{AI: ai, Pos: pos, Len: len(pzn), Code: CodeBadLength,
			Message: fmt.Sprintf("The PZN %q must have 8 digits.", clip(pzn))})
		return
	}
	if !PZNCheckDigitOK(pzn) {
		p.problem(Problem{AI: ai, Pos: pos + 7, Len: 1, Code: CodeCheckDigit,
			Message: fmt.Sprintf("The PZN %s has a wrong check digit (mod 11).", pzn)})
		p.check("PZN check digit", CheckFailed, "The PZN's check digit (mod 11) is wrong.")
		return
	}
	p.check("PZN check digit", CheckPassed, "The PZN's check digit (mod 11) is right.")
}

// clip shortens a value for a message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
