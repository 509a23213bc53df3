package station

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/trace"
)

// refusal is the alert the desks raise for a refused event (app's
// refusalAlert): what RecordAlert is given.
func refusal(ev trace.Event, code string) AlertRecord {
	return AlertRecord{Time: ev.Time, Kind: trace.AlertKindOf(code), Code: code, Message: "refused: " + code, Source: "refusal",
		EventID: ev.ID, Event: ev.Kind, GTIN: ev.GTIN, Serial: ev.Serial, Batch: ev.Batch, SSCC: ev.SSCC, Place: ev.Location}
}

// TestAlertReportsQueued: the alert of an event refused with a clone-type
// reason is queued for the ledger with it, once; a scan's alert, another
// refusal and a refusal without a site are not.
func TestAlertReportsQueued(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	ev := func(n int) trace.Event {
		return trace.Event{Kind: trace.KindDispense, Time: testNow, Location: site, GTIN: gtin, Serial: fmt.Sprintf("P%d", n)}.WithContentID()
	}
	scan := refusal(ev(3), trace.ReasonStolen)
	scan.Source, scan.EventID = "scan", ""
	noSite := refusal(ev(5), trace.ReasonAlreadyDispensed)
	noSite.Place = ""
	tests := []struct {
		name   string
		alert  AlertRecord
		queued bool
	}{
		{"double dispense", refusal(ev(1), trace.ReasonAlreadyDispensed), true},
		{"the same again", refusal(ev(1), trace.ReasonAlreadyDispensed), false},
		{"stolen pack", refusal(ev(2), trace.ReasonStolen), true},
		{"a scan's alert", scan, false},
		{"another refusal", refusal(ev(4), trace.ReasonNotHolder), false},
		{"no site", noSite, false},
	}
	want := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.RecordAlert(ctx, tc.alert); err != nil {
				t.Fatal(err)
			}
			if tc.queued {
				want++
			}
			p, err := s.Store().PendingAlertReports(ctx, 10)
			if err != nil || len(p) != want {
				t.Fatalf("%d pending (%v), want %d", len(p), err, want)
			}
		})
	}
	if _, err := s.SendAlertReports(ctx); !errors.Is(err, ledger.ErrUnavailable) {
		t.Fatalf("sending without a ledger: %v, want ErrUnavailable", err)
	}
}

// TestAlertsOnTheLedger: a pharmacy's offline double dispense, refused
// when synced, reaches the regulator's alert list from the ledger, with
// the pharmacy's MSP and site; a non-regulator cannot list alerts; a
// report naming a site not in the certificate is refused.
func TestAlertsOnTheLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local Fabric network: not in -short mode")
	}
	n, p, clients := networktest.ClientsForTest(t)
	ctx := t.Context()
	mgln, pgln := p.GLNs["manufacturer"], p.GLNs["pharmacy"]
	prefix := p.CompanyPrefixes["manufacturer"][0]
	stamp := fmt.Sprintf("%016d", time.Now().UnixNano())
	g := withCheckDigit("0" + prefix + stamp[len(stamp)-(12-len(prefix)):])
	serial := "A" + stamp[8:]
	now := time.Now().UTC()
	pk := func(k trace.Kind, loc, cp string) trace.Event {
		return trace.Event{Kind: k, Time: now, Location: loc, Counterparty: cp, GTIN: g, Serial: serial, Batch: "B1", Expiry: "2028-12-31"}.WithContentID()
	}
	for _, step := range []struct {
		role string
		ev   trace.Event
	}{{"manufacturer", pk(trace.KindCommission, mgln, "")}, {"manufacturer", pk(trace.KindShip, mgln, pgln)},
		{"pharmacy", pk(trace.KindReceive, pgln, mgln)}, {"pharmacy", pk(trace.KindDispense, pgln, "")}} {
		res, err := clients[step.role].Submit(ctx, []trace.Event{step.ev})
		if err != nil || res.Results[0].Status != trace.StatusAccepted {
			t.Fatalf("seed %s as %s: %+v %v", step.ev.Kind, step.role, res, err)
		}
	}
	// The pharmacy's station dispensed it again offline; synced, the
	// ledger refuses it, and the desk raises the clone alert.
	ph := newStation(t)
	if err := ph.Connect(ctx, Source{Profile: n.ProfilePath, Identity: "pharmacy"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ph.Disconnect)
	ph.SetIdentity("pharmacy")
	again := trace.Event{Kind: trace.KindDispense, Time: now.Add(time.Minute), Location: pgln, GTIN: g, Serial: serial}.WithContentID()
	if err := ph.Enqueue(ctx, again); err != nil {
		t.Fatal(err)
	}
	if _, err := ph.Drain(ctx, func(SyncReport) {}); err != nil {
		t.Fatal(err)
	}
	refused, err := ph.Refused(ctx, 10)
	if err != nil || len(refused) != 1 || refused[0].Reason != trace.ReasonAlreadyDispensed {
		t.Fatalf("refused %+v %v: want the double dispense", refused, err)
	}
	if _, err := ph.RecordAlert(ctx, refusal(refused[0].Event, refused[0].Reason)); err != nil {
		t.Fatal(err)
	}
	if sent, err := ph.SendAlertReports(ctx); err != nil || sent != 1 {
		t.Fatalf("sent %d: %v", sent, err)
	}
	if sent, err := ph.SendAlertReports(ctx); err != nil || sent != 0 {
		t.Fatalf("sent again %d: %v, want nothing left", sent, err)
	}
	reg := newStation(t)
	if err := reg.Connect(ctx, Source{Profile: n.ProfilePath, Identity: "regulator"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Disconnect)
	as, err := reg.LedgerAlerts(ctx, AlertFilter{Text: serial})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 || as[0].EventID != again.ID || as[0].Kind != trace.AlertDoubleDispense || as[0].By != p.Identities["pharmacy"].MSPID ||
		as[0].Place != pgln || as[0].Source != SourceLedger {
		t.Fatalf("the regulator's ledger alerts %+v: want the pharmacy's double dispense", as)
	}
	if _, err := ph.LedgerAlerts(ctx, AlertFilter{}); !errors.Is(err, ledger.ErrRejected) {
		t.Errorf("a pharmacy lists the ledger's alerts: %v, want ErrRejected", err)
	}
	other := trace.AlertReport{Kind: trace.AlertDoubleDispense, Code: trace.ReasonAlreadyDispensed, EventID: trace.Event{Kind: trace.KindDispense,
		Time: now, Location: pgln, GTIN: g, Serial: serial + "X"}.WithContentID().ID, EventKind: trace.KindDispense, Time: now,
		GTIN: g, Serial: serial + "X", Site: p.GLNs["distributor"]}
	if _, err := clients["pharmacy"].ReportAlert(ctx, other); !errors.Is(err, ledger.ErrRejected) {
		t.Errorf("a report from a site not in the certificate: %v, want ErrRejected", err)
	}
	if as, err := reg.LedgerAlerts(ctx, AlertFilter{Text: serial + "X"}); err != nil || len(as) != 0 {
		t.Errorf("the refused report is listed: %+v %v", as, err)
	}

}
