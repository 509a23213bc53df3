package app

import "testing"

// TestEveryReaderReachesTheDesk: a read arrives the same way from the scan
// field (wedge), a serial scanner, the camera and an image file, and each
// reaches the desk shown with its source kept.
func TestEveryReaderReachesTheDesk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		read   func(fx *fixture)
		source string
	}{
		{"wedge", func(fx *fixture) { fx.scan(fx.u.pharm.entry, rawActive) }, "wedge"},
		{"serial", func(fx *fixture) { fx.u.route(Read{Raw: []byte(rawActive), Source: "serial:/dev/ttyACM0"}) }, "serial:/dev/ttyACM0"},
		{"camera", func(fx *fixture) { fx.u.route(Read{Raw: []byte(rawActive), Source: "camera:/dev/video0"}) }, "camera:/dev/video0"},
		{"image", func(fx *fixture) { fx.u.route(Read{Raw: []byte(rawActive), Source: "image:/tmp/pack.png"}) }, "image:/tmp/pack.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, LangEnglish)
			tc.read(fx)
			fx.settle()
			if got := fx.u.pharm.verdict.current.Reason; got != ReasonActive {
				t.Fatalf("verdict %s, want %s", got, ReasonActive)
			}
			recs := fx.scans.recs
			if len(recs) != 1 || recs[0].Source != tc.source || string(recs[0].Code.Raw) != rawActive {
				t.Fatalf("scan log %+v, want one scan from %s", recs, tc.source)
			}
		})
	}
	t.Run("nothing before a desk is chosen", func(t *testing.T) {
		fx := newFixture(t, "", LangEnglish)
		fx.u.route(Read{Raw: []byte(rawActive), Source: "serial:/dev/ttyACM0"})
		fx.settle()
		if n := len(fx.scans.recs); n != 0 {
			t.Fatalf("%d scans kept with no desk", n)
		}
	})
}
