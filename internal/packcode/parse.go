package packcode

import (
	"fmt"
	"strings"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
)

// Control characters of ISO/IEC 15434 and GS1 element strings.
const (
	gs  = '\x1d' // group separator: FNC1 in GS1 data, field separator in ISO/IEC 15434
	rs  = '\x1e' // record separator: ends an ISO/IEC 15434 format segment
	eot = '\x04' // end of transmission: ends an ISO/IEC 15434 envelope
)

// envelopeHeader starts every ISO/IEC 15434 message.
const envelopeHeader = "[)>\x1e"

// parser holds the state of one Parse call.
type parser struct {
	opt   Options
	today time.Time
	gsSub byte // validated GS substitute, 0 if none
	res   Result
	elems []gs1.Element // GS1 elements with positions in the raw input
}

// Parse reads the bytes of one scan and reports what they are. It never
// fails: problems are in Result.Problems, and Result.Valid says whether the
// code can be used. raw is what the scanner or decoder delivered, with or
// without a symbology identifier; trailing CR and LF are ignored.
func Parse(raw []byte, opt Options) Result {
	p := &parser{opt: opt, today: opt.Today}
	if p.today.IsZero() {
		p.today = time.Now()
	}
	if len(raw) > MaxInputLen {
		p.problem(Problem{Pos: MaxInputLen, Code: CodeInputTooLong,
			Message: fmt.Sprintf("The scan is longer than %d bytes; pack codes are far shorter, so it was not read.", MaxInputLen)})
		return p.finish()
	}
	if err := ValidGSSubstitute(opt.GSSubstitute); err != nil {
		p.problem(Problem{Pos: -1, Code: CodeBadOption, Warning: true, Message: fmt.Sprintf("The GS substitute setting is ignored: %v.", err)})
	} else {
		p.gsSub = opt.GSSubstitute
	}
	s := strings.TrimRight(string(raw), "\r\n")
	if s == "" {
		p.problem(Problem{Pos: 0, Code: CodeEmptyInput, Message: "Nothing was scanned."})
		return p.finish()
	}
	off, kind, ok := p.symbologyID(s)
	if !ok {
		return p.finish()
	}
	d := s[off:]
	p.res.Data = d
	switch kind {
	case kindNone:
		p.guess(d, off)
	case kindGS1:
		p.gs1Data(d, off)
	case kindPlain:
		p.plain(d, off)
	case kindAIM:
		p.notPackCode(off, "The symbol holds data for an AIM-registered application (FNC1 in second position), not a GS1 or IFA pack code.")
	case kindEAN13, kindEAN8, kindEANAddOn:
		p.ean(d, off, kind)
	case kindITF:
		p.itf(d, off)
	case kindCode39:
		p.code39(d, off)
	}
	return p.finish()
}

// ValidGSSubstitute reports whether c can stand for GS: 0 (none), or a
// printable ASCII punctuation character or a control character other than
// GS, RS, EOT, CR and LF. Letters, digits and space are data in every pack
// code and are refused.
func ValidGSSubstitute(c byte) error {
	switch {
	case c == 0, c == gs:
		return nil
	case isAlnum(c) || c == ' ':
		return fmt.Errorf("%q is a letter, digit or space, which pack codes use as data", c)
	case c == rs || c == eot || c == '\r' || c == '\n':
		return fmt.Errorf("byte 0x%02x has its own meaning in scans", c)
	case c > 0x7e:
		return fmt.Errorf("byte 0x%02x is not a printable ASCII character", c)
	}
	return nil
}

// symbologyID reads an ISO/IEC 15424 symbology identifier at the start of s.
// It returns the offset of the data after it and how to read that data; ok
// is false when the identifier is unusable (a problem has been recorded).
func (p *parser) symbologyID(s string) (off int, kind symKind, ok bool) {
	if s[0] != ']' {
		return 0, kindNone, true
	}
	if len(s) < 3 || !isAlpha(s[1]) || !isAlnum(s[2]) {
		p.problem(Problem{Pos: 0, Len: min(len(s), 3), Code: CodeBadSymbologyID,
			Message: "The scan starts with \"]\" but not with a symbology identifier such as ]d2; it may be cut short."})
		return 0, kindNone, false
	}
	id := s[:3]
	p.res.Symbology.ID = id
	info, known := lookupSymbology(id[1:])
	if !known {
		p.problem(Problem{Pos: 0, Len: 3, Code: CodeUnknownSymbology,
			Message: fmt.Sprintf("The symbology identifier %s is not one used for pack codes.", id)})
		return 3, kindNone, false
	}
	p.res.Symbology.Name = info.name
	p.res.Symbology.GS1 = info.kind == kindGS1
	return 3, info.kind, true
}

// guess reads data that came without a symbology identifier. Such data may
// also be typed by a person: surrounding spaces are ignored, and spaces in
// the bracketed form or between digits are dropped (no GS1 character set
// contains a space).
func (p *parser) guess(d string, base int) {
	if t := strings.TrimLeft(d, " \t"); len(t) != len(d) || strings.TrimRight(t, " \t") != t {
		base += len(d) - len(t)
		d = strings.TrimRight(t, " \t")
		if d == "" {
			p.problem(Problem{Pos: 0, Code: CodeEmptyInput, Message: "Nothing was scanned, only spaces."})
			return
		}
	}
	if strings.IndexByte(d, ' ') >= 0 && (d[0] == '(' || strings.Trim(d, "0123456789 ") == "") {
		p.note("Spaces in the typed code were ignored.")
		p.compacted(d, base, p.guess)
		return
	}
	switch {
	case strings.HasPrefix(d, envelopeHeader):
		p.envelope(d, base)
	case d[0] == gs || (p.gsSub != 0 && d[0] == p.gsSub):
		p.gs1Data(d, base)
	case d[0] == '(':
		p.bracketed(d, base)
	case isDLURI(d):
		p.digitalLink(d, base)
	case allDigits(d) && len(d) == 20 && d[0] == '8':
		p.cnCode(d, base)
	case allDigits(d) && (len(d) == 8 || len(d) == 12 || len(d) == 13 || len(d) == 14):
		if !gs1.CheckDigitOK(d) && p.cleanGS1(d) {
			p.gs1Data(d, base)
			return
		}
		p.gtin(d, base, "")
	case d[0] >= '0' && d[0] <= '9' && (p.cleanGS1(d) || startsWithKeyAI(d)):
		p.note("The scan had no symbology identifier and no leading FNC1; it was read as a GS1 element string.")
		p.gs1Data(d, base)
	default:
		p.notPackCode(base, "The scan is not a pack code: it is not GS1 data, an IFA code, a Chinese drug code or a GS1 Digital Link.")
	}
}

// plain reads the data of a symbol that is not in GS1 mode.
func (p *parser) plain(d string, base int) {
	switch {
	case d == "":
		p.notPackCode(base, "The symbol holds no data.")
	case strings.HasPrefix(d, envelopeHeader):
		p.envelope(d, base)
	case isDLURI(d):
		p.digitalLink(d, base)
	case allDigits(d) && len(d) == 20 && d[0] == '8':
		p.cnCode(d, base)
	case p.cleanGS1(d) && startsWithKeyAI(strings.TrimLeft(d, "\x1d")) || looksLikeGS1Key(strings.TrimLeft(d, "\x1d")):
		p.problem(Problem{Pos: 0, Len: base, Code: CodeNotGS1Symbol,
			Message: fmt.Sprintf("The data reads as GS1 data, but the symbol (%s) is not marked as GS1: FNC1 is missing, so other scanners may reject it.", p.res.Symbology.ID)})
		p.gs1Data(d, base)
	default:
		p.notPackCode(base, "The symbol holds plain data, not a pack code.")
	}
}

// isDLURI reports whether d is meant as a GS1 Digital Link URI: GS1's engine
// treats only an all-lower-case or all-upper-case http(s) scheme as one.
func isDLURI(d string) bool {
	for _, pre := range []string{"https://", "http://", "HTTPS://", "HTTP://"} {
		if strings.HasPrefix(d, pre) {
			return true
		}
	}
	return false
}

// startsWithKeyAI reports whether d starts with an AI that begins pack, case
// or pallet codes: SSCC, GTIN, content GTIN, MTO GTIN, ITIP.
func startsWithKeyAI(d string) bool {
	for _, ai := range []string{"00", "01", "02", "03", "8006"} {
		if strings.HasPrefix(d, ai) {
			return true
		}
	}
	return false
}

// looksLikeGS1Key reports whether d starts with a complete numeric GS1 key
// element: (00) and 18 digits, (01)/(02)/(03) and 14, or (8006) and 18.
func looksLikeGS1Key(d string) bool {
	n := 0
	switch {
	case strings.HasPrefix(d, "00"):
		n = 20
	case strings.HasPrefix(d, "01"), strings.HasPrefix(d, "02"), strings.HasPrefix(d, "03"):
		n = 16
	case strings.HasPrefix(d, "8006"):
		n = 22
	default:
		return false
	}
	return len(d) >= n && allDigits(d[:n])
}

// cleanGS1 reports whether d parses as a GS1 element string with no error,
// association rules included.
func (p *parser) cleanGS1(d string) bool {
	d = p.subGS(d)
	d = strings.TrimPrefix(d, "\x1d")
	if d == "" {
		return false
	}
	elems, probs := gs1.ParseElementString(d, p.opt.GS1)
	return len(elems) > 0 && !gs1.HasErrors(probs) && !gs1.HasErrors(gs1.Validate(elems, p.opt.GS1))
}

// subGS replaces the configured GS substitute with GS; length is kept so
// positions stay valid.
func (p *parser) subGS(d string) string {
	if p.gsSub == 0 || p.gsSub == gs {
		return d
	}
	return strings.ReplaceAll(d, string(p.gsSub), "\x1d")
}

// gs1Data reads a GS1 element string (FNC1 in first position announced by
// the symbology identifier, or a leading GS).
func (p *parser) gs1Data(d string, base int) {
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeGS1)
	p.setForm(FormElementString)
	d = p.subGS(d)
	if strings.HasPrefix(d, "\x1d") {
		d, base = d[1:], base+1
	}
	if d == "" {
		p.problem(Problem{Pos: base, Code: CodeNoData, Message: "The code is marked as GS1 but holds no data."})
		return
	}
	p.elementString(d, base)
}

// elementString parses GS1 element string data (no leading FNC1).
func (p *parser) elementString(d string, base int) {
	elems, probs := gs1.ParseElementString(d, p.opt.GS1)
	p.addElems(elems, base)
	p.res.Problems = append(p.res.Problems, fromGS1(probs, base)...)
}

func (p *parser) addElems(elems []gs1.Element, base int) {
	for _, e := range elems {
		if e.Pos >= 0 {
			e.Pos += base
		}
		p.elems = append(p.elems, e)
	}
}

// bracketed reads "(01)...(21)..." as people type it.
func (p *parser) bracketed(d string, base int) {
	elems, probs := gs1.ParseBracketed(d, p.opt.GS1)
	p.addElems(elems, base)
	p.res.Problems = append(p.res.Problems, fromGS1(probs, base)...)
	if len(elems) == 0 {
		p.notPackCode(base, "The text starts with \"(\" but holds no GS1 AI that could be read.")
		return
	}
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeGS1)
	p.setForm(FormBracketed)
}

// digitalLink reads a GS1 Digital Link URI.
func (p *parser) digitalLink(d string, base int) {
	elems, probs := gs1.ParseDigitalLink(d, p.opt.GS1)
	p.addElems(elems, base)
	p.res.Problems = append(p.res.Problems, fromGS1(probs, base)...)
	if len(elems) == 0 {
		p.notPackCode(base, "This is a web address, not a GS1 Digital Link that identifies a pack.")
		return
	}
	p.res.Scheme = firstScheme(p.res.Scheme, SchemeGS1)
	p.setForm(FormDigitalLink)
}

// envelope reads an ISO/IEC 15434 message: "[)>" RS, then format segments
// ("05" GS ... RS, "06" GS ... RS), then EOT.
func (p *parser) envelope(d string, base int) {
	p.setForm(FormISO15434)
	isGS := func(c byte) bool { return c == gs || (p.gsSub != 0 && c == p.gsSub) }
	i := len(envelopeHeader)
	for {
		if i >= len(d) {
			p.problem(Problem{Pos: base + i, Code: CodeEnvelope,
				Message: "The ISO/IEC 15434 envelope has no end marker (EOT); the code may be cut short."})
			return
		}
		if d[i] == eot {
			if i == len(envelopeHeader) {
				p.problem(Problem{Pos: base + i, Code: CodeEnvelope, Message: "The ISO/IEC 15434 envelope is empty."})
			}
			if i != len(d)-1 {
				p.problem(Problem{Pos: base + i + 1, Len: len(d) - i - 1, Code: CodeEnvelope,
					Message: "There is data after the end of the ISO/IEC 15434 envelope."})
			}
			return
		}
		end := strings.IndexByte(d[i:], rs)
		if end < 0 {
			end = len(d)
		} else {
			end += i
		}
		if end-i < 3 || !isGS(d[i+2]) {
			p.problem(Problem{Pos: base + i, Len: end - i, Code: CodeEnvelope,
				Message: "An ISO/IEC 15434 format segment does not start with a two-digit format and a GS separator."})
		} else {
			seg, sbase := d[i+3:end], base+i+3
			switch f := d[i : i+2]; f {
			case "05":
				p.res.Scheme = firstScheme(p.res.Scheme, SchemeGS1)
				seg = p.subGS(seg)
				seg = strings.TrimSuffix(seg, "\x1d")
				if seg == "" {
					p.problem(Problem{Pos: sbase, Code: CodeNoData, Message: "The GS1 part (format 05) of the envelope is empty."})
				} else {
					p.elementString(seg, sbase)
				}
			case "06":
				p.parseFormat06(strings.TrimSuffix(seg, string(gs)), sbase)
			default:
				p.problem(Problem{Pos: base + i, Len: 2, Code: CodeEnvelopeFormat,
					Message: fmt.Sprintf("ISO/IEC 15434 format %q is not used for pack codes (only 05 GS1 and 06 IFA are).", f)})
			}
		}
		if end == len(d) {
			p.problem(Problem{Pos: base + end, Code: CodeEnvelope,
				Message: "The ISO/IEC 15434 envelope has no end markers (RS, EOT); the code may be cut short."})
			return
		}
		i = end + 1
	}
}

// splitGS splits s at GS and at the substitute (if any), keeping empty
// fields.
func splitGS(s string, sub byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == gs || (sub != 0 && s[i] == sub) {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// compacted runs read on d without its spaces, then maps the positions of
// the problems and elements it added back to the raw input.
func (p *parser) compacted(d string, base int, read func(string, int)) {
	var b strings.Builder
	idx := make([]int, 0, len(d)+1) // idx[i] = offset in d of byte i of the compact form
	for i := 0; i < len(d); i++ {
		if d[i] != ' ' {
			b.WriteByte(d[i])
			idx = append(idx, i)
		}
	}
	idx = append(idx, len(d))
	np, ne := len(p.res.Problems), len(p.elems)
	read(b.String(), 0)
	remap := func(pos int) int {
		if pos < 0 {
			return pos
		}
		return base + idx[min(pos, len(idx)-1)]
	}
	for i := np; i < len(p.res.Problems); i++ {
		q := &p.res.Problems[i]
		end := remap(q.Pos + q.Len)
		q.Pos = remap(q.Pos)
		if q.Len > 0 {
			q.Len = end - q.Pos
		}
	}
	for i := ne; i < len(p.elems); i++ {
		p.elems[i].Pos = remap(p.elems[i].Pos)
	}
}
