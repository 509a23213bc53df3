package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/station"
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

// ledgerAlertLog is the desk's alert log with the ledger's alert list.
type ledgerAlertLog struct {
	*fakeAlertLog
	ledger []AlertRecord
	err    error
}

func (l *ledgerAlertLog) LedgerAlerts(context.Context, AlertFilter) ([]AlertRecord, error) {
	return l.ledger, l.err
}

// TestRegulatorLedgerAlerts: the regulator's list shows the alerts other
// stations reported to the ledger beside this station's own (one of the
// same refused event once); when the ledger cannot be read, its own, and
// says so.
func TestRegulatorLedgerAlerts(t *testing.T) {
	own := AlertRecord{Time: testNow.Add(-time.Hour), Kind: AlertDoubleDispense, Code: trace.ReasonAlreadyDispensed, Source: "refusal",
		EventID: "e1", Event: trace.KindDispense, GTIN: "09501101530003", Serial: "S2", Place: testGLN}
	fromLedger := []AlertRecord{
		{Time: own.Time, Kind: own.Kind, Code: own.Code, Source: station.SourceLedger, EventID: "e1", GTIN: own.GTIN, Serial: own.Serial, Place: testGLN, By: "InspectorMSP"},
		{Time: testNow.Add(-time.Minute), Kind: AlertDoubleDispense, Code: trace.ReasonAlreadyDispensed, Source: station.SourceLedger,
			EventID: "e9", Event: trace.KindDispense, GTIN: "09501101530003", Serial: "S9", Place: "4054321000016", By: "PharmacyMSP"},
	}
	tests := []struct {
		name       string
		err        error
		want       []string // the serials listed, newest first
		statusHas  string
		ledgerLine bool
	}{
		{"with the ledger's", nil, []string{"S9", "S2"}, "2 alerts", true},
		{"ledger unreachable", ledger.ErrUnavailable, []string{"S2"}, "could not be read", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d deskFakes
			var log *ledgerAlertLog
			fx := newFixture(t, RoleInspector, LangEnglish, withDesks(&d), func(c *Config) {
				log = &ledgerAlertLog{fakeAlertLog: d.alerts, ledger: fromLedger, err: tc.err}
				c.Alerts = log
			})
			d.alerts.alerts = []AlertRecord{own}
			fx.u.selectTab(1)
			fx.key(fyne.KeyF5)
			r := fx.u.regulator
			var got []string
			for _, a := range r.alerts {
				got = append(got, a.Serial)
			}
			if !slices.Equal(got, tc.want) || !strings.Contains(r.alertStatus.Text, tc.statusHas) {
				t.Fatalf("alerts %v, status %q; want %v, %q", got, r.alertStatus.Text, tc.want, tc.statusHas)
			}
			if tc.ledgerLine {
				if line := r.alertLine(r.alerts[0]); !strings.Contains(line, "reported to the ledger by PharmacyMSP") || !strings.Contains(line, "Double dispense") {
					t.Errorf("line %q", line)
				}
			}
		})
	}
}
