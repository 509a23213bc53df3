package wedge

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/medtrace/medtrace/scanner"
)

// CalibrationData is the message of the test code the user scans during
// calibration: a GS1 element string (GTIN, expiry, batch, serial) whose batch
// holds characters that move between keyboard layouts (Y/Z, '-', '/', ':',
// '(' and ')') and letters of both cases, followed by a GS. The labels
// package prints it; see CalibrationElementString for its bracketed form.
const CalibrationData = "0109506000134352" + "17291231" + "10" + "Ab-Yz/y:Z" + "\x1d" + "21" + "C4l(7)"

// CalibrationElementString is CalibrationData in GS1 bracketed notation
// (a "(" in data is escaped as "\(").
const CalibrationElementString = `(01)09506000134352(17)291231(10)Ab-Yz/y:Z(21)C4l\(7)`

// Fault names one setup problem that calibration can detect.
type Fault uint8

// The faults calibration detects.
const (
	FaultNoInput       Fault = iota + 1 // nothing arrived
	FaultLayoutUSOnDE                   // scanner types US layout, computer uses German
	FaultLayoutDEOnUS                   // scanner types German layout, computer uses US
	FaultCapsLock                       // Caps Lock inverted letter case
	FaultNoGS                           // the GS1 separator (FNC1) did not arrive
	FaultGSSubstituted                  // a character arrived in place of GS that MedTrace is not set to read as GS
	FaultNoTerminator                   // the scan ended without Enter or Tab
	FaultTooSlow                        // keystrokes slower than Config.MaxKeyGap
	FaultUnrecognised                   // the scan differs in a way calibration cannot explain
)

// String returns a short stable name for the fault.
func (f Fault) String() string {
	switch f {
	case FaultNoInput:
		return "no-input"
	case FaultLayoutUSOnDE:
		return "layout-us-on-de"
	case FaultLayoutDEOnUS:
		return "layout-de-on-us"
	case FaultCapsLock:
		return "caps-lock"
	case FaultNoGS:
		return "no-gs"
	case FaultGSSubstituted:
		return "gs-substituted"
	case FaultNoTerminator:
		return "no-terminator"
	case FaultTooSlow:
		return "too-slow"
	case FaultUnrecognised:
		return "unrecognised"
	}
	return fmt.Sprintf("fault(%d)", uint8(f))
}

// Finding is one detected fault and exactly what to change. Advice words
// it in English; a user interface in another language words it from Fault
// and the values below, which are the ones Advice names (zero where the
// fault has none).
type Finding struct {
	Fault  Fault
	Advice string
	// Substitute is the character that arrived in place of GS
	// (FaultGSSubstituted only).
	Substitute rune
	// Wait is the silence that ended a scan without a terminator
	// (FaultNoTerminator: Config.IdleEnd).
	Wait time.Duration
	// Gap is the median time between keystrokes, MaxGap the most the
	// configuration accepts and SuggestedGap a maximum that would accept
	// this scanner (FaultTooSlow).
	Gap, MaxGap, SuggestedGap time.Duration
	// Position is the 1-based position of the first character that differs
	// from the test code; Expected and Got are that character in the test
	// code and in the scan, "" past the end (FaultUnrecognised).
	Position      int
	Expected, Got string
}

// Report is the outcome of a calibration scan.
type Report struct {
	// OK is true when the scan arrived exactly as encoded, with GS and a
	// terminator, at scanner speed.
	OK bool
	// Findings lists the faults, most fundamental first.
	Findings []Finding
	// Received is what arrived (GS shown as the GS byte).
	Received string
	// AIMPrefix is the symbology identifier the scanner sent before the
	// data ("" when none). MedTrace uses it; it is not a fault.
	AIMPrefix string
}

// Has reports whether the report contains fault f.
func (r Report) Has(f Fault) bool {
	for _, x := range r.Findings {
		if x.Fault == f {
			return true
		}
	}
	return false
}

// usDEPairs pairs the character a scanner means (typing with US key
// codes) with the character a computer with a German layout produces for
// that key: US, DE, US, DE, ...
const usDEPairs = "yzzyYZZY" + "@\"#§^&&/*(()()=" + "-ß_?[ü{Ü]+}*\\#|'" + ";ö:Ö'ä\"Ä<;>:/-?_" + "`^~°=´+`"

func layoutMap(l Fault, r rune) rune {
	pairs := []rune(usDEPairs)
	for i := 0; i+1 < len(pairs); i += 2 {
		switch {
		case l == FaultLayoutUSOnDE && pairs[i] == r:
			return pairs[i+1]
		case l == FaultLayoutDEOnUS && pairs[i+1] == r:
			return pairs[i]
		}
	}
	return r
}

func flipCase(r rune) rune {
	switch {
	case unicode.IsUpper(r):
		return unicode.ToLower(r)
	case unicode.IsLower(r):
		return unicode.ToUpper(r)
	}
	return r
}

type gsMode uint8

const (
	gsIntact gsMode = iota
	gsMissing
	gsSubst
)

// predict renders what arrives for expected under a layout, Caps Lock state
// and GS handling.
func predict(expected []rune, layout Fault, caps bool, gs gsMode, subst rune) []rune {
	out := make([]rune, 0, len(expected))
	for _, r := range expected {
		if r == scanner.GS {
			switch gs {
			case gsIntact:
				out = append(out, r)
			case gsSubst:
				out = append(out, subst)
			}
			continue
		}
		r = layoutMap(layout, r)
		if caps {
			r = flipCase(r)
		}
		out = append(out, r)
	}
	return out
}

// Calibrate diagnoses a scan of the code holding CalibrationData. res is the
// Result an Assembler built with cfg returned for the scan (use Idle to
// complete a scan that has no terminator).
func Calibrate(res Result, cfg Config) Report {
	return CalibrateWith(res, cfg, CalibrationData)
}

// CalibrateWith is Calibrate for any known test message (GS as 0x1D).
func CalibrateWith(res Result, cfg Config, expected string) Report {
	rep := Report{Received: string(res.Read.Data), AIMPrefix: res.Read.Symbology}
	if len(res.Keys) == 0 && len(res.Read.Data) == 0 {
		rep.Findings = append(rep.Findings, Finding{Fault: FaultNoInput,
			Advice: "Nothing arrived. Click into the scan field, then scan the test code; check the scanner is in USB keyboard (HID) mode."})
		return rep
	}
	// Rebuild the received runes from the keys so that a configured GS
	// substitute is seen as the character that was typed.
	var got []rune
	for _, k := range res.Keys {
		switch k.Kind {
		case KeyRune:
			got = append(got, k.Rune)
		case KeyGS:
			got = append(got, scanner.GS)
		}
	}
	if len(res.Keys) == 0 {
		got = []rune(string(res.Read.Data))
	}
	if sym, rest := scanner.SplitAIM([]byte(string(got))); sym != "" {
		got = []rune(string(rest))
	}
	want := []rune(expected)

	found := false
	for _, layout := range []Fault{0, FaultLayoutUSOnDE, FaultLayoutDEOnUS} {
		for _, caps := range []bool{false, true} {
			for _, gs := range []gsMode{gsIntact, gsMissing, gsSubst} {
				var subst rune
				if gs == gsSubst {
					var ok bool
					if subst, ok = substCandidate(want, got, layout, caps); !ok {
						continue
					}
				}
				if string(predict(want, layout, caps, gs, subst)) != string(got) {
					continue
				}
				found = true
				if layout != 0 {
					rep.Findings = append(rep.Findings, layoutFinding(layout))
				}
				if caps {
					rep.Findings = append(rep.Findings, Finding{Fault: FaultCapsLock,
						Advice: "Caps Lock is on: every letter arrived in the wrong case. Turn Caps Lock off, or enable the scanner's \"ignore Caps Lock\" (case-independent) keyboard setting."})
				}
				switch {
				case gs == gsMissing:
					adv := "The GS1 separator (FNC1) did not arrive, so element strings run together. Program the scanner to send FNC1 as GS (Ctrl+], ASCII 29)"
					if layout == FaultLayoutUSOnDE {
						adv += "; on a German layout Ctrl+] cannot be typed, so instead let the scanner send a substitute character (e.g. '~') and set that character as the GS substitute in MedTrace's scanner settings"
					} else {
						adv += ", or let it send a substitute character and set that character as the GS substitute in MedTrace's scanner settings"
					}
					rep.Findings = append(rep.Findings, Finding{Fault: FaultNoGS, Advice: adv + "."})
				case gs == gsSubst && subst != cfg.GSSubstitute:
					rep.Findings = append(rep.Findings, Finding{Fault: FaultGSSubstituted, Substitute: subst,
						Advice: fmt.Sprintf("The scanner sends %q where the GS1 separator belongs. Set MedTrace's GS substitute character to %q (scanner settings), or program the scanner to send FNC1 as Ctrl+].", subst, subst)})
				}
				break
			}
			if found {
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		rep.Findings = append(rep.Findings, unrecognised(want, got))
	}
	if res.Ending == EndIdle {
		rep.Findings = append(rep.Findings, Finding{Fault: FaultNoTerminator, Wait: cfg.IdleEnd,
			Advice: fmt.Sprintf("The scan ended without Enter or Tab; MedTrace had to wait %v of silence. Program the scanner to send Enter (CR) as suffix.", cfg.IdleEnd)})
	}
	if res.MedianGap > cfg.MaxKeyGap {
		gap, suggested := res.MedianGap.Round(time.Millisecond), (res.MedianGap * 3 / 2).Round(time.Millisecond)
		rep.Findings = append(rep.Findings, Finding{Fault: FaultTooSlow, Gap: gap, MaxGap: cfg.MaxKeyGap, SuggestedGap: suggested,
			Advice: fmt.Sprintf("Keystrokes arrived every %v (median), slower than the %v MedTrace expects from a scanner, so scans look like typing. Set the scanner's inter-character delay to 0, or raise MedTrace's maximum key gap to %v.",
				gap, cfg.MaxKeyGap, suggested)})
	}
	rep.OK = len(rep.Findings) == 0
	return rep
}

// substCandidate guesses the character that took GS's place: the received
// character at the first GS position.
func substCandidate(want, got []rune, layout Fault, caps bool) (rune, bool) {
	for i, r := range want {
		if r == scanner.GS {
			if i < len(got) && len(got) == len(want) && got[i] != scanner.GS {
				return got[i], true
			}
			return 0, false
		}
	}
	return 0, false
}

func layoutFinding(l Fault) Finding {
	if l == FaultLayoutUSOnDE {
		return Finding{Fault: l, Advice: "Keyboard layout mismatch: the scanner types as a US keyboard but this computer uses a German layout (Y and Z swapped, '-' arrived as 'ß', '/' as '-'). Set the scanner's keyboard country to Germany (see its programming guide), or switch this computer's keyboard layout to English (US) while scanning."}
	}
	return Finding{Fault: l, Advice: "Keyboard layout mismatch: the scanner types as a German keyboard but this computer uses a US layout (Y and Z swapped, '-' arrived as '/', '/' as '&'). Set the scanner's keyboard country to USA (see its programming guide), or switch this computer's keyboard layout to German while scanning."}
}

func unrecognised(want, got []rune) Finding {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	at := func(rs []rune) string {
		if i >= len(rs) {
			return ""
		}
		return string(rs[i])
	}
	show := func(s string) string {
		if s == "" {
			return "end of scan"
		}
		return fmt.Sprintf("%q", s)
	}
	f := Finding{Fault: FaultUnrecognised, Position: i + 1, Expected: at(want), Got: at(got)}
	var b strings.Builder
	fmt.Fprintf(&b, "The scan differs from the test code at character %d: expected %s, got %s. ", f.Position, show(f.Expected), show(f.Got))
	b.WriteString("Make sure you scanned MedTrace's calibration code, and that the scanner adds no prefix or suffix other than Enter.")
	f.Advice = b.String()
	return f
}
