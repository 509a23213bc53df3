package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/medtrace/medtrace/trace"
)

// TestRegulatorWithdrawsRecall: a recall order selected on the regulator's
// desk is withdrawn after a confirmation that asks why; without a reason
// nothing is queued, cancelled nothing is queued, confirmed one
// withdraw-recall event of the order's GTIN and batch is.
func TestRegulatorWithdrawsRecall(t *testing.T) {
	var d deskFakes
	fx := newFixture(t, RoleInspector, LangEnglish, withDesks(&d))
	fx.u.selectTab(1)
	fx.key(fyne.KeyF5)
	r := fx.u.regulator
	if len(r.recalls) != 1 || !r.withdrawBtn.Disabled() {
		t.Fatalf("recalls %+v, withdraw enabled %v: want one order and no withdrawal before a selection", r.recalls, !r.withdrawBtn.Disabled())
	}
	r.recallList.Select(0)
	if r.withdrawBtn.Disabled() {
		t.Fatal("withdraw disabled with an order selected")
	}
	tests := []struct {
		name   string
		reason string
		ok     bool
		queued int  // events queued after the answer
		open   bool // the dialog stays open
	}{
		{"without a reason", "  ", true, 0, true},
		{"cancelled", "tests passed", false, 0, false},
		{"confirmed", "tests passed", true, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r.withdrawal == nil {
				r.withdrawRecall()
			}
			wd := r.withdrawal
			if wd == nil {
				t.Fatal("no confirmation asked")
			}
			wd.reason.SetText(tc.reason)
			wd.answer(tc.ok)
			fx.settle()
			if got := len(fx.queue.all()); got != tc.queued {
				t.Fatalf("%d events queued, want %d", got, tc.queued)
			}
			if (r.withdrawal != nil) != tc.open {
				t.Fatalf("dialog open %v, want %v", r.withdrawal != nil, tc.open)
			}
		})
	}
	ev := fx.queue.all()[0]
	rc := r.recalls[0]
	if ev.Kind != trace.KindWithdrawRecall || ev.GTIN != rc.GTIN || ev.Batch != rc.Batch || ev.Note != "tests passed" || ev.Serial != "" {
		t.Fatalf("queued %+v for order %+v", ev, rc)
	}
	if !strings.Contains(r.recallStatus.Text, "withdrawal of the recall of batch "+rc.Batch) {
		t.Errorf("status %q", r.recallStatus.Text)
	}
}

// TestRefusalByCodeOnly: a refusal with a known code shows its translation
// alone (the ledger's English sentence stays in the details); an unknown
// code shows the ledger's sentence.
func TestRefusalByCodeOnly(t *testing.T) {
	newFixture(t, RolePharmacist, LangChinese) // sets the language
	tests := []struct {
		name, code, msg, want string
	}{
		{"known code", trace.ReasonAlreadyDispensed, "Pack 1 was already dispensed at 4012345000009", tr("alert." + trace.ReasonAlreadyDispensed)},
		{"unknown code", "teleported", "The pack was teleported", "The pack was teleported"},
		{"unknown code, no sentence", "teleported", "", "teleported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := alertText(tc.code, tc.msg)
			if got != tc.want || (tc.code == trace.ReasonAlreadyDispensed && strings.Contains(got, "dispensed")) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
