package wedge

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/medtrace/medtrace/scanner"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// typeString turns s into keystrokes gap apart: GS (0x1D) becomes Ctrl+],
// '\r' Enter and '\t' Tab.
func typeString(s string, start time.Time, gap time.Duration) []Key {
	var keys []Key
	at := start
	for _, r := range s {
		k := Key{Kind: KeyRune, Rune: r, Time: at}
		switch r {
		case scanner.GS:
			k = Key{Kind: KeyGS, Time: at}
		case '\r':
			k = Key{Kind: KeyEnter, Time: at}
		case '\t':
			k = Key{Kind: KeyTab, Time: at}
		}
		keys = append(keys, k)
		at = at.Add(gap)
	}
	return keys
}

func feedAll(a *Assembler, keys []Key) []Result {
	var out []Result
	for _, k := range keys {
		if r, ok := a.Feed(k); ok {
			out = append(out, r)
		}
	}
	return out
}

func TestAssembler(t *testing.T) {
	gs1 := "0104012345678901\x1d10ABC"
	tests := []struct {
		name    string
		cfg     func(*Config)
		input   string
		gap     time.Duration
		idleAt  time.Duration // when > 0, call Idle this long after the last key
		want    []string
		typed   []bool
		sym     string
		endings []Ending
	}{
		{name: "enter terminated scan keeps GS", input: gs1 + "\r", gap: 8 * time.Millisecond,
			want: []string{gs1}, typed: []bool{false}, endings: []Ending{EndEnter}},
		{name: "tab terminated", input: "12345678\t", gap: 5 * time.Millisecond,
			want: []string{"12345678"}, typed: []bool{false}, endings: []Ending{EndTab}},
		{name: "two scans back to back", input: "AAAA1111\rBBBB2222\r", gap: 5 * time.Millisecond,
			want: []string{"AAAA1111", "BBBB2222"}, typed: []bool{false, false}, endings: []Ending{EndEnter, EndEnter}},
		{name: "person typing", input: "0401234\r", gap: 180 * time.Millisecond,
			want: []string{"0401234"}, typed: []bool{true}, endings: []Ending{EndEnter}},
		{name: "burst without terminator ends on idle", input: gs1, gap: 10 * time.Millisecond, idleAt: 200 * time.Millisecond,
			want: []string{gs1}, typed: []bool{false}, endings: []Ending{EndIdle}},
		{name: "substitute character becomes GS", cfg: func(c *Config) { c.GSSubstitute = '~' },
			input: "0104012345678901~10ABC\r", gap: 5 * time.Millisecond,
			want: []string{gs1}, typed: []bool{false}, endings: []Ending{EndEnter}},
		{name: "AIM prefix gives symbology", input: "]d2" + gs1 + "\r", gap: 5 * time.Millisecond,
			want: []string{gs1}, typed: []bool{false}, sym: scanner.SymGS1DataMatrix, endings: []Ending{EndEnter}},
		{name: "tab not a terminator when disabled", cfg: func(c *Config) { c.Terminators = TermEnter },
			input: "AB\tCD\r", gap: 5 * time.Millisecond,
			want: []string{"AB\tCD"}, typed: []bool{false}, endings: []Ending{EndEnter}},
		{name: "short fast input counts as typed", input: "12\r", gap: 5 * time.Millisecond,
			want: []string{"12"}, typed: []bool{true}, endings: []Ending{EndEnter}},
		{name: "stray enter is ignored", input: "\r", gap: 5 * time.Millisecond},
		{name: "non-ASCII runes kept as UTF-8", input: "Grüße-ÄÖ\r", gap: 5 * time.Millisecond,
			want: []string{"Grüße-ÄÖ"}, typed: []bool{false}, endings: []Ending{EndEnter}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			a := NewAssembler(cfg)
			keys := typeString(tc.input, t0, tc.gap)
			got := feedAll(a, keys)
			if tc.idleAt > 0 {
				if _, ok := a.Idle(keys[len(keys)-1].Time.Add(tc.idleAt / 2)); ok && tc.idleAt/2 < cfg.IdleEnd {
					t.Fatal("Idle completed a read before IdleEnd")
				}
				if r, ok := a.Idle(keys[len(keys)-1].Time.Add(tc.idleAt)); ok {
					got = append(got, r)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, r := range got {
				if string(r.Read.Data) != tc.want[i] {
					t.Errorf("result %d data = %q, want %q", i, r.Read.Data, tc.want[i])
				}
				if r.Typed != tc.typed[i] {
					t.Errorf("result %d typed = %v, want %v", i, r.Typed, tc.typed[i])
				}
				if r.Ending != tc.endings[i] {
					t.Errorf("result %d ending = %v, want %v", i, r.Ending, tc.endings[i])
				}
				if r.Read.Symbology != tc.sym {
					t.Errorf("result %d symbology = %q, want %q", i, r.Read.Symbology, tc.sym)
				}
				if r.Read.Source.Kind != scanner.KindWedge {
					t.Errorf("result %d source = %v", i, r.Read.Source)
				}
			}
			if a.Pending() != 0 {
				t.Errorf("%d keys left pending", a.Pending())
			}
		})
	}
}

func TestAssemblerIdleThenNextScan(t *testing.T) {
	a := NewAssembler(DefaultConfig())
	first := typeString("11112222", t0, 5*time.Millisecond)
	second := typeString("33334444\r", t0.Add(time.Second), 5*time.Millisecond)
	got := feedAll(a, append(first, second...))
	if len(got) != 2 || string(got[0].Read.Data) != "11112222" || got[0].Ending != EndIdle ||
		string(got[1].Read.Data) != "33334444" || got[1].Ending != EndEnter {
		t.Fatalf("got %+v", got)
	}
}

func TestAssemblerSplitsTypedPrefix(t *testing.T) {
	a := NewAssembler(DefaultConfig())
	keys := typeString("xy", t0, 400*time.Millisecond)
	keys = append(keys, typeString("0104012345678901\x1d21AB\r", t0.Add(time.Second), 6*time.Millisecond)...)
	got := feedAll(a, keys)
	if len(got) != 1 || string(got[0].Read.Data) != "0104012345678901\x1d21AB" || got[0].Typed || got[0].TypedPrefix != "xy" || len(got[0].Keys) != 22 {
		t.Fatalf("got %+v", got)
	}
}

func TestAssemblerIdleAt(t *testing.T) {
	a := NewAssembler(DefaultConfig())
	if _, ok := a.IdleAt(); ok {
		t.Fatal("IdleAt with nothing buffered")
	}
	keys := typeString("ABCD", t0, 5*time.Millisecond)
	feedAll(a, keys)
	at, ok := a.IdleAt()
	if !ok || !at.Equal(keys[3].Time.Add(DefaultConfig().IdleEnd)) {
		t.Fatalf("IdleAt = %v, %v", at, ok)
	}
	if _, ok := a.Idle(at.Add(-time.Millisecond)); ok {
		t.Fatal("Idle completed before IdleAt")
	}
	if r, ok := a.Idle(at); !ok || string(r.Read.Data) != "ABCD" {
		t.Fatalf("Idle at IdleAt: %+v %v", r, ok)
	}
}

func TestAssemblerSlowTypingNotCompletedByIdle(t *testing.T) {
	a := NewAssembler(DefaultConfig())
	keys := typeString("0401", t0, 300*time.Millisecond)
	if got := feedAll(a, keys); len(got) != 0 {
		t.Fatalf("slow typing produced results: %+v", got)
	}
	if _, ok := a.Idle(t0.Add(10 * time.Second)); ok {
		t.Fatal("Idle completed slow typing")
	}
	if a.Pending() != 4 {
		t.Fatalf("pending = %d, want 4", a.Pending())
	}
}

// scanAs simulates a scanner typing the calibration code through a given
// fault combination, ending with Enter unless noTerm.
func scanAs(layout Fault, caps bool, gs gsMode, subst rune, noTerm bool, gap time.Duration) []Key {
	runes := predict([]rune(CalibrationData), layout, caps, gs, subst)
	s := string(runes)
	if !noTerm {
		s += "\r"
	}
	return typeString(s, t0, gap)
}

func TestCalibrate(t *testing.T) {
	fast := 6 * time.Millisecond
	tests := []struct {
		name   string
		cfg    func(*Config)
		keys   []Key
		idle   bool
		want   []Fault
		subst  rune
		advice string  // a phrase the first finding's advice must hold
		values Finding // the first finding's values (a UI words its advice from them), Fault and Advice aside
	}{
		{name: "correct setup", keys: scanAs(0, false, gsIntact, 0, false, fast)},
		{name: "US scanner on German computer", keys: scanAs(FaultLayoutUSOnDE, false, gsIntact, 0, false, fast),
			want: []Fault{FaultLayoutUSOnDE}, advice: "keyboard country to Germany"},
		{name: "German scanner on US computer", keys: scanAs(FaultLayoutDEOnUS, false, gsIntact, 0, false, fast),
			want: []Fault{FaultLayoutDEOnUS}, advice: "keyboard country to USA"},
		{name: "caps lock", keys: scanAs(0, true, gsIntact, 0, false, fast),
			want: []Fault{FaultCapsLock}, advice: "Caps Lock is on"},
		{name: "missing GS", keys: scanAs(0, false, gsMissing, 0, false, fast),
			want: []Fault{FaultNoGS}, advice: "Ctrl+]"},
		{name: "US on DE loses Ctrl+]", keys: scanAs(FaultLayoutUSOnDE, false, gsMissing, 0, false, fast),
			want: []Fault{FaultLayoutUSOnDE, FaultNoGS}},
		{name: "layout and caps lock", keys: scanAs(FaultLayoutUSOnDE, true, gsIntact, 0, false, fast),
			want: []Fault{FaultLayoutUSOnDE, FaultCapsLock}},
		{name: "GS sent as unconfigured substitute", keys: scanAs(0, false, gsSubst, '~', false, fast),
			want: []Fault{FaultGSSubstituted}, subst: '~', advice: "substitute character to '~'"},
		{name: "GS substitute configured", cfg: func(c *Config) { c.GSSubstitute = '~' },
			keys: scanAs(0, false, gsSubst, '~', false, fast)},
		{name: "missing terminator", keys: scanAs(0, false, gsIntact, 0, true, fast), idle: true,
			want: []Fault{FaultNoTerminator}, advice: "Enter (CR) as suffix", values: Finding{Wait: DefaultConfig().IdleEnd}},
		{name: "too slow", keys: scanAs(0, false, gsIntact, 0, false, 80*time.Millisecond),
			want: []Fault{FaultTooSlow}, advice: "inter-character delay",
			values: Finding{Gap: 80 * time.Millisecond, MaxGap: DefaultConfig().MaxKeyGap, SuggestedGap: 120 * time.Millisecond}},
		{name: "wrong code", keys: typeString("0104012345678901\r", t0, fast),
			want: []Fault{FaultUnrecognised}, advice: "at character 4", values: Finding{Position: 4, Expected: "9", Got: "4"}},
		{name: "scan ends early", keys: typeString(CalibrationData[:10]+"\r", t0, fast),
			want: []Fault{FaultUnrecognised}, advice: "got end of scan", values: Finding{Position: 11, Expected: CalibrationData[10:11]}},
		{name: "AIM prefix is accepted", keys: typeString("]d2"+CalibrationData+"\r", t0, fast)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			a := NewAssembler(cfg)
			got := feedAll(a, tc.keys)
			if tc.idle {
				r, ok := a.Idle(tc.keys[len(tc.keys)-1].Time.Add(time.Second))
				if !ok {
					t.Fatal("idle did not complete the scan")
				}
				got = append(got, r)
			}
			if len(got) != 1 {
				t.Fatalf("got %d results, want 1", len(got))
			}
			rep := Calibrate(got[0], cfg)
			var faults []Fault
			for _, f := range rep.Findings {
				faults = append(faults, f.Fault)
			}
			if len(faults) != len(tc.want) {
				t.Fatalf("faults = %v, want %v (%+v)", faults, tc.want, rep.Findings)
			}
			for i := range faults {
				if faults[i] != tc.want[i] {
					t.Errorf("fault %d = %v, want %v", i, faults[i], tc.want[i])
				}
			}
			if rep.OK != (len(tc.want) == 0) {
				t.Errorf("OK = %v", rep.OK)
			}
			if tc.advice != "" && !strings.Contains(rep.Findings[0].Advice, tc.advice) {
				t.Errorf("advice %q lacks %q", rep.Findings[0].Advice, tc.advice)
			}
			if tc.subst != 0 && rep.Findings[0].Substitute != tc.subst {
				t.Errorf("substitute = %q, want %q", rep.Findings[0].Substitute, tc.subst)
			}
			if len(rep.Findings) > 0 {
				v := rep.Findings[0]
				v.Fault, v.Advice, v.Substitute = 0, "", 0
				if v != tc.values {
					t.Errorf("values %+v, want %+v", v, tc.values)
				}
			}
		})
	}
}

func TestCalibrateNoInput(t *testing.T) {
	rep := Calibrate(Result{}, DefaultConfig())
	if rep.OK || !rep.Has(FaultNoInput) {
		t.Fatalf("report = %+v", rep)
	}
}

func TestFaultString(t *testing.T) {
	for f := FaultNoInput; f <= FaultUnrecognised; f++ {
		if s := f.String(); s == "" || strings.HasPrefix(s, "fault(") {
			t.Errorf("fault %d has no name", f)
		}
	}
}

// FuzzAssembler feeds arbitrary keystroke streams. It checks that nothing
// panics, that no keystroke is lost (every rune fed before a terminator is
// in a result or still pending) and that a fast burst ended by Enter comes
// back byte for byte.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte("0104012345678901\x1d10ABC\r"), uint16(5))
	f.Add([]byte("\r\r\t\x1dabc"), uint16(300))
	f.Add([]byte("]d2010\r"), uint16(1))
	f.Fuzz(func(t *testing.T, in []byte, gapMS uint16) {
		if !utf8.Valid(in) {
			return
		}
		a := NewAssembler(DefaultConfig())
		gap := time.Duration(gapMS) * time.Millisecond
		keys := typeString(string(in), t0, gap)
		var data []byte
		for _, r := range feedAll(a, keys) {
			if len(r.Read.Data) == 0 && r.Read.Symbology == "" {
				t.Fatalf("empty result %+v", r)
			}
			data = append(data, r.TypedPrefix...)
			data = append(data, r.Read.Symbology...)
			data = append(data, r.Read.Data...)
		}
		if r, ok := a.Idle(t0.Add(time.Duration(len(keys)+1) * gap).Add(time.Hour)); ok {
			data = append(data, r.TypedPrefix...)
			data = append(data, r.Read.Symbology...)
			data = append(data, r.Read.Data...)
		}
		// Everything except terminators must be accounted for, in order.
		want := bytes.NewBuffer(nil)
		for _, k := range keys {
			switch k.Kind {
			case KeyRune:
				want.WriteRune(k.Rune)
			case KeyGS:
				want.WriteByte(scanner.GS)
			}
		}
		pending := a.Pending()
		if pending == 0 && !bytes.Equal(data, want.Bytes()) {
			t.Fatalf("data = %q, want %q", data, want.Bytes())
		}
		if pending > 0 && !bytes.HasPrefix(want.Bytes(), data) {
			t.Fatalf("data %q is not a prefix of %q", data, want.Bytes())
		}
	})
}
