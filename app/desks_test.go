package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

// The application layer implements every desk port.
var (
	_ FindingStore     = (*station.Station)(nil)
	_ UnitReader       = (*station.Station)(nil)
	_ ConsortiumReader = (*station.Station)(nil)
	_ RecallReader     = (*station.Station)(nil)
	_ AlertLog         = (*station.Station)(nil)
	_ RefusalReader    = (*station.Station)(nil)
)

type fakeUnits struct {
	mu    sync.Mutex
	units map[string]trace.Contents
	err   error
	asked []bool // offlineOnly of each call
	// copyBlock, when not 0, makes every answer the local copy's as of
	// that block.
	copyBlock uint64
}

func (f *fakeUnits) UnitContents(_ context.Context, sscc string, offlineOnly bool) (UnitContents, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, offlineOnly)
	if f.err != nil {
		return UnitContents{}, f.err
	}
	c, ok := f.units[sscc]
	if !ok {
		c = trace.Contents{SSCC: sscc, Status: trace.PackUnknown}
	}
	return UnitContents{Contents: c, AsOf: testNow, Offline: f.copyBlock != 0, Block: f.copyBlock}, nil
}

// newFakeUnits: rawSSCC holds a case (rawSSCC2) with two packs and one
// loose pack, one of them dispensed; rawSSCC2's own lookup is all active.
func newFakeUnits() *fakeUnits {
	pack := func(serial string, st trace.PackStatus) trace.PackRef {
		return trace.PackRef{GTIN: "09501101530003", Serial: serial, Batch: "B123", Expiry: "2028-12-31", Status: st}
	}
	inner := trace.Contents{SSCC: "340123450000000025", Status: trace.PackActive,
		Packs: []trace.PackRef{pack("ACTIVE1", trace.PackActive), pack("C2", trace.PackActive)}}
	return &fakeUnits{units: map[string]trace.Contents{
		"340123450000000017": {SSCC: "340123450000000017", Status: trace.PackActive,
			Packs: []trace.PackRef{pack("DISP1", trace.PackDispensed)}, Units: []trace.Contents{inner}},
		"340123450000000025": inner,
	}}
}

type fakeAlertLog struct {
	mu       sync.Mutex
	alerts   []AlertRecord
	failNext bool // the next RecordAlert fails (a full disk)
	writes   int
}

func (f *fakeAlertLog) RecordAlert(_ context.Context, a AlertRecord) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.failNext {
		f.failNext = false
		return false, errors.New("disk is full")
	}
	for _, x := range f.alerts {
		if a.EventID != "" && x.EventID == a.EventID {
			return false, nil
		}
	}
	f.alerts = append(f.alerts, a)
	return true, nil
}

func (f *fakeAlertLog) Alerts(_ context.Context, flt AlertFilter) ([]AlertRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []AlertRecord
	for i := len(f.alerts) - 1; i >= 0; i-- {
		a := f.alerts[i]
		if len(flt.Kinds) > 0 && !slices.Contains(flt.Kinds, a.Kind) || a.Time.Before(flt.Since) ||
			flt.Text != "" && !slices.Contains([]string{a.GTIN, a.Serial, a.Batch, a.SSCC, a.Place}, flt.Text) {
			continue
		}
		out = append(out, a)
	}
	return out, nil
}

func (f *fakeAlertLog) all() []AlertRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]AlertRecord(nil), f.alerts...)
}

type fakeRefusals struct {
	mu  sync.Mutex
	evs []QueuedEvent // newest first
}

func (f *fakeRefusals) Refused(_ context.Context, limit int) ([]QueuedEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]QueuedEvent(nil), f.evs[:min(limit, len(f.evs))]...), nil
}

func (f *fakeRefusals) refuse(q QueuedEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.evs = append([]QueuedEvent{q}, f.evs...)
}

type fakeNotifier struct {
	mu    sync.Mutex
	shown []string
}

func (n *fakeNotifier) Notify(title, content string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.shown = append(n.shown, title+" | "+content)
}

func (n *fakeNotifier) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.shown...)
}

type fakeConsortium struct{ err error }

func (f fakeConsortium) Members(context.Context) ([]Member, error) {
	if f.err != nil {
		return nil, f.err
	}
	return []Member{
		{MSP: "ManufacturerMSP", Role: "manufacturer", Prefixes: []string{"950110153"}, ChinaCodes: []string{"8123456"}, GLNs: []string{"9501101530010"}},
		{MSP: "PharmacyMSP", Role: "pharmacy", AnyLocation: true},
	}, nil
}

type fakeRecalls struct{}

func (fakeRecalls) Recalls(context.Context) ([]RecallOrder, error) {
	return []RecallOrder{{GTIN: "09501101530003", Batch: "R9", Reason: "contamination", Time: testNow, Block: 1200}}, nil
}

// deskFakes wires the desk ports.
type deskFakes struct {
	units    *fakeUnits
	alerts   *fakeAlertLog
	refusals *fakeRefusals
	notes    *fakeNotifier
}

func withDesks(d *deskFakes) func(*Config) {
	d.units, d.alerts, d.refusals, d.notes = newFakeUnits(), &fakeAlertLog{}, &fakeRefusals{}, &fakeNotifier{}
	return func(c *Config) {
		c.Units, c.Alerts, c.Refusals, c.Notifier = d.units, d.alerts, d.refusals, d.notes
		c.Consortium, c.Recalls = fakeConsortium{}, fakeRecalls{}
	}
}

// TestUnitVerdictsOffline: a unit's contents from the local copy are
// judged like the ledger's, with the copy's "as of" on the badge; a unit
// the copy does not know is not called unknown.
func TestUnitVerdictsOffline(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		inCopy bool
		level  Level
		reason string
		title  string
	}{
		{"pallet with a dispensed pack inside", rawSSCC, true, LevelBad, ReasonUnitProblem, "Case or pallet — packs inside must not be handed out"},
		{"case, every pack active", rawSSCC2, true, LevelOK, ReasonUnitOK, "Case or pallet — every pack active"},
		{"not in the local copy", rawSSCC2, false, LevelUnverified, ReasonUnitNotInCopy, "Case or pallet not in the local copy — check it online"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d deskFakes
			fx := newFixture(t, RoleInspector, LangEnglish, withDesks(&d))
			d.units.copyBlock = 42
			if !tc.inCopy {
				delete(d.units.units, tc.raw[2:])
			}
			fx.scan(fx.u.insp.entry, tc.raw)
			v := fx.u.insp.verdict
			if v.current.Level != tc.level || v.current.Reason != tc.reason {
				t.Fatalf("verdict %v/%s (%v), want %v/%s", v.current.Level, v.current.Reason, v.current.Err, tc.level, tc.reason)
			}
			if !v.current.Offline || v.current.Block != 42 || !strings.HasPrefix(v.badge.Text, "OFFLINE — as of ") || !strings.Contains(v.badge.Text, "42") {
				t.Errorf("offline %v block %d badge %q: want the local copy's block 42", v.current.Offline, v.current.Block, v.badge.Text)
			}
			if v.title.Text != tc.title {
				t.Errorf("title %q, want %q", v.title.Text, tc.title)
			}
		})
	}
}

func TestUnitVerdicts(t *testing.T) {
	tests := []struct {
		name    string
		role    string
		raw     string
		err     error
		level   Level
		reason  string
		lineHas string
		detail  string
	}{
		{"pallet with a dispensed pack inside", RolePharmacist, rawSSCC, nil, LevelBad, ReasonUnitProblem,
			"3 packs inside, 2 active", "09501101530003 / DISP1 — dispensed"},
		{"case, every pack active", RolePharmacist, rawSSCC2, nil, LevelOK, ReasonUnitOK, "2 packs inside, 2 active", "C2 — active"},
		{"ledger unreachable", RolePharmacist, rawSSCC, fmt.Errorf("%w: %w", ErrUnitsOffline, ledger.ErrUnavailable), LevelUnverified,
			ReasonNotVerified, "SSCC 340123450000000017", "Why: offline, the contents of cases and pallets cannot be checked"},
		{"inspector sees the pallet's contents", RoleInspector, rawSSCC, nil, LevelBad, ReasonUnitProblem, "3 packs inside", "DISP1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d deskFakes
			fx := newFixture(t, tc.role, LangEnglish, withDesks(&d))
			d.units.err = tc.err
			var e *ScanEntry
			var v *verdictView
			if tc.role == RoleInspector {
				e, v = fx.u.insp.entry, fx.u.insp.verdict
			} else {
				e, v = fx.u.pharm.entry, fx.u.pharm.verdict
			}
			fx.scan(e, tc.raw)
			if v.current.Level != tc.level || v.current.Reason != tc.reason {
				t.Fatalf("verdict %v/%s, want %v/%s", v.current.Level, v.current.Reason, tc.level, tc.reason)
			}
			lines := v.lines[0].Text + "|" + v.lines[1].Text + "|" + v.lines[2].Text
			if !strings.Contains(lines, tc.lineHas) {
				t.Errorf("lines %q lack %q", lines, tc.lineHas)
			}
			if !strings.Contains(v.detail.Text, tc.detail) {
				t.Errorf("detail %q lacks %q", v.detail.Text, tc.detail)
			}
			if len(fx.ver.offlineOnly) != 0 {
				t.Errorf("an SSCC was sent to the pack verifier %d times", len(fx.ver.offlineOnly))
			}
		})
	}
	t.Run("problem packs are listed first, in Chinese too", func(t *testing.T) {
		var d deskFakes
		fx := newFixture(t, RolePharmacist, LangChinese, withDesks(&d))
		fx.scan(fx.u.pharm.entry, rawSSCC)
		v := fx.u.pharm.verdict
		first := strings.SplitN(v.detail.Text, "\n", 2)[0]
		if !strings.Contains(first, "DISP1") || !strings.Contains(first, "已发药") {
			t.Errorf("first line %q: want the dispensed pack, in Chinese", first)
		}
		if v.title.Text != "箱或托盘 — 内有不得发出的药盒" {
			t.Errorf("title %q", v.title.Text)
		}
	})
}

func TestUnitLinesBounded(t *testing.T) {
	c := trace.Contents{SSCC: "340123450000000017", Status: trace.PackActive}
	for i := range 40 {
		c.Packs = append(c.Packs, trace.PackRef{GTIN: "09501101530003", Serial: "S" + string(rune('A'+i%26)) + string(rune('A'+i/26)), Status: trace.PackActive})
	}
	c.Packs[30].Status = trace.PackStolen
	ls := unitLines(newFormatter(LangEnglish, time.UTC), c)
	if len(ls) != unitDetailLines+1 {
		t.Fatalf("%d lines, want %d and a count", len(ls), unitDetailLines)
	}
	if !strings.Contains(ls[0], "stolen") {
		t.Errorf("first line %q: the stolen pack goes first", ls[0])
	}
	if ls[len(ls)-1] != "… and 28 more" {
		t.Errorf("last line %q", ls[len(ls)-1])
	}
}

func TestReceipt(t *testing.T) {
	pallet := newFakeUnits().units["340123450000000017"]
	tests := []struct {
		name                string
		items               []string
		sealed, opened      []string
		expected, arrived   int
		missing, unexpected []string
	}{
		{"pallet received sealed: all arrived", []string{"sscc:340123450000000017"}, []string{"340123450000000017"}, nil, 4, 4, nil, nil},
		{"pallet opened, one pack and the case scanned", []string{"sscc:340123450000000017", "pack:09501101530003/DISP1", "sscc:340123450000000025"},
			[]string{"340123450000000017", "340123450000000025"}, []string{"340123450000000017"}, 4, 4, nil, nil},
		{"pallet and case opened, a pack missing, a stranger", []string{"sscc:340123450000000017", "pack:09501101530003/DISP1",
			"pack:09501101530003/ACTIVE1", "pack:09501101530003/XX"}, []string{"340123450000000017"},
			[]string{"340123450000000017", "340123450000000025"}, 4, 2,
			[]string{"sscc:340123450000000025", "pack:09501101530003/C2"}, []string{"pack:09501101530003/XX"}},
	}
	set := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range s {
			m[x] = true
		}
		return m
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceipt()
			r.learn(pallet)
			got := r.compare(tc.items, set(tc.sealed), set(tc.opened))
			if got.Expected != tc.expected || got.Arrived != tc.arrived || !slices.Equal(got.Missing, tc.missing) || !slices.Equal(got.Unexpected, tc.unexpected) {
				t.Errorf("got %+v, want expected %d arrived %d missing %v unexpected %v", got, tc.expected, tc.arrived, tc.missing, tc.unexpected)
			}
		})
	}
}

func TestWarehouseReceiptOnScreen(t *testing.T) {
	var d deskFakes
	fx := newFixture(t, RoleWarehouse, LangEnglish, withDesks(&d))
	w := fx.u.ware
	w.counterparty.SetText(testCounterparty)
	fx.key(fyne.KeyF2)
	if w.rcptLabel.Visible() {
		t.Fatal("receipt shown before any unit's contents are known")
	}
	fx.scan(w.entry, rawSSCC) // the pallet, received sealed
	if !w.rcptLabel.Visible() || !strings.Contains(w.rcptLabel.Text, "4 expected · 4 arrived · 0 missing") {
		t.Fatalf("receipt %q (shown %v)", w.rcptLabel.Text, w.rcptLabel.Visible())
	}
	fx.key(fyne.KeyF7) // unpack mode: open the pallet
	fx.scan(w.entry, rawSSCC)
	if !strings.Contains(w.rcptLabel.Text, "4 expected · 0 arrived · 4 missing") {
		t.Errorf("after opening the pallet: %q", w.rcptLabel.Text)
	}
	if w.rcptLabel.Importance != widget.DangerImportance {
		t.Errorf("missing packs shown with importance %v, want danger", w.rcptLabel.Importance)
	}

	t.Run("a loose pack in transit to this site is expected, one elsewhere is not", func(t *testing.T) {
		var d deskFakes
		fx := newFixture(t, RoleWarehouse, LangEnglish, withDesks(&d))
		here := fx.ver.answers["ACTIVE1"]
		here.Status, here.Consignee = trace.PackInTransit, &trace.Party{MSP: "PharmacyMSP", GLN: testGLN}
		fx.ver.answers["ACTIVE1"] = here
		elsewhere := fx.ver.answers["MIS1"]
		elsewhere.Status, elsewhere.Consignee = trace.PackInTransit, &trace.Party{MSP: "OtherMSP", GLN: testCounterparty}
		fx.ver.answers["MIS1"] = elsewhere
		w := fx.u.ware
		w.counterparty.SetText(testCounterparty)
		fx.key(fyne.KeyF2)
		fx.scan(w.entry, rawActive)
		fx.scan(w.entry, rawMismatch)
		if !w.rcptLabel.Visible() || !strings.Contains(w.rcptLabel.Text, "1 expected · 1 arrived · 0 missing (in cases opened here) · 1 not shipped here") {
			t.Errorf("receipt %q (shown %v)", w.rcptLabel.Text, w.rcptLabel.Visible())
		}
	})
}

func TestCloneAlert(t *testing.T) {
	var d deskFakes
	fx := newFixture(t, RolePharmacist, LangEnglish, withDesks(&d))
	old := QueuedEvent{Event: trace.Event{ID: "old", Kind: trace.KindReceive, Time: testNow.Add(-time.Hour), SSCC: "340123450000000017", Location: testGLN},
		State: "rejected", Reason: "not-shipped", Message: "SSCC 340123450000000017 was not shipped to anyone"}
	d.refusals.refuse(old)
	fx.u.reportSync(SyncReport{})
	fx.settle()
	if got := d.notes.all(); len(got) != 1 || !strings.Contains(got[0], "1 event refused") {
		t.Fatalf("notifications %q: an earlier refusal not yet alerted is raised once", got)
	}
	d.refusals.refuse(QueuedEvent{Event: trace.Event{ID: "dup", Kind: trace.KindDispense, Time: testNow, GTIN: "09501101530003", Serial: "ACTIVE1",
		Location: testGLN}, State: "rejected", Reason: "already-dispensed", Message: "pack 09501101530003 serial ACTIVE1 was already dispensed at 4012345000016"})
	fx.u.reportSync(SyncReport{Done: 1, Total: 1})
	fx.settle()
	fx.u.reportSync(SyncReport{}) // nothing new: no second notification
	fx.settle()
	notes := d.notes.all()
	if len(notes) != 2 || !strings.Contains(notes[1], "Dispensed: 09501101530003 / ACTIVE1") || !strings.Contains(notes[1], "already dispensed") {
		t.Fatalf("notifications %q", notes)
	}
	b := fx.u.banner
	if !b.box.Visible() || !strings.Contains(b.seg.Text, "ACTIVE1") || !strings.Contains(b.seg.Text, "1 more refusal") {
		t.Errorf("banner shown %v: %q", b.box.Visible(), b.seg.Text)
	}
	kinds := []string{}
	for _, a := range d.alerts.all() {
		kinds = append(kinds, a.Kind)
	}
	if !slices.Equal(kinds, []string{AlertUnannounced, AlertDoubleDispense}) {
		t.Errorf("alert log %v", kinds)
	}
	b.dismiss(fx.u)
	if b.box.Visible() {
		t.Error("banner still shown after dismiss")
	}
	t.Run("in Chinese", func(t *testing.T) {
		var d deskFakes
		fx := newFixture(t, RolePharmacist, LangChinese, withDesks(&d))
		d.refusals.refuse(old)
		fx.u.reportSync(SyncReport{})
		fx.settle()
		if !strings.Contains(fx.u.banner.seg.Text, "账本拒绝了本机排队的事件") || !strings.Contains(d.notes.all()[0], "账本拒绝了 1 个事件") {
			t.Errorf("banner %q, notification %q", fx.u.banner.seg.Text, d.notes.all())
		}
	})
	t.Run("a failed write is tried again at the next report, a looked-at refusal is not written again", func(t *testing.T) {
		var d deskFakes
		fx := newFixture(t, RolePharmacist, LangEnglish, withDesks(&d))
		d.refusals.refuse(old)
		d.alerts.failNext = true
		fx.u.reportSync(SyncReport{})
		fx.settle()
		if n := d.notes.all(); len(n) != 0 || fx.u.banner.box.Visible() {
			t.Fatalf("raised %q although the alert could not be kept", n)
		}
		fx.u.reportSync(SyncReport{})
		fx.settle()
		fx.u.reportSync(SyncReport{})
		fx.settle()
		if n := d.notes.all(); len(n) != 1 || !fx.u.banner.box.Visible() {
			t.Fatalf("notifications %q: want the refusal raised once, after the retry", n)
		}
		d.alerts.mu.Lock()
		writes := d.alerts.writes
		d.alerts.mu.Unlock()
		if writes != 2 {
			t.Errorf("%d alert writes, want 2 (the failed one and the retry; none once looked at)", writes)
		}
	})
	t.Run("without an alert log, refusals before the start are not raised", func(t *testing.T) {
		var d deskFakes
		fx := newFixture(t, RolePharmacist, LangEnglish, withDesks(&d), func(c *Config) { c.Alerts = nil })
		d.refusals.refuse(old)
		fx.u.reportSync(SyncReport{})
		fx.settle()
		if n := d.notes.all(); len(n) != 0 {
			t.Fatalf("notified %q at start", n)
		}
		d.refusals.refuse(QueuedEvent{Event: trace.Event{ID: "new", Kind: trace.KindDispense, GTIN: "1", Serial: "2"}, Reason: "stolen"})
		fx.u.reportSync(SyncReport{})
		fx.settle()
		if n := d.notes.all(); len(n) != 1 {
			t.Fatalf("notifications %q, want the new refusal", n)
		}
	})
}

func TestScanAlertsLogged(t *testing.T) {
	var d deskFakes
	fx := newFixture(t, RolePharmacist, LangEnglish, withDesks(&d))
	for _, raw := range []string{rawActive, rawDispensed, rawUnknown, rawRecalled} {
		fx.scan(fx.u.pharm.entry, raw)
	}
	var kinds []string
	for _, a := range d.alerts.all() {
		kinds = append(kinds, a.Kind+"/"+a.Source)
	}
	want := []string{"double-dispense/scan", "unknown-serial/scan", "recalled-seen/scan"}
	if !slices.Equal(kinds, want) {
		t.Errorf("alerts %v, want %v", kinds, want)
	}
}

func TestRegulatorDesk(t *testing.T) {
	var d deskFakes
	fx := newFixture(t, RoleInspector, LangEnglish, withDesks(&d))
	if len(fx.u.screens) != 4 || fx.u.screens[1] != screen(fx.u.regulator) {
		t.Fatalf("inspector tabs: %d, the regulator's second", len(fx.u.screens))
	}
	d.alerts.alerts = []AlertRecord{
		{Time: testNow.Add(-48 * time.Hour), Kind: AlertStolenSeen, Code: "stolen", Source: "scan", GTIN: "09501101530003", Serial: "S1"},
		{Time: testNow.Add(-time.Hour), Kind: AlertDoubleDispense, Code: "already-dispensed", Source: "refusal", EventID: "e1",
			Event: trace.KindDispense, GTIN: "09501101530003", Serial: "S2", Place: testGLN, Message: "pack was already dispensed"},
	}
	fx.u.selectTab(1)
	fx.key(fyne.KeyF5)
	r := fx.u.regulator
	if len(r.members) != 2 || !strings.Contains(r.memberText(r.members[0]), "China product codes: 8123456") ||
		!strings.Contains(r.memberText(r.members[1]), "any location") {
		t.Errorf("members %+v", r.members)
	}
	if len(r.recalls) != 1 || r.recallStatus.Text != "1 recalled batch in the local copy" {
		t.Errorf("recalls %+v, %q", r.recalls, r.recallStatus.Text)
	}
	if len(r.alerts) != 2 || r.alertStatus.Text != "2 alerts" {
		t.Fatalf("alerts %d, %q", len(r.alerts), r.alertStatus.Text)
	}
	if line := r.alertLine(r.alerts[0]); !strings.Contains(line, "Double dispense · 09501101530003 / S2") || !strings.Contains(line, "refused by the ledger") {
		t.Errorf("line %q", line)
	}
	for _, tc := range []struct {
		name  string
		kind  int
		since int
		text  string
		want  int
	}{
		{"by kind", 1 + slices.Index(alertKinds(), AlertStolenSeen), len(alertPeriods()) - 1, "", 1},
		{"last day", 0, 0, "", 1},
		{"by serial", 0, len(alertPeriods()) - 1, "S1", 1},
		{"no match", 0, len(alertPeriods()) - 1, "nothing", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.kindSel.SetSelectedIndex(tc.kind)
			r.sinceSel.SetSelectedIndex(tc.since)
			r.text.SetText(tc.text)
			r.reloadAlerts()
			fx.settle()
			if len(r.alerts) != tc.want {
				t.Errorf("%d alerts, want %d", len(r.alerts), tc.want)
			}
		})
	}
	r.kindSel.SetSelectedIndex(0)
	r.sinceSel.SetSelectedIndex(len(alertPeriods()) - 1)
	r.text.SetText("")
	r.reloadAlerts()
	fx.settle()
	path := filepath.Join(t.TempDir(), "alerts.csv")
	if err := writeAlertsCSV(path, r.alerts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || strings.Join(rows[0], ",") != strings.Join(alertColumns(), ",") || rows[1][1] != AlertDoubleDispense || rows[1][5] != "e1" {
		t.Errorf("csv %q", rows)
	}
	t.Run("ledger unreachable", func(t *testing.T) {
		var d deskFakes
		fx := newFixture(t, RoleInspector, LangChinese, withDesks(&d), func(c *Config) {
			c.Consortium = fakeConsortium{err: ledger.ErrUnavailable}
		})
		if got := fx.u.regulator.memberStatus.Text; !strings.Contains(got, "无法连接账本") {
			t.Errorf("status %q: want the cause in Chinese", got)
		}
	})
}

// TestFindingsSurviveRestart records a finding through the inspector
// screen into a real store, builds a new screen over the store opened
// again, and sees the finding and the inspector's name.
func TestFindingsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	open := func() *station.Station {
		st, err := store.Open(ctx, dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return station.New(st, station.Options{})
	}
	st := open()
	fx := newFixture(t, RoleInspector, LangEnglish, func(c *Config) { c.Findings = st })
	s := fx.u.insp
	s.inspector.SetText("Li Wei")
	fx.scan(s.entry, rawRecalled)
	s.note.SetText("label torn")
	fx.key(fyne.KeyF2)
	if len(s.findings) != 1 || s.findings[0].ID == 0 {
		t.Fatalf("findings %+v: want one stored", s.findings)
	}
	if err := st.Store().Close(); err != nil {
		t.Fatal(err)
	}
	fx2 := newFixture(t, RoleInspector, LangEnglish, func(c *Config) { c.Findings = open() })
	got := fx2.u.insp.findings
	if len(got) != 1 || got[0].Note != "label torn" || got[0].Inspector != "Li Wei" || got[0].Code.Serial != "REC1" || got[0].Conformant ||
		got[0].Reason != ReasonRecalled || got[0].Verdict != "Recalled batch" {
		t.Fatalf("after restart: %+v", got)
	}
	if fx2.u.insp.summary.Text != "1 finding · 0 conformant · 1 not conformant" {
		t.Errorf("summary %q", fx2.u.insp.summary.Text)
	}
	t.Run("a store that fails keeps the finding on screen unsaved", func(t *testing.T) {
		fx := newFixture(t, RoleInspector, LangEnglish, func(c *Config) { c.Findings = failingFindings{} })
		fx.scan(fx.u.insp.entry, rawActive)
		fx.key(fyne.KeyF2)
		if len(fx.u.insp.findings) != 0 || fx.u.insp.recordBtn.Disabled() {
			t.Errorf("findings %d, record button disabled %v: want nothing recorded and the button back", len(fx.u.insp.findings), fx.u.insp.recordBtn.Disabled())
		}
	})
}

type failingFindings struct{}

func (failingFindings) SaveFinding(context.Context, Finding) (Finding, error) {
	return Finding{}, errors.New("disk is full")
}
func (failingFindings) Findings(context.Context, int) ([]Finding, error) { return nil, nil }

// TestReportNamesInspectorWithPhotos writes a PDF report of two findings,
// one with a photo, and finds the inspector's name (as the document's
// author and on the page) and exactly one embedded image in it.
func TestReportNamesInspectorWithPhotos(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "shelf.png")
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
		if i%4 == 3 {
			img.Pix[i] = 0xff // opaque: an alpha channel would add a soft mask image
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fs := []finding{
		{Time: testNow, Code: Code{GTIN: "09501101530003", Serial: "REC1", Batch: "R9"}, Reason: ReasonRecalled, Verdict: "Recalled batch",
			Note: "on the shelf", Photo: photo, Inspector: "Li Wei"},
		{Time: testNow, Code: Code{GTIN: "09501101530003", Serial: "ACTIVE1"}, Reason: ReasonActive, Verdict: "Authentic, active", Conformant: true},
	}
	labels := map[string]string{}
	for _, k := range reportLabelNames() {
		labels[k] = tr("report." + k)
	}
	path := filepath.Join(dir, "r.pdf")
	meta := reportMeta{Inspector: "Li Wei", Office: testGLN, Title: "Inspection report", Labels: labels}
	if err := writePDF(path, meta, fs, newFormatter(LangEnglish, time.UTC)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("/Subtype /Image")); n != 1 {
		t.Errorf("%d images in the PDF, want the one photo", n)
	}
	var author []byte
	for _, r := range "Li Wei" {
		author = append(author, 0, byte(r))
	}
	if !bytes.Contains(data, author) {
		t.Error("the PDF does not name the inspector as its author")
	}
	csvPath := filepath.Join(dir, "r.csv")
	if err := writeCSV(csvPath, fs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(must(os.ReadFile(csvPath)))).ReadAll()
	if err != nil || rows[0][len(rows[0])-2] != "inspector" || rows[1][len(rows[1])-2] != "Li Wei" || rows[1][13] != photo {
		t.Errorf("csv %q %v: want the inspector and the photo named", rows, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
