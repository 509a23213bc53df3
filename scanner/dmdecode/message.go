package dmdecode

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/medtrace/medtrace/scanner"
)

// ErrMalformed is returned (wrapped) when error-corrected codewords do not
// form a valid Data Matrix message.
var ErrMalformed = errors.New("malformed data matrix message")

// message is a decoded Data Matrix message.
type message struct {
	data       []byte
	symbology  string
	eci        []scanner.ECISegment
	readerInit bool
}

// c40 and text shift-2 set (ISO/IEC 16022 Table C.1).
const shift2Set = "!\"#$%&'()*+,-./:;<=>?@[\\]^_"

// Text shift-3 set (Table C.2).
const textShift3Set = "`ABCDEFGHIJKLMNOPQRSTUVWXYZ{|}~\x7f"

// parseMessage decodes error-corrected data codewords into exact bytes
// (ISO/IEC 16022:2006 5.2). Unlike gozxing's parser it keeps Base 256 and
// upper-shifted bytes as bytes, drops ECI designators from the data while
// recording them, and leaves a first-position FNC1 out of the data.
func parseMessage(cw []byte) (message, error) {
	p := parser{cw: cw}
	if err := p.run(); err != nil {
		return message{}, err
	}
	data := append(p.out, p.trailer...)
	m := message{data: data, readerInit: p.readerInit}
	fnc1 := 1
	switch {
	case p.gs1:
		fnc1 = 2
	case p.aim:
		fnc1 = 3
	}
	if p.eciSeen {
		fnc1 += 3
		p.closeSegment()
		m.eci = p.segments
	}
	m.symbology = "]d" + strconv.Itoa(fnc1)
	return m, nil
}

type parser struct {
	cw         []byte
	pos        int
	out        []byte
	trailer    []byte
	gs1, aim   bool
	readerInit bool
	dataStart  int // codeword index of the first message codeword (after structured append)

	eciSeen  bool
	segments []scanner.ECISegment
	segECI   int
	segStart int
}

func (p *parser) closeSegment() {
	if len(p.out) > p.segStart {
		p.segments = append(p.segments, scanner.ECISegment{Designator: p.segECI, Data: append([]byte(nil), p.out[p.segStart:]...)})
	}
	p.segStart = len(p.out)
}

func (p *parser) run() error {
	p.segECI = -1
	upper := false
	for p.pos < len(p.cw) {
		at := p.pos
		c := int(p.cw[p.pos])
		p.pos++
		switch {
		case c == 0:
			return fmt.Errorf("%w: codeword 0 at %d", ErrMalformed, at)
		case c <= 128:
			v := byte(c - 1)
			if upper {
				v += 128
				upper = false
			}
			p.out = append(p.out, v)
		case c == 129: // pad: end of message
			return nil
		case c <= 229:
			n := c - 130
			p.out = append(p.out, byte('0'+n/10), byte('0'+n%10))
		case c == 230:
			if err := p.c40text(false); err != nil {
				return err
			}
		case c == 231:
			if err := p.base256(); err != nil {
				return err
			}
		case c == 232: // FNC1
			switch {
			case at == p.dataStart && len(p.out) == 0:
				p.gs1 = true
			case at == p.dataStart+1 && len(p.out) == 1 && isAlpha(p.out[0]),
				at == p.dataStart+1 && len(p.out) == 2 && isDigit(p.out[0]) && isDigit(p.out[1]):
				p.aim = true
			default:
				p.out = append(p.out, scanner.GS)
			}
		case c == 233: // structured append: 3 more codewords of header
			if at != 0 || p.pos+3 > len(p.cw) {
				return fmt.Errorf("%w: structured append header at %d", ErrMalformed, at)
			}
			p.pos += 3
			p.dataStart = p.pos
		case c == 234: // reader programming
			if at != p.dataStart {
				return fmt.Errorf("%w: reader programming codeword at %d", ErrMalformed, at)
			}
			p.readerInit = true
		case c == 235:
			upper = true
		case c == 236, c == 237: // 05 / 06 macro
			if at != p.dataStart {
				return fmt.Errorf("%w: macro codeword at %d", ErrMalformed, at)
			}
			p.out = append(p.out, "[)>\x1e0"...)
			p.out = append(p.out, byte('5'+c-236), scanner.GS)
			p.trailer = []byte("\x1e\x04")
		case c == 238:
			if err := p.x12(); err != nil {
				return err
			}
		case c == 239:
			if err := p.c40text(true); err != nil {
				return err
			}
		case c == 240:
			p.edifact()
		case c == 241:
			if err := p.eci(); err != nil {
				return err
			}
		case c == 254 && p.pos == len(p.cw):
			// some encoders end with an unlatch in ASCII: harmless
		default:
			return fmt.Errorf("%w: codeword %d invalid in ASCII at %d", ErrMalformed, c, at)
		}
	}
	return nil
}

func isAlpha(b byte) bool { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') }
func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func (p *parser) eci() error {
	if p.pos >= len(p.cw) {
		return fmt.Errorf("%w: truncated ECI", ErrMalformed)
	}
	c1 := int(p.cw[p.pos])
	p.pos++
	var v int
	switch {
	case c1 <= 127:
		v = c1 - 1
	case c1 <= 191:
		if p.pos >= len(p.cw) {
			return fmt.Errorf("%w: truncated ECI", ErrMalformed)
		}
		v = (c1-128)*254 + int(p.cw[p.pos]) - 1 + 127
		p.pos++
	default:
		if p.pos+1 >= len(p.cw) {
			return fmt.Errorf("%w: truncated ECI", ErrMalformed)
		}
		v = (c1-192)*64516 + (int(p.cw[p.pos])-1)*254 + int(p.cw[p.pos+1]) - 1 + 16383
		p.pos += 2
	}
	if v < 0 {
		return fmt.Errorf("%w: ECI designator %d", ErrMalformed, v)
	}
	p.closeSegment()
	p.eciSeen = true
	p.segECI = v
	return nil
}

// c40text decodes a C40 (text=false) or Text segment.
func (p *parser) c40text(text bool) error {
	shift := 0
	upper := false
	emit := func(b byte) {
		if upper {
			b += 128
			upper = false
		}
		p.out = append(p.out, b)
	}
	for p.pos < len(p.cw) {
		if p.cw[p.pos] == 254 {
			p.pos++
			return nil
		}
		if p.pos+1 >= len(p.cw) {
			return nil // one codeword left: it is ASCII
		}
		v := int(p.cw[p.pos])*256 + int(p.cw[p.pos+1]) - 1
		p.pos += 2
		vals := [3]int{v / 1600, (v / 40) % 40, v % 40}
		for _, c := range vals {
			switch shift {
			case 0:
				switch {
				case c < 3:
					shift = c + 1
				case c == 3:
					emit(' ')
				case c < 14:
					emit(byte('0' + c - 4))
				case c < 40:
					if text {
						emit(byte('a' + c - 14))
					} else {
						emit(byte('A' + c - 14))
					}
				}
			case 1:
				emit(byte(c))
				shift = 0
			case 2:
				switch {
				case c < len(shift2Set):
					emit(shift2Set[c])
				case c == 27:
					p.out = append(p.out, scanner.GS)
				case c == 30:
					upper = true
				default:
					return fmt.Errorf("%w: C40/Text shift 2 value %d", ErrMalformed, c)
				}
				shift = 0
			case 3:
				if text {
					if c >= len(textShift3Set) {
						return fmt.Errorf("%w: Text shift 3 value %d", ErrMalformed, c)
					}
					emit(textShift3Set[c])
				} else {
					emit(byte(c + 96))
				}
				shift = 0
			}
		}
	}
	return nil
}

func (p *parser) x12() error {
	for p.pos < len(p.cw) {
		if p.cw[p.pos] == 254 {
			p.pos++
			return nil
		}
		if p.pos+1 >= len(p.cw) {
			return nil
		}
		v := int(p.cw[p.pos])*256 + int(p.cw[p.pos+1]) - 1
		p.pos += 2
		for _, c := range [3]int{v / 1600, (v / 40) % 40, v % 40} {
			switch {
			case c == 0:
				p.out = append(p.out, '\r')
			case c == 1:
				p.out = append(p.out, '*')
			case c == 2:
				p.out = append(p.out, '>')
			case c == 3:
				p.out = append(p.out, ' ')
			case c < 14:
				p.out = append(p.out, byte('0'+c-4))
			case c < 40:
				p.out = append(p.out, byte('A'+c-14))
			}
		}
	}
	return nil
}

func (p *parser) edifact() {
	for {
		if len(p.cw)-p.pos < 3 {
			return // fewer than 3 codewords left: ASCII
		}
		b := uint32(p.cw[p.pos])<<16 | uint32(p.cw[p.pos+1])<<8 | uint32(p.cw[p.pos+2])
		for i := 0; i < 4; i++ {
			v := byte(b>>(18-6*i)) & 0x3f
			if v == 0x1f { // unlatch: continue in ASCII at the next codeword
				p.pos += (6*(i+1) + 7) / 8
				return
			}
			if v&0x20 == 0 {
				v |= 0x40
			}
			p.out = append(p.out, v)
		}
		p.pos += 3
	}
}

func (p *parser) base256() error {
	next := func() (int, error) {
		if p.pos >= len(p.cw) {
			return 0, fmt.Errorf("%w: truncated Base 256 segment", ErrMalformed)
		}
		pos := p.pos + 1 // 1-based codeword position
		r := int(p.cw[p.pos]) - ((149*pos)%255 + 1)
		if r < 0 {
			r += 256
		}
		p.pos++
		return r, nil
	}
	d1, err := next()
	if err != nil {
		return err
	}
	var n int
	switch {
	case d1 == 0:
		n = len(p.cw) - p.pos
	case d1 < 250:
		n = d1
	default:
		d2, err := next()
		if err != nil {
			return err
		}
		n = 250*(d1-249) + d2
	}
	if n > len(p.cw)-p.pos {
		return fmt.Errorf("%w: Base 256 length %d exceeds %d codewords left", ErrMalformed, n, len(p.cw)-p.pos)
	}
	for i := 0; i < n; i++ {
		b, _ := next()
		p.out = append(p.out, byte(b))
	}
	return nil
}
