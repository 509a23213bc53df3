// Package wedge turns the keystrokes of a keyboard-wedge barcode scanner into
// complete reads, and diagnoses a scanner's setup from a scan of a known test
// code (keyboard layout, Caps Lock, group separator, terminator).
//
// The package is pure Go and knows nothing about the GUI toolkit: the UI
// converts its key events into Key values (a rune, Enter, Tab, or GS for
// Ctrl+]) and feeds them to an Assembler.
package wedge

import (
	"sort"
	"time"

	"github.com/medtrace/medtrace/scanner"
)

// KeyKind tells what a Key is.
type KeyKind uint8

// The kinds of keys the assembler understands.
const (
	KeyRune  KeyKind = iota // a printable character
	KeyEnter                // Enter / Return
	KeyTab                  // Tab
	KeyGS                   // Ctrl+] (ASCII 29), how scanners type FNC1
)

// Key is one keystroke with the time it arrived.
type Key struct {
	Kind KeyKind
	Rune rune // for KeyRune
	Time time.Time
}

// Terminator selects which keys end a read.
type Terminator uint8

// Terminator flags; combine with |.
const (
	TermEnter Terminator = 1 << iota
	TermTab
)

// Config tunes an Assembler. The zero value is not useful: start from
// DefaultConfig.
type Config struct {
	// Terminators are the keys that end a read.
	Terminators Terminator
	// MaxKeyGap is the longest pause between two keystrokes of one scanner
	// burst; slower keystrokes are a person typing.
	MaxKeyGap time.Duration
	// IdleEnd, when > 0, completes a fast burst that has no terminator after
	// this much silence (for scanners configured without a suffix).
	IdleEnd time.Duration
	// GSSubstitute, when not 0, is a character the scanner sends in place of
	// GS (for layouts where Ctrl+] cannot be typed); it is turned into GS.
	GSSubstitute rune
	// MinLength is the shortest burst taken as a scan (shorter fast input is
	// reported as typed).
	MinLength int
	// SourceName names the scanner in reads (Source.Name).
	SourceName string
}

// DefaultConfig returns the settings that suit common USB HID scanners:
// Enter or Tab ends a read, at most 50 ms between keystrokes of a scan, a
// suffix-less burst ends after 150 ms of silence.
func DefaultConfig() Config {
	return Config{
		Terminators: TermEnter | TermTab,
		MaxKeyGap:   50 * time.Millisecond,
		IdleEnd:     150 * time.Millisecond,
		MinLength:   4,
	}
}

// Ending tells how a read was completed.
type Ending uint8

// The endings of a read.
const (
	EndEnter Ending = iota + 1 // by the Enter key
	EndTab                     // by the Tab key
	EndIdle                    // by silence after a burst (no terminator sent)
)

// Result is a completed input: a scan, or text a person typed.
type Result struct {
	// Read holds the bytes (GS for Ctrl+] or the substitute character) and,
	// when the scanner sent an AIM prefix such as "]d2", the symbology
	// (with the prefix removed from the data).
	Read scanner.Read
	// Typed is true when the keystrokes came at human speed: manual entry,
	// not a scanner burst.
	Typed bool
	// TypedPrefix holds characters typed by hand before a scanner burst
	// (e.g. a stray key in the field); they are not part of Read.
	TypedPrefix string
	// Ending says which key (or silence) completed the input.
	Ending Ending
	// MedianGap is the median pause between keystrokes.
	MedianGap time.Duration
	// Keys are the keystrokes of the read as received, terminator included
	// (for calibration); a TypedPrefix's keys are not among them.
	Keys []Key

	prefixKeys int
}

// Assembler collects keystrokes into Results. It is not safe for concurrent
// use; the UI feeds it from its event goroutine.
type Assembler struct {
	cfg  Config
	keys []Key
}

// NewAssembler returns an Assembler with cfg.
func NewAssembler(cfg Config) *Assembler {
	return &Assembler{cfg: cfg}
}

// Config returns the assembler's settings.
func (a *Assembler) Config() Config { return a.cfg }

// Pending reports how many keystrokes are buffered.
func (a *Assembler) Pending() int { return len(a.keys) }

// Feed adds one keystroke. It returns a Result and true when the key
// completed an input (a terminator, or a pause that ended an unterminated
// burst before this key).
func (a *Assembler) Feed(k Key) (Result, bool) {
	// A key arriving long after an unterminated fast burst: the burst was a
	// scan without terminator; complete it, then start over with this key.
	if a.cfg.IdleEnd > 0 && len(a.keys) > 0 && k.Time.Sub(a.keys[len(a.keys)-1].Time) >= a.cfg.IdleEnd {
		if r, ok := a.idleResult(); ok {
			a.keys = a.keys[:0]
			if _, term := a.terminatorEnding(k); !term {
				a.keys = append(a.keys, k) // a late terminator after a completed burst is swallowed
			}
			return r, true
		}
	}
	if end, ok := a.terminatorEnding(k); ok {
		if len(a.keys) == 0 {
			return Result{}, false // a stray Enter: nothing to report
		}
		a.keys = append(a.keys, k)
		r := a.build(a.keys[:len(a.keys)-1], end, k.Time)
		r.Keys = append([]Key(nil), a.keys[r.prefixKeys:]...)
		a.keys = a.keys[:0]
		return r, true
	}
	a.keys = append(a.keys, k)
	return Result{}, false
}

// Idle is called when no key has arrived for a while (the UI runs a timer
// for Config.IdleEnd after each key). It completes a fast, unterminated burst
// once now is IdleEnd past the last keystroke.
func (a *Assembler) Idle(now time.Time) (Result, bool) {
	if a.cfg.IdleEnd <= 0 || len(a.keys) == 0 || now.Sub(a.keys[len(a.keys)-1].Time) < a.cfg.IdleEnd {
		return Result{}, false
	}
	r, ok := a.idleResult()
	if ok {
		a.keys = a.keys[:0]
	}
	return r, ok
}

// IdleAt tells when Idle should be called next: IdleEnd after the last
// buffered keystroke. ok is false when nothing is buffered or IdleEnd is 0.
func (a *Assembler) IdleAt() (at time.Time, ok bool) {
	if a.cfg.IdleEnd <= 0 || len(a.keys) == 0 {
		return time.Time{}, false
	}
	return a.keys[len(a.keys)-1].Time.Add(a.cfg.IdleEnd), true
}

// Reset drops buffered keystrokes.
func (a *Assembler) Reset() { a.keys = a.keys[:0] }

func (a *Assembler) idleResult() (Result, bool) {
	last := a.keys[len(a.keys)-1].Time
	r := a.build(a.keys, EndIdle, last)
	if r.Typed {
		return Result{}, false // slow typing without Enter stays in the field
	}
	r.Keys = append([]Key(nil), a.keys[r.prefixKeys:]...)
	return r, true
}

func (a *Assembler) terminatorEnding(k Key) (Ending, bool) {
	switch {
	case k.Kind == KeyEnter && a.cfg.Terminators&TermEnter != 0:
		return EndEnter, true
	case k.Kind == KeyTab && a.cfg.Terminators&TermTab != 0:
		return EndTab, true
	}
	return 0, false
}

func (a *Assembler) build(keys []Key, end Ending, at time.Time) Result {
	// Keys typed by hand just before a scanner burst (a stray character in
	// the field) are split off so the scan stays exact.
	var prefix []Key
	if split := burstStart(keys, a.cfg.MaxKeyGap, a.cfg.MinLength); split > 0 {
		prefix, keys = keys[:split], keys[split:]
	}
	r := a.buildData(keys, end, at)
	if len(prefix) > 0 {
		r.TypedPrefix = string(a.buildData(prefix, end, at).Read.Data)
		r.prefixKeys = len(prefix)
	}
	return r
}

// burstStart returns the index where a fast burst of at least minLen keys
// that runs to the end of keys begins after slower keys, or 0.
func burstStart(keys []Key, maxGap time.Duration, minLen int) int {
	i := len(keys) - 1
	for i > 0 && keys[i].Time.Sub(keys[i-1].Time) <= maxGap {
		i--
	}
	if i == 0 || len(keys)-i < minLen {
		return 0
	}
	return i
}

func (a *Assembler) buildData(keys []Key, end Ending, at time.Time) Result {
	data := make([]byte, 0, len(keys))
	for _, k := range keys {
		switch k.Kind {
		case KeyGS:
			data = append(data, scanner.GS)
		case KeyRune:
			if a.cfg.GSSubstitute != 0 && k.Rune == a.cfg.GSSubstitute {
				data = append(data, scanner.GS)
			} else {
				data = append(data, string(k.Rune)...)
			}
		case KeyEnter:
			data = append(data, '\r')
		case KeyTab:
			data = append(data, '\t')
		}
	}
	sym, rest := scanner.SplitAIM(data)
	gap := medianGap(keys)
	typed := gap > a.cfg.MaxKeyGap || len(keys) < a.cfg.MinLength
	return Result{
		Read: scanner.Read{
			Data:      rest,
			Symbology: sym,
			Source:    scanner.Source{Kind: scanner.KindWedge, Name: a.cfg.SourceName},
			Time:      at,
		},
		Typed:     typed,
		Ending:    end,
		MedianGap: gap,
	}
}

func medianGap(keys []Key) time.Duration {
	if len(keys) < 2 {
		return 0
	}
	gaps := make([]time.Duration, 0, len(keys)-1)
	for i := 1; i < len(keys); i++ {
		gaps = append(gaps, keys[i].Time.Sub(keys[i-1].Time))
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	return gaps[len(gaps)/2]
}
