package intake

import (
	"strconv"
	"time"

	"github.com/medtrace/medtrace/scanner/wedge"
)

// KeyStroke is one key a keyboard-wedge scanner typed into a scan field.
type KeyStroke struct {
	Rune  rune // the character, 0 for the special keys
	GS    bool // Ctrl+] (group separator)
	Enter bool
	Tab   bool
	Time  time.Time
}

// WedgeKey is k as the wedge assembler takes it.
func (k KeyStroke) WedgeKey() wedge.Key {
	wk := wedge.Key{Kind: wedge.KeyRune, Rune: k.Rune, Time: k.Time}
	switch {
	case k.GS:
		wk.Kind = wedge.KeyGS
	case k.Enter:
		wk.Kind = wedge.KeyEnter
	case k.Tab:
		wk.Kind = wedge.KeyTab
	}
	return wk
}

// CalibrationFinding is one scanner setup fault and what to change. A UI
// words the advice in the user's language from Fault and Params; Advice
// (English) is for a fault the UI does not know.
type CalibrationFinding struct {
	Fault  string // stable name, e.g. "layout-us-on-de" (wedge.Fault's String)
	Advice string // what to change, in plain English words
	// Params are the values the advice names: Substitute (gs-substituted);
	// Wait (ms, no-terminator); Gap, MaxGap, Suggested (ms, too-slow);
	// Position, Expected, Got (unrecognised: a quoted character, "" past
	// the end).
	Params map[string]string
}

// Calibrator diagnoses a keyboard-wedge scanner from a scan of the
// calibration test code.
type Calibrator struct{}

// TestCode is the bracketed form of the code to print and scan.
func (Calibrator) TestCode() string { return wedge.CalibrationElementString }

// Calibrate runs the wedge assembler over the keys of one scan of the test
// code and lists what is wrong with the scanner's setup.
func (Calibrator) Calibrate(keys []KeyStroke) []CalibrationFinding {
	cfg := wedge.DefaultConfig()
	a := wedge.NewAssembler(cfg)
	var res wedge.Result
	done := false
	for _, k := range keys {
		if r, ok := a.Feed(k.WedgeKey()); ok {
			res, done = r, true
		}
	}
	if !done && len(keys) > 0 {
		res, done = a.Idle(keys[len(keys)-1].Time.Add(time.Hour))
	}
	if !done {
		res = wedge.Result{} // nothing arrived
	}
	rep := wedge.Calibrate(res, cfg)
	out := make([]CalibrationFinding, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		out = append(out, finding(f))
	}
	return out
}

// finding passes a wedge finding on with the values its advice names.
func finding(f wedge.Finding) CalibrationFinding {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	quote := func(s string) string {
		if s == "" {
			return "" // past the end: the UI words it
		}
		return strconv.Quote(s)
	}
	p := map[string]string{}
	switch f.Fault {
	case wedge.FaultGSSubstituted:
		p["Substitute"] = strconv.QuoteRune(f.Substitute)
	case wedge.FaultNoTerminator:
		p["Wait"] = ms(f.Wait)
	case wedge.FaultTooSlow:
		p["Gap"], p["MaxGap"], p["Suggested"] = ms(f.Gap), ms(f.MaxGap), ms(f.SuggestedGap)
	case wedge.FaultUnrecognised:
		p["Position"], p["Expected"], p["Got"] = strconv.Itoa(f.Position), quote(f.Expected), quote(f.Got)
	}
	return CalibrationFinding{Fault: f.Fault.String(), Advice: f.Advice, Params: p}
}
