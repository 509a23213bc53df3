package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medtrace/medtrace/trace"
)

// TestScreensMarkup compares each main screen's rendered widget tree with
// a golden file in testdata/ (on a mismatch Fyne writes the actual markup
// to testdata/failed/). The app's embedded Chinese font is installed first,
// so the Chinese screen's text widths are the same on every machine, with
// or without a CJK font installed (font.go).
func TestScreensMarkup(t *testing.T) {
	useAppFonts()
	tests := []struct {
		name   string
		role   string
		lang   string
		golden string
		act    func(fx *fixture)
	}{
		{"chooser", "", LangEnglish, "chooser.xml", func(*fixture) {}},
		{"pharmacist active", RolePharmacist, LangEnglish, "pharmacist_active.xml", func(fx *fixture) {
			fx.scan(fx.u.pharm.entry, rawActive)
		}},
		{"pharmacist dispensed offline chinese", RolePharmacist, LangChinese, "pharmacist_dispensed_zh.xml", func(fx *fixture) {
			fx.ver.answers["DISP1"] = func() trace.Verification {
				v := fx.ver.answers["DISP1"]
				v.Offline = true
				return v
			}()
			fx.scan(fx.u.pharm.entry, rawDispensed)
		}},
		{"warehouse session", RoleWarehouse, LangEnglish, "warehouse_session.xml", func(fx *fixture) {
			w := fx.u.ware
			w.counterparty.SetText(testCounterparty)
			fx.key(fyne.KeyF2)
			fx.scan(w.entry, rawActive)
			fx.scan(w.entry, rawActive)
			fx.scan(w.entry, rawSSCC)
		}},
		{"inspector", RoleInspector, LangEnglish, "inspector.xml", func(fx *fixture) {
			fx.key(fyne.KeyF7)
			fx.scan(fx.u.insp.entry, rawRecalled)
		}},
		{"queue", RolePharmacist, LangEnglish, "queue.xml", func(fx *fixture) {
			fx.u.selectTab(1)
			fx.settle()
			fx.u.reportSync(SyncReport{Syncing: true, Done: 40, Total: 160})
			fx.settle()
		}},
		{"settings", RolePharmacist, LangEnglish, "settings.xml", func(fx *fixture) {
			fx.u.selectTab(2)
			fx.settle()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, tc.role, tc.lang)
			tc.act(fx)
			test.AssertRendersToMarkup(t, tc.golden, fx.w.Canvas())
		})
	}
}
