package app

import (
	"testing"
	"time"
)

// TestIdleEndSetting: the Settings field sets the silence that ends a scan
// from a scanner with no terminator on the desk's scan field at once, and
// after a restart; a value out of range is refused and changes nothing.
func TestIdleEndSetting(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		saved      bool
		want       time.Duration
	}{
		{"off by default", "", true, 0},
		{"80 ms", "80", true, 80 * time.Millisecond},
		{"spaces around", " 120 ", true, 120 * time.Millisecond},
		{"zero is off", "0", true, 0},
		{"too short: it would split scans", "5", false, 0},
		{"too long", "5000", false, 0},
		{"not a number", "fast", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, LangEnglish)
			s := fx.u.prefs
			s.idleEnd.SetText(tc.text)
			s.endpoint.SetText("peer0.example:7051") // shows whether the save went through
			s.save()
			got := LoadSettings(fx.u.fa.Preferences())
			if saved := got.Endpoint == "peer0.example:7051"; saved != tc.saved {
				t.Fatalf("saved=%v, want %v", saved, tc.saved)
			}
			if d := fx.u.pharm.entry.asm.Config().IdleEnd; d != tc.want {
				t.Errorf("scan field's idle end %v, want %v", d, tc.want)
			}
			if got.idleEnd() != tc.want {
				t.Errorf("kept idle end %v, want %v", got.idleEnd(), tc.want)
			}
		})
	}
}
