package app

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
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
// group separator, shown as ¦; Enter (or Tab) submits the bytes; the keystrokes of the
// last input are kept with their times for scanner calibration.
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
}

// NewScanEntry returns a scan field. A GS substitute character a scanner
// sends is kept as typed: the parser, which is told the setting, decides
// where it stands for GS.
func NewScanEntry(now func() time.Time) *ScanEntry {
	e := &ScanEntry{now: now}
	e.ExtendBaseWidget(e)
	e.OnSubmitted = func(string) { e.submit() }
	return e
}

// TypedRune records the keystroke and inserts the character.
func (e *ScanEntry) TypedRune(r rune) {
	e.keys = append(e.keys, KeyStroke{Rune: r, Time: e.now()})
	e.Entry.TypedRune(r)
}

// TypedKey records Enter and Tab, offers unused keys to OnKey, and passes
// the rest to the Entry.
func (e *ScanEntry) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		e.keys = append(e.keys, KeyStroke{Enter: true, Time: e.now()})
	case fyne.KeyTab:
		// A scanner set to end with Tab: submit rather than move focus.
		e.keys = append(e.keys, KeyStroke{Tab: true, Time: e.now()})
		e.submit()
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
		e.keys = append(e.keys, KeyStroke{GS: true, Time: e.now()})
		e.Entry.TypedRune(gsGlyph)
		return
	}
	if e.OnShortcut != nil && e.OnShortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// submit hands the field's bytes to OnScan and clears the field.
func (e *ScanEntry) submit() {
	raw := entryBytes(e.Text)
	keys := e.keys
	e.keys = nil
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
