package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/scanner/wedge"
)

// gsGlyph is how a group separator (ASCII 29) is shown in a scan field:
// the control character itself has no glyph, and ␝ (U+241D) is missing
// from Fyne's bundled fonts, so a Latin-1 character that GS1 data never
// holds (outside character set 82) stands in for it.
const gsGlyph = '¦'

// gsByte is the ASCII group separator (FNC1 between GS1 element strings).
const gsByte = 0x1D

// ScanEntry is a single-line Entry for keyboard-wedge scanners and typing.
// Ctrl+] (how scanners type GS, which a plain widget.Entry drops) inserts a
// group separator, shown as ¦; the keystrokes of the last input are kept
// with their times for scanner calibration. Every keystroke also goes to a
// wedge.Assembler: Enter or Tab ends an input and, once SetIdleEnd is given
// a duration (for scanners set up without a suffix), so does that much
// silence after a fast burst. The input is what the field shows, edits
// included (an AIM prefix such as "]d2" stays for the parser): a burst
// slowed by a busy machine is never cut or trimmed.
type ScanEntry struct {
	widget.Entry

	// OnScan receives the bytes of each submitted input and its keystrokes.
	OnScan func(raw []byte, keys []KeyStroke)
	// OnShortcut, when set, sees every shortcut other than Ctrl+] first and
	// reports whether it handled it (the screens' Ctrl+1.. and F-keys).
	OnShortcut func(s fyne.Shortcut) bool
	// OnKey, when set, sees keys the Entry does not use (F1-F12, Escape) and
	// reports whether it handled them.
	OnKey func(k fyne.KeyName) bool

	now  func() time.Time
	keys []KeyStroke
	asm  *wedge.Assembler
	// post runs the idle timer's completion on Fyne's goroutine (the app's
	// fyne.Do funnel); without it no timer runs (tests call idle).
	post  func(func())
	timer *time.Timer
}

// NewScanEntry returns a scan field. A GS substitute character a scanner
// sends is kept as typed: the parser, which is told the setting, decides
// where it stands for GS.
func NewScanEntry(now func() time.Time) *ScanEntry {
	cfg := wedge.DefaultConfig()
	cfg.IdleEnd = 0 // off until SetIdleEnd: a busy machine's pauses must not split a scan
	e := &ScanEntry{now: now, asm: wedge.NewAssembler(cfg)}
	e.ExtendBaseWidget(e)
	e.OnSubmitted = func(string) { e.submit() }
	return e
}

// SetIdleEnd makes silence of d after a fast burst end an input, for
// scanners that send no Enter or Tab; 0 turns it off (the default).
func (e *ScanEntry) SetIdleEnd(d time.Duration) {
	cfg := e.asm.Config()
	cfg.IdleEnd = d
	e.asm = wedge.NewAssembler(cfg)
}

// feed gives a keystroke to the assembler; a completed input (a burst
// that ended in silence before this key) is delivered at once.
func (e *ScanEntry) feed(k wedge.Key) (wedge.Result, bool) {
	r, ok := e.asm.Feed(k)
	e.armIdle()
	return r, ok
}

// armIdle (re)starts the timer that ends a burst without a terminator.
func (e *ScanEntry) armIdle() {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	at, ok := e.asm.IdleAt()
	if !ok || e.post == nil {
		return
	}
	post := e.post
	e.timer = time.AfterFunc(at.Sub(e.now()), func() { post(e.idle) })
}

// idle completes an unterminated scanner burst once it has been silent
// long enough (called on Fyne's goroutine).
func (e *ScanEntry) idle() {
	if r, ok := e.asm.Idle(e.now()); ok {
		e.deliver(r)
	}
}

// TypedRune records the keystroke and inserts the character.
func (e *ScanEntry) TypedRune(r rune) {
	now := e.now()
	if res, ok := e.feed(wedge.Key{Kind: wedge.KeyRune, Rune: r, Time: now}); ok {
		e.deliver(res)
	}
	e.keys = append(e.keys, KeyStroke{Rune: r, Time: now})
	e.Entry.TypedRune(r)
}

// TypedKey records Enter and Tab, offers unused keys to OnKey, and passes
// the rest to the Entry.
func (e *ScanEntry) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyTab:
		// Tab too: a scanner set to end with Tab submits rather than moves focus.
		now := e.now()
		stroke, key := KeyStroke{Enter: true, Time: now}, wedge.Key{Kind: wedge.KeyEnter, Time: now}
		if k.Name == fyne.KeyTab {
			stroke, key = KeyStroke{Tab: true, Time: now}, wedge.Key{Kind: wedge.KeyTab, Time: now}
		}
		e.keys = append(e.keys, stroke)
		if r, ok := e.feed(key); ok {
			e.deliver(r)
		} else {
			e.submit() // no keystrokes behind the text (pasted): the field's text
		}
		return
	default:
		if isScreenKey(k.Name) && e.OnKey != nil && e.OnKey(k.Name) {
			return
		}
	}
	e.Entry.TypedKey(k)
}

// AcceptsTab keeps Tab in the field (scanners may end reads with Tab).
func (e *ScanEntry) AcceptsTab() bool { return true }

// TypedShortcut maps Ctrl+] to a group separator and offers every other
// shortcut to OnShortcut before the Entry's own (copy, paste, ...).
func (e *ScanEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok && cs.KeyName == fyne.KeyRightBracket && cs.Modifier == fyne.KeyModifierControl {
		now := e.now()
		if r, ok := e.feed(wedge.Key{Kind: wedge.KeyGS, Time: now}); ok {
			e.deliver(r)
		}
		e.keys = append(e.keys, KeyStroke{GS: true, Time: now})
		e.Entry.TypedRune(gsGlyph)
		return
	}
	if e.OnShortcut != nil && e.OnShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// deliver hands a completed input to OnScan as the field shows it.
func (e *ScanEntry) deliver(wedge.Result) { e.submit() }

// submit hands the field's bytes to OnScan and clears the field.
func (e *ScanEntry) submit() { e.hand(entryBytes(e.Text)) }

// hand clears the field and the assembler and gives raw and the input's
// keystrokes to OnScan.
func (e *ScanEntry) hand(raw []byte) {
	keys := e.keys
	e.keys = nil
	e.asm.Reset()
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	e.SetText("")
	if len(raw) == 0 || e.OnScan == nil {
		return
	}
	e.OnScan(raw, keys)
}

// entryBytes turns a scan field's text into the scanned bytes: ¦ becomes
// GS; surrounding spaces and line ends are dropped.
func entryBytes(text string) []byte {
	text = strings.Trim(text, " \r\n\t")
	var b strings.Builder
	for _, r := range text {
		if r == gsGlyph {
			b.WriteByte(gsByte)
			continue
		}
		b.WriteRune(r)
	}
	return []byte(b.String())
}

// showBytes renders scanned bytes for people: GS as ¦, other control
// characters as \xHH.
func showBytes(raw []byte) string {
	var b strings.Builder
	for _, r := range string(raw) {
		switch {
		case r == gsByte:
			b.WriteRune(gsGlyph)
		case r < 0x20 || r == 0x7f:
			b.WriteString("\\x")
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
