package packcode

import (
	"fmt"
	"strings"

	"github.com/medtrace/medtrace/internal/gs1"
)

// compositeSep joins an EAN/UPC primary and its GS1 composite component in
// scan data, as GS1's syntax engine writes it.
const compositeSep = "|]e0"

// ean reads EAN-13/UPC-A/UPC-E (]E0), EAN-8 (]E4) and add-on (]E1-]E3) data.
func (p *parser) ean(d string, base int, kind symKind) {
	primary, cc := d, ""
	if i := strings.Index(d, compositeSep); i >= 0 {
		primary, cc = d[:i], d[i+len(compositeSep):]
	}
	switch kind {
	case kindEAN13:
		if len(primary) == 8 && allDigits(primary) {
			// A scanner set to send UPC-E unexpanded: 8 digits.
			upcA, ok := expandUPCE(primary)
			if !ok {
				p.res.Scheme = firstScheme(p.res.Scheme, SchemeGS1)
				p.setForm(FormGTIN)
				p.problem(Problem{AI: "01", Pos: base, Len: 8, Code: CodeBadLength,
					Message: "Eight digits after ]E0 must be a UPC-E with number system 0 or 1."})
				break
			}
			p.note("The UPC-E " + primary + " is the UPC-A " + upcA + ".")
			np := len(p.res.Problems)
			p.gtin(upcA, base, "")
			for i := np; i < len(p.res.Problems); i++ {
				// The check digit is the last of the 8 digits scanned.
				p.res.Problems[i].Pos, p.res.Problems[i].Len = base+7, 1
			}
			break
		}
		p.gtin(primary, base, "EAN-13/UPC-A")
	case kindEAN8:
		p.gtin(primary, base, "EAN-8")
	case kindEANAddOn:
		if len(primary) != 15 && len(primary) != 18 {
			p.notPackCode(base, "The scan is an EAN/UPC add-on (2 or 5 digits) without its main barcode.")
			return
		}
		p.note(fmt.Sprintf("The EAN/UPC add-on %s was ignored; it is not part of the GTIN.", primary[13:]))
		p.gtin(primary[:13], base, "EAN-13/UPC-A")
	}
	if cc != "" {
		ccBase := base + len(primary) + len(compositeSep)
		cc = p.subGS(cc)
		if strings.HasPrefix(cc, "\x1d") {
			cc, ccBase = cc[1:], ccBase+1
		}
		p.elementString(cc, ccBase)
	}
}

// gtin reads a bare GTIN of 8, 12, 13 or 14 digits. sym names the barcode
// type for messages, "" when unknown.
func (p *parser) gtin(d string, base int, sym string) {
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeGS1)
	p.setForm(FormGTIN)
	what := sym
	if what == "" {
		what = "GTIN"
	}
	want := 0
	switch sym {
	case "EAN-13/UPC-A":
		want = 13
	case "EAN-8":
		want = 8
	case "ITF-14":
		want = 14
	}
	switch {
	case !allDigits(d):
		p.problem(Problem{AI: "01", Pos: base, Len: len(d), Code: CodeNotNumeric,
			Message: fmt.Sprintf("An %s holds digits only.", what)})
		return
	case want != 0 && len(d) != want:
		p.problem(Problem{AI: "01", Pos: base, Len: len(d), Code: CodeBadLength,
			Message: fmt.Sprintf("An %s has %d digits, this one has %d.", what, want, len(d))})
		return
	case len(d) != 8 && len(d) != 12 && len(d) != 13 && len(d) != 14:
		p.problem(Problem{AI: "01", Pos: base, Len: len(d), Code: CodeBadLength,
			Message: fmt.Sprintf("A GTIN has 8, 12, 13 or 14 digits, this one has %d.", len(d))})
		return
	}
	g := strings.Repeat("0", 14-len(d)) + d
	if !gs1.CheckDigitOK(d) {
		p.problem(Problem{AI: "01", Pos: base + len(d) - 1, Len: 1, Code: CodeCheckDigit,
			Message: fmt.Sprintf("%s: check digit is %c, expected %c.", what, d[len(d)-1], gs1.CheckDigit(d[:len(d)-1]))})
	}
	p.elems = append(p.elems, gs1.Element{AI: "01", Value: g, Pos: base})
}

// itf reads Interleaved 2 of 5: ITF-14 carries a GTIN on cases.
func (p *parser) itf(d string, base int) {
	if len(d) != 14 || !allDigits(d) {
		p.notPackCode(base, "The ITF barcode does not hold a 14-digit GTIN (ITF-14).")
		return
	}
	p.gtin(d, base, "ITF-14")
}

// code39 reads the German PZN in Code 39: "-" followed by the PZN.
func (p *parser) code39(d string, base int) {
	if len(d) < 2 || d[0] != '-' || !allDigits(d[1:]) {
		p.notPackCode(base, "The Code 39 barcode does not hold a PZN (\"-\" and 8 digits).")
		return
	}
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeIFA)
	p.setForm(FormPZNCode39)
	pzn := d[1:]
	p.res.HRI = append(p.res.HRI, "PZN - "+pzn)
	if len(pzn) == 7 {
		// Old PZN7: still readable, the PZN8 is "0" + PZN7.
		p.note("This is an old 7-digit PZN; its 8-digit form is 0" + pzn + ".")
		if !PZNCheckDigitOK(pzn) {
			p.problem(Problem{Pos: base + 7, Len: 1, Code: CodeCheckDigit, Message: fmt.Sprintf("The PZN %s has a wrong check digit (mod 11).", pzn)})
			p.check("PZN check digit", CheckFailed, "The PZN's check digit (mod 11) is wrong.")
		} else {
			p.check("PZN check digit", CheckPassed, "The PZN's check digit (mod 11) is right.")
		}
		p.res.PZN = "0" + pzn
		return
	}
	p.pzn(pzn, "", base+1)
}

// cnCode reads China's 20-digit drug traceability code.
func (p *parser) cnCode(d string, base int) {
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeCNDrugCode)
	p.setForm(FormCNDrugCode)
	c := &CNDrugCode{Code: d, Product: d[:7], Serial: d[7:16], Check: d[16:]}
	p.res.CN = c
	p.res.HRI = append(p.res.HRI, c.Product+" "+c.Serial+" "+c.Check)
	p.check("length and digits", CheckPassed, "The code has 20 digits.")
	p.check("product prefix", CheckPassed, fmt.Sprintf("The code starts with 8, as China's drug traceability codes do; the product prefix is %s.", c.Product))
	p.check("check digits", CheckNotPossible,
		fmt.Sprintf("The last 4 digits (%s) are check digits made with an algorithm that is not public; only China's drug traceability platform can verify them.", c.Check))
	p.check("product and serial issued", CheckNotPossible,
		"Whether the product prefix is registered and this serial was issued can only be checked online with China's drug traceability platform.")
}

// expandUPCE turns an 8-digit UPC-E (number system, six digits, check
// digit) into its 12-digit UPC-A form.
func expandUPCE(e string) (string, bool) {
	if len(e) != 8 || !allDigits(e) || (e[0] != '0' && e[0] != '1') {
		return "", false
	}
	ns, d, c := e[:1], e[1:7], e[7:]
	var body string
	switch d[5] {
	case '0', '1', '2':
		body = d[:2] + d[5:6] + "0000" + d[2:5]
	case '3':
		body = d[:3] + "00000" + d[3:5]
	case '4':
		body = d[:4] + "00000" + d[4:5]
	default:
		body = d[:5] + "0000" + d[5:6]
	}
	return ns + body + c, true
}
