package serialport

import (
	"errors"
	"fmt"
)

// Terminator selects the bytes that end a frame.
type Terminator uint8

// Terminator flags; combine with |. CR followed by LF counts as one end.
const (
	TermCR  Terminator = 1 << iota // carriage return (0x0D)
	TermLF                         // line feed (0x0A)
	TermETX                        // end of text (0x03); a leading STX (0x02) is dropped
)

// ParseTerminator parses "cr", "lf", "crlf", "etx" or a comma-separated mix.
func ParseTerminator(s string) (Terminator, error) {
	var t Terminator
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ',' {
			continue
		}
		switch s[start:i] {
		case "cr":
			t |= TermCR
		case "lf":
			t |= TermLF
		case "crlf":
			t |= TermCR | TermLF
		case "etx":
			t |= TermETX
		default:
			return 0, fmt.Errorf("unknown frame terminator %q (want cr, lf, crlf or etx)", s[start:i])
		}
		start = i + 1
	}
	return t, nil
}

// ErrFrameTooLong marks a frame cut at Framer.MaxLen bytes without a
// terminator; its bytes are still delivered.
var ErrFrameTooLong = errors.New("frame too long")

// Frame is one complete message from the scanner.
type Frame struct {
	Data []byte
	// Err is nil, or ErrFrameTooLong when the frame was cut.
	Err error
}

// Framer splits a byte stream into frames at terminator bytes. Every
// other byte, GS (0x1D) included, is kept exactly. It is not safe for
// concurrent use.
type Framer struct {
	term   Terminator
	maxLen int
	buf    []byte
	lastCR bool // the previous byte ended a frame with CR: swallow one LF
}

// NewFramer returns a Framer ending frames at term, cutting frames at
// maxLen bytes (0 means 4096).
func NewFramer(term Terminator, maxLen int) *Framer {
	if maxLen <= 0 {
		maxLen = 4096
	}
	if term == 0 {
		term = TermCR | TermLF
	}
	return &Framer{term: term, maxLen: maxLen}
}

// Write adds bytes and returns the frames they complete. Empty frames
// (e.g. a lone terminator) are not returned.
func (f *Framer) Write(p []byte) []Frame {
	var out []Frame
	for _, c := range p {
		if f.lastCR {
			f.lastCR = false
			if c == '\n' {
				continue
			}
		}
		end := (c == '\r' && f.term&TermCR != 0) || (c == '\n' && f.term&TermLF != 0) || (c == 0x03 && f.term&TermETX != 0)
		if end {
			f.lastCR = c == '\r'
			if fr, ok := f.take(nil); ok {
				out = append(out, fr)
			}
			continue
		}
		if c == 0x02 && f.term&TermETX != 0 && len(f.buf) == 0 {
			continue // STX before the message
		}
		f.buf = append(f.buf, c)
		if len(f.buf) >= f.maxLen {
			fr, _ := f.take(ErrFrameTooLong)
			out = append(out, fr)
		}
	}
	return out
}

// Flush returns the pending bytes as a frame (for scanners that send no
// terminator; the caller decides when the line has been idle long enough).
func (f *Framer) Flush() (Frame, bool) { return f.take(nil) }

// Pending reports how many bytes wait for a terminator.
func (f *Framer) Pending() int { return len(f.buf) }

func (f *Framer) take(err error) (Frame, bool) {
	if len(f.buf) == 0 {
		return Frame{}, false
	}
	fr := Frame{Data: append([]byte(nil), f.buf...), Err: err}
	f.buf = f.buf[:0]
	return fr, true
}
