package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

// scenarioVerifyTimeout bounds a pharmacist's online verify in the
// scenario. The desktop's 2 s is what a pharmacist waits; a shared 2-core
// machine running `make test` is slower, and an answer from the local copy
// here would not be the online answer this chain asserts.
const scenarioVerifyTimeout = 30 * time.Second

// site is one organisation's workstation in the scenario: its own store in
// a temporary folder and a station over it, connected to the network as
// the site's identity of the connection profile.
type site struct {
	identity string // the profile identity: manufacturer, distributor, pharmacy, regulator
	gln      string
	msp      string
	ws       *station.Station
	recorded int // events the ledger recorded from this site so far
}

// scenario is the supply chain through the desks on the real network.
type scenario struct {
	ctx     context.Context
	profile string
	p       *ledger.Profile
	reader  *ledger.Client // asks the ledger after each step
	sites   map[string]*site
}

// newSite opens a real store for identity and connects a station over it
// to the network, as main does for a desk (station.Source with the
// profile and the desk's identity).
func (sc *scenario) newSite(t *testing.T, identity string) *site {
	t.Helper()
	st, err := store.Open(sc.ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatalf("%s's store: %v", identity, err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("%s's store: close: %v", identity, err)
		}
	})
	ws := station.New(st, station.Options{VerifyTimeout: scenarioVerifyTimeout, Identity: identity}) // signs what the site queues
	if err := ws.Connect(sc.ctx, station.Source{Profile: sc.profile, Identity: identity}); err != nil {
		t.Fatalf("%s's station: %v", identity, err)
	}
	t.Cleanup(ws.Disconnect) // before the store closes (cleanups run last first)
	id, ok := sc.p.Identities[identity]
	if !ok || sc.p.GLNs[identity] == "" {
		t.Fatalf("the profile %s has no identity or GLN %q", sc.profile, identity)
	}
	return &site{identity: identity, gln: sc.p.GLNs[identity], msp: id.MSPID, ws: ws}
}

// desk opens the desk of role wired to s exactly as main wires the app
// (one station as every port, the real parser), at s's GLN, with the real
// clock. The desk lives until the scenario ends.
func (sc *scenario) desk(t *testing.T, role string, s *site) *fixture {
	t.Helper()
	return newFixture(t, role, LangEnglish, func(c *Config) {
		c.Use(s.ws)
		c.Parser = station.Parser{}
		c.Now, c.Location = time.Now, time.UTC
		// newFixture's app is the current one while it applies this.
		fyne.CurrentApp().Preferences().SetString(prefLocation, s.gln)
	})
}

// sync drains s's queue to the ledger, the sync engine reporting to the
// desk as it does in the app, and checks that the ledger recorded the n
// events the step queued and refused none, and that the desk's Queue
// screen says so.
func (sc *scenario) sync(t *testing.T, fx *fixture, s *site, n int) {
	t.Helper()
	rep, err := s.ws.Drain(sc.ctx, fx.u.reportSync)
	fx.settle()
	if err != nil {
		t.Fatalf("sync as %s: %v", s.identity, err)
	}
	if rep.Err != nil || rep.Pending != 0 {
		t.Fatalf("sync as %s: %d events still pending (%v)", s.identity, rep.Pending, rep.Err)
	}
	s.recorded += n
	c, err := s.ws.Counts(sc.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (station.QueueCounts{Recorded: s.recorded}); c != want {
		evs, _ := s.ws.Events(sc.ctx, 50)
		var lines []string
		for _, e := range evs {
			if e.State != "recorded" {
				lines = append(lines, fmt.Sprintf("%s %s %s%s: %s %s", e.State, e.Event.Kind, e.Event.GTIN, e.Event.SSCC, e.Reason, e.Message))
			}
		}
		t.Fatalf("%s's queue after sync: %+v, want %+v; not recorded: %s", s.identity, c, want, strings.Join(lines, "; "))
	}
	q := fx.u.queue
	q.shown()
	fx.settle()
	shown := map[string]string{}
	for k, v := range q.counts {
		shown[k] = v.Text
	}
	want := map[string]string{"pending": "0", "inflight": "0", "recorded": fmt.Sprint(s.recorded), "rejected": "0"}
	for k, v := range want {
		if shown[k] != v {
			t.Errorf("Queue screen: %s shows %q, want %q", k, shown[k], v)
		}
	}
	// A round that sent nothing leaves no time of success, so "No sync
	// yet." is all a desk can say then; never that anything waits or was
	// rejected.
	if !strings.HasPrefix(q.state.Text, "Up to date.") && (n > 0 || q.state.Text != "No sync yet.") {
		t.Errorf("Queue screen says %q, want \"Up to date. ...\"", q.state.Text)
	}
}

// packWant is what the ledger must say about a pack.
type packWant struct {
	status    trace.PackStatus
	holder    *site // who holds it, and where
	consignee *site // while in transit
}

// checkPacks asks the ledger about each pack (GTIN, serial, as printed
// with its batch and expiry).
func (sc *scenario) checkPacks(t *testing.T, gtin, batch, expiry string, serials []string, want packWant) {
	t.Helper()
	for _, ser := range serials {
		v, err := sc.reader.Verify(sc.ctx, gtin, ser, batch, expiry)
		if err != nil {
			t.Fatalf("ledger: verify %s/%s: %v", gtin, ser, err)
		}
		if v.Status != want.status {
			t.Errorf("ledger: %s/%s is %s, want %s (alerts %+v)", gtin, ser, v.Status, want.status, v.Alerts)
		}
		if h := (trace.Party{MSP: want.holder.msp, GLN: want.holder.gln}); v.Holder == nil || *v.Holder != h {
			t.Errorf("ledger: %s/%s held by %v, want %v", gtin, ser, v.Holder, h)
		}
		switch {
		case want.consignee == nil && v.Consignee != nil:
			t.Errorf("ledger: %s/%s has consignee %v, want none", gtin, ser, *v.Consignee)
		case want.consignee != nil:
			if cn := (trace.Party{MSP: want.consignee.msp, GLN: want.consignee.gln}); v.Consignee == nil || *v.Consignee != cn {
				t.Errorf("ledger: %s/%s consigned to %v, want %v", gtin, ser, v.Consignee, cn)
			}
		}
	}
}

// unitWant is what the ledger must say a case or pallet holds.
type unitWant struct {
	status trace.PackStatus
	packs  []string   // serials of the packs directly inside
	units  []unitWant // cases inside, with their SSCCs
	sscc   string
}

// checkUnit asks the ledger what an SSCC holds.
func (sc *scenario) checkUnit(t *testing.T, want unitWant) {
	t.Helper()
	got, err := sc.reader.Contents(sc.ctx, want.sscc)
	if err != nil {
		t.Fatalf("ledger: contents of %s: %v", want.sscc, err)
	}
	compareUnit(t, got, want)
}

func compareUnit(t *testing.T, got trace.Contents, want unitWant) {
	t.Helper()
	if got.SSCC != want.sscc || got.Status != want.status {
		t.Errorf("ledger: SSCC %s is %s, want %s %s", got.SSCC, got.Status, want.sscc, want.status)
	}
	var serials []string
	for _, p := range got.Packs {
		serials = append(serials, p.Serial)
		if p.Status != want.status {
			t.Errorf("ledger: in %s, pack %s is %s, want %s", want.sscc, p.Serial, p.Status, want.status)
		}
	}
	slices.Sort(serials)
	ws := slices.Sorted(slices.Values(want.packs))
	if !slices.Equal(serials, ws) {
		t.Errorf("ledger: SSCC %s holds packs %v, want %v", want.sscc, serials, ws)
	}
	if len(got.Units) != len(want.units) {
		t.Fatalf("ledger: SSCC %s holds %d cases, want %d: %+v", want.sscc, len(got.Units), len(want.units), got.Units)
	}
	for i := range want.units {
		compareUnit(t, got.Units[i], want.units[i])
	}
}

// TestRoleScenarios runs the whole supply chain through the desks' screens
// on the real network (issue 11): each site has its own store and station,
// signed as its own identity, wired into its desk as main wires the app.
// The manufacturer's desk commissions three packs and ships them to the
// distributor; the distributor's warehouse desk receives them, packs two
// into a case and the case and the third pack into a pallet, and ships the
// pallet to the pharmacy; the pharmacy's warehouse desk receives the
// pallet; its pharmacist desk verifies a pack (green, online), dispenses,
// undoes, and dispenses again, and reads the pack's history; the
// inspector's desk downloads the snapshot, checks the pallet's packs and
// the pallet with its contents offline and records a finding that syncs
// back. After every step the site
// syncs, nothing is refused, and the ledger's state is read back through a
// client. Last, an event the ledger refuses shows on the Queue screen as
// refused, never "Up to date".
func TestRoleScenarios(t *testing.T) {
	n, p, clients := networktest.ClientsForTest(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	sc := &scenario{ctx: ctx, profile: n.ProfilePath, p: p, reader: clients["regulator"]}
	if sc.reader == nil {
		t.Fatalf("the profile %s has no regulator identity", n.ProfilePath)
	}
	man, dist := sc.newSite(t, "manufacturer"), sc.newSite(t, "distributor")
	phar, reg := sc.newSite(t, "pharmacy"), sc.newSite(t, "regulator")

	// This run's product, batch and SSCCs, under the manufacturer's
	// company prefix (the serials are the desk's, random).
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	run := strings.ToUpper(hex.EncodeToString(b))
	prefix := p.CompanyPrefixes["manufacturer"][0]
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 782))
	batch, expiry := "S"+run, time.Now().UTC().AddDate(3, 0, 0).Format(time.DateOnly)
	ssccOf := func(ref int) string { // extension 3, prefix, the run, ref, check digit
		width := 16 - len(prefix)
		mod := 1
		for range width - 1 {
			mod *= 10
		}
		r := (int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])) % mod
		return gs1.AppendCheckDigit("3" + prefix + fmt.Sprintf("%0*d", width, r*10+ref))
	}
	caseSSCC, palletSSCC := ssccOf(1), ssccOf(2)

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow() // each step builds on the one before
		}
	}
	var serials []string // as the manufacturer's desk generated them
	var labels []string  // the codes on the packs' labels (GS1 element strings)

	manDesk := sc.desk(t, RoleManufacturer, man)
	m := manDesk.u.manu
	step("manufacturer commissions 3 packs", func(t *testing.T) {
		m.gtin.SetText(gtin)
		m.batch.SetText(batch)
		m.expiry.SetText(expiry)
		m.count.SetText("3")
		manDesk.key(fyne.KeyF9)
		if m.last == nil || len(m.last.serials) != 3 {
			t.Fatalf("the desk says %q; commissioned %+v", m.result.Text, m.last)
		}
		if want := "3 packs of GTIN " + gtin; !strings.Contains(m.result.Text, want) {
			t.Errorf("the desk says %q, want it to name %q", m.result.Text, want)
		}
		serials = m.last.serials
		for _, c := range m.last.labelCodes() {
			labels = append(labels, string(c))
		}
		sc.sync(t, manDesk, man, 3)
		sc.checkPacks(t, gtin, batch, expiry, serials, packWant{status: trace.PackActive, holder: man})
	})
	step("manufacturer ships them to the distributor", func(t *testing.T) {
		manDesk.key(fyne.KeyF3)
		m.counterparty.SetText(dist.gln)
		manDesk.key(fyne.KeyF6) // the packs commissioned last
		if len(m.shipItems) != 3 {
			t.Fatalf("%d items on the shipment, want the 3 commissioned", len(m.shipItems))
		}
		manDesk.key(fyne.KeyF9)
		if want := "3 items queued as shipped to " + dist.gln; !strings.Contains(m.result.Text, want) {
			t.Errorf("the desk says %q, want %q", m.result.Text, want)
		}
		sc.sync(t, manDesk, man, 3)
		sc.checkPacks(t, gtin, batch, expiry, serials, packWant{status: trace.PackInTransit, holder: man, consignee: dist})
	})

	distDesk := sc.desk(t, RoleWarehouse, dist)
	w := distDesk.u.ware
	step("distributor receives the packs", func(t *testing.T) {
		w.counterparty.SetText(man.gln)
		distDesk.key(fyne.KeyF2)
		if w.sess == nil {
			t.Fatal("the receiving session did not start")
		}
		for _, l := range labels {
			distDesk.scan(w.entry, l)
		}
		checkWarehouseCounts(t, w, map[string]string{"packs": "3", "cases": "0", "duplicates": "0", "unexpected": "0"})
		checkReceipt(t, w, "3 expected · 3 arrived · 0 missing (in cases opened here) · 0 not shipped here")
		closeWarehouse(t, distDesk, w)
		sc.sync(t, distDesk, dist, 3)
		sc.checkPacks(t, gtin, batch, expiry, serials, packWant{status: trace.PackActive, holder: dist})
	})
	step("distributor packs a case and a pallet and ships the pallet to the pharmacy", func(t *testing.T) {
		w.kindRadio.SetSelected(w.kindRadio.Options[1]) // ship
		w.counterparty.SetText(phar.gln)
		distDesk.key(fyne.KeyF2)
		if w.sess == nil || w.sess.Kind != trace.KindShip {
			t.Fatal("the shipping session did not start")
		}
		distDesk.key(fyne.KeyF6) // pack mode: the SSCC first, then what goes in
		distDesk.scan(w.entry, "00"+caseSSCC)
		distDesk.scan(w.entry, labels[0])
		distDesk.scan(w.entry, labels[1])
		distDesk.key(fyne.KeyF8)
		distDesk.scan(w.entry, "00"+palletSSCC)
		distDesk.scan(w.entry, "00"+caseSSCC)
		distDesk.scan(w.entry, labels[2])
		distDesk.key(fyne.KeyF8)
		if len(w.warnings) != 0 {
			t.Fatalf("the desk warns: %q", w.warnings)
		}
		checkWarehouseCounts(t, w, map[string]string{"packs": "3", "cases": "2", "aggregations": "2", "duplicates": "0", "unexpected": "0"})
		closeWarehouse(t, distDesk, w)
		sc.sync(t, distDesk, dist, 3) // pack the case, pack the pallet, ship the pallet
		sc.checkPacks(t, gtin, batch, expiry, serials, packWant{status: trace.PackInTransit, holder: dist, consignee: phar})
		sc.checkUnit(t, unitWant{sscc: palletSSCC, status: trace.PackInTransit, packs: serials[2:],
			units: []unitWant{{sscc: caseSSCC, status: trace.PackInTransit, packs: serials[:2]}}})
	})

	pharIn := sc.desk(t, RoleWarehouse, phar)
	pw := pharIn.u.ware
	step("pharmacy receives the pallet", func(t *testing.T) {
		pw.counterparty.SetText(dist.gln)
		pharIn.key(fyne.KeyF2)
		if pw.sess == nil || pw.sess.Kind != trace.KindReceive {
			t.Fatal("the receiving session did not start")
		}
		pharIn.scan(pw.entry, "00"+palletSSCC)
		checkWarehouseCounts(t, pw, map[string]string{"cases": "1", "packs": "0", "duplicates": "0", "unexpected": "0"})
		// The pallet holds the case and three packs: four items expected.
		checkReceipt(t, pw, "4 expected · 4 arrived · 0 missing (in cases opened here) · 0 not shipped here")
		closeWarehouse(t, pharIn, pw)
		sc.sync(t, pharIn, phar, 1)
		sc.checkPacks(t, gtin, batch, expiry, serials, packWant{status: trace.PackActive, holder: phar})
		sc.checkUnit(t, unitWant{sscc: palletSSCC, status: trace.PackActive, packs: serials[2:],
			units: []unitWant{{sscc: caseSSCC, status: trace.PackActive, packs: serials[:2]}}})
	})

	// A dispensed pack leaves its case on the ledger, and an undone
	// dispense puts it back on the shelf, not into the case.
	opened := unitWant{sscc: palletSSCC, status: trace.PackActive, packs: serials[2:],
		units: []unitWant{{sscc: caseSSCC, status: trace.PackActive, packs: serials[1:2]}}}
	pharDesk := sc.desk(t, RolePharmacist, phar)
	ph := pharDesk.u.pharm
	verifyGreen := func(t *testing.T) {
		t.Helper()
		pharDesk.scan(ph.entry, labels[0])
		v := ph.verdict
		if v.current.Level != LevelOK || v.current.Reason != ReasonActive || v.current.Offline {
			t.Fatalf("verdict %v/%s offline=%v (%s; %v), want green from the ledger", v.current.Level, v.current.Reason,
				v.current.Offline, v.current.Detail, v.current.Err)
		}
		if v.title.Text != "Authentic, active" || !strings.HasPrefix(v.badge.Text, "Checked on the ledger, as of ") {
			t.Errorf("the band says %q, badge %q", v.title.Text, v.badge.Text)
		}
		if ph.dispenseBtn.Disabled() {
			t.Error("Dispense is disabled for a green pack")
		}
	}
	step("pharmacist verifies a pack: green, answered online", func(t *testing.T) {
		verifyGreen(t)
		sc.sync(t, pharDesk, phar, 0)
	})
	step("pharmacist dispenses it", func(t *testing.T) {
		pharDesk.key(fyne.KeyF2)
		if ph.verdict.title.Text != "Dispensed — queued for the ledger" {
			t.Fatalf("the band says %q", ph.verdict.title.Text)
		}
		sc.sync(t, pharDesk, phar, 1)
		sc.checkPacks(t, gtin, batch, expiry, serials[:1], packWant{status: trace.PackDispensed, holder: phar})
		sc.checkPacks(t, gtin, batch, expiry, serials[1:], packWant{status: trace.PackActive, holder: phar})
		sc.checkUnit(t, opened)
	})
	step("pharmacist undoes the dispense", func(t *testing.T) {
		if ph.undoBtn.Disabled() {
			t.Fatal("Undo is disabled right after a dispense")
		}
		pharDesk.key(fyne.KeyF3)
		if ph.verdict.title.Text != "Dispense undone — queued for the ledger" {
			t.Fatalf("the band says %q", ph.verdict.title.Text)
		}
		sc.sync(t, pharDesk, phar, 1)
		sc.checkPacks(t, gtin, batch, expiry, serials, packWant{status: trace.PackActive, holder: phar})
		sc.checkUnit(t, opened)
	})
	step("pharmacist verifies and dispenses it again", func(t *testing.T) {
		verifyGreen(t)
		pharDesk.key(fyne.KeyF2)
		if ph.verdict.title.Text != "Dispensed — queued for the ledger" {
			t.Fatalf("the band says %q", ph.verdict.title.Text)
		}
		sc.sync(t, pharDesk, phar, 1)
		sc.checkPacks(t, gtin, batch, expiry, serials[:1], packWant{status: trace.PackDispensed, holder: phar})
		sc.checkUnit(t, opened)
	})
	step("pharmacist checks the pallet on the ledger: the packs still in it", func(t *testing.T) {
		pharDesk.scan(ph.entry, "00"+palletSSCC)
		v := ph.verdict
		if v.current.Level != LevelOK || v.current.Reason != ReasonUnitOK || v.current.Unit == nil {
			t.Fatalf("verdict %v/%s (%v), want a pallet of active packs", v.current.Level, v.current.Reason, v.current.Err)
		}
		compareUnit(t, v.current.Unit.Contents, opened)
		if lines := v.lines[0].Text + "|" + v.lines[1].Text + "|" + v.lines[2].Text; !strings.Contains(lines, "2 packs inside, 2 active") {
			t.Errorf("the band's lines %q, want the 2 packs still inside", lines)
		}
		if !ph.dispenseBtn.Disabled() {
			t.Error("Dispense is enabled for a pallet")
		}
	})
	step("pharmacist reads the pack's history from the ledger", func(t *testing.T) {
		pharDesk.scan(ph.entry, labels[0]) // red now: already dispensed, here
		if v := ph.verdict.current; v.Level != LevelBad || v.Reason != ReasonDispensed || v.Place != phar.gln {
			t.Fatalf("verdict %v/%s at %q, want already dispensed at %s", v.Level, v.Reason, v.Place, phar.gln)
		}
		pharDesk.key(fyne.KeyF4)
		var kinds []string
		for _, h := range ph.historyItems {
			kinds = append(kinds, string(h.Kind))
			if h.Pending || h.TxID == "" {
				t.Errorf("history entry %+v is not on the ledger", h)
			}
		}
		got := strings.Join(kinds, " ")
		if !strings.HasPrefix(got, "commission ship receive") || !strings.HasSuffix(got, "receive dispense undo-dispense dispense") {
			t.Errorf("history %q (%s), want commission ship receive ... receive dispense undo-dispense dispense", got, ph.historyTitle.Text)
		}
	})

	inspDesk := sc.desk(t, RoleInspector, reg)
	in := inspDesk.u.insp
	step("inspector downloads the snapshot", func(t *testing.T) {
		inspDesk.key(fyne.KeyF7)
		if in.snap.Block == 0 || in.snap.Packs < 3 {
			t.Fatalf("snapshot %+v; the desk says %q", in.snap, in.snapLabel.Text)
		}
		if !strings.Contains(in.snapLabel.Text, " "+inspDesk.u.f.number(in.snap.Packs)+" packs") {
			t.Errorf("the desk says %q, want the %d packs named", in.snapLabel.Text, in.snap.Packs)
		}
		sc.sync(t, inspDesk, reg, 0)
	})
	reg.ws.Disconnect() // in the field: only the local copy answers
	step("inspector checks the pallet's packs offline", func(t *testing.T) {
		tests := []struct {
			name   string
			label  string
			level  Level
			reason string
			title  string
		}{
			{"the dispensed pack", labels[0], LevelBad, ReasonDispensed, "Already dispensed"},
			{"the case's other pack", labels[1], LevelOK, ReasonActive, "Authentic, active"},
			{"the pallet's loose pack", labels[2], LevelOK, ReasonActive, "Authentic, active"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				inspDesk.scan(in.entry, tc.label)
				v := in.verdict
				if v.current.Level != tc.level || v.current.Reason != tc.reason {
					t.Fatalf("verdict %v/%s (%s; %v), want %v/%s", v.current.Level, v.current.Reason, v.current.Detail,
						v.current.Err, tc.level, tc.reason)
				}
				if !v.current.Offline || v.current.Block < in.snap.Block {
					t.Errorf("answered offline=%v as of block %d, want the local copy of block %d", v.current.Offline,
						v.current.Block, in.snap.Block)
				}
				if v.title.Text != tc.title || !strings.HasPrefix(v.badge.Text, "OFFLINE — as of ") {
					t.Errorf("the band says %q, badge %q", v.title.Text, v.badge.Text)
				}
			})
		}
		// The local copy keeps the pallet too: offline it verifies with its
		// contents (the case with the other pack, and the loose pack), as
		// the ledger has them, as of the copy's block.
		t.Run("the pallet itself", func(t *testing.T) {
			inspDesk.scan(in.entry, "00"+palletSSCC)
			v := in.verdict
			if v.current.Level != LevelOK || v.current.Reason != ReasonUnitOK || v.current.Unit == nil {
				t.Fatalf("verdict %v/%s (%v), want a pallet of active packs from the local copy", v.current.Level, v.current.Reason, v.current.Err)
			}
			compareUnit(t, v.current.Unit.Contents, opened)
			if !v.current.Offline || v.current.Block < in.snap.Block || !strings.HasPrefix(v.badge.Text, "OFFLINE — as of ") {
				t.Errorf("answered offline=%v as of block %d (badge %q), want the local copy of block %d", v.current.Offline,
					v.current.Block, v.badge.Text, in.snap.Block)
			}
			if lines := v.lines[0].Text + "|" + v.lines[1].Text + "|" + v.lines[2].Text; !strings.Contains(lines, "2 packs inside, 2 active") {
				t.Errorf("the band's lines %q, want the 2 packs still inside", lines)
			}
		})
	})
	step("inspector records the dispensed pack and syncs back at the office", func(t *testing.T) {
		inspDesk.scan(in.entry, labels[0])
		if in.conformant.Selected != in.conformant.Options[1] {
			t.Fatalf("a dispensed pack is preselected %q, want non-conformant", in.conformant.Selected)
		}
		in.note.SetText("found on a shelf after dispensing")
		inspDesk.key(fyne.KeyF2)
		if len(in.findings) != 1 || in.findings[0].EventID == "" {
			t.Fatalf("findings %+v, want one with its inspect event queued", in.findings)
		}
		if err := reg.ws.Connect(sc.ctx, station.Source{Profile: sc.profile, Identity: reg.identity}); err != nil {
			t.Fatal(err)
		}
		sc.sync(t, inspDesk, reg, 1)
		hs, err := sc.reader.History(sc.ctx, gtin, serials[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) == 0 {
			t.Fatal("the ledger has no history of the pack")
		}
		if last := hs[len(hs)-1]; last.Kind != trace.KindInspect || last.EventID != in.findings[0].EventID || last.Place != reg.gln {
			t.Fatalf("the ledger's last event of the pack is %s %s at %s, want the inspection %s at %s", last.Kind, last.EventID,
				last.Place, in.findings[0].EventID, reg.gln)
		}
		sc.checkPacks(t, gtin, batch, expiry, serials[:1], packWant{status: trace.PackDispensed, holder: phar})
	})
	// The first symptom: the Queue screen said "Up to date" beside
	// rejected events. The manufacturer ships a pack the pharmacy holds.
	step("a refused event is shown as refused, never up to date", func(t *testing.T) {
		manDesk.key(fyne.KeyF3)
		m.counterparty.SetText(dist.gln)
		manDesk.scan(m.shipEntry, labels[1])
		manDesk.key(fyne.KeyF9)
		if _, err := man.ws.Drain(sc.ctx, manDesk.u.reportSync); err != nil {
			t.Fatal(err)
		}
		manDesk.settle()
		c, err := man.ws.Counts(sc.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := (station.QueueCounts{Recorded: man.recorded, Rejected: 1}); c != want {
			t.Fatalf("the manufacturer's queue: %+v, want %+v", c, want)
		}
		q := manDesk.u.queue
		q.shown()
		manDesk.settle()
		if q.counts["rejected"].Text != "1" || strings.Contains(q.state.Text, "Up to date") ||
			!strings.Contains(q.state.Text, "1 rejected by the ledger") {
			t.Errorf("Queue screen: %s rejected, %q", q.counts["rejected"].Text, q.state.Text)
		}
		if len(q.events) == 0 {
			t.Fatal("the Queue screen lists no events")
		}
		if e := q.events[0]; e.State != "rejected" || e.Reason != trace.ReasonNotHolder {
			t.Errorf("the newest event listed is %s (%s: %s), want the ship refused with %s", e.State, e.Reason, e.Message, trace.ReasonNotHolder)
		}
		sc.checkPacks(t, gtin, batch, expiry, serials[1:2], packWant{status: trace.PackActive, holder: phar})
	})
	// The regulator's alert list holds what the ledger keeps: a pharmacy's
	// double dispense queued offline and refused when synced is reported
	// by its station, and the regulator's desk lists it from the ledger.
	var again trace.Event
	step("the pharmacy's refused offline double dispense reaches the regulator's alert list", func(t *testing.T) {
		again = trace.Event{Kind: trace.KindDispense, Time: time.Now().UTC(), Location: phar.gln, GTIN: gtin, Serial: serials[0]}.WithContentID()
		if err := phar.ws.Enqueue(sc.ctx, again); err != nil {
			t.Fatal(err)
		}
		if _, err := phar.ws.Drain(sc.ctx, pharDesk.u.reportSync); err != nil {
			t.Fatal(err)
		}
		pharDesk.settle() // the desk raises the clone alert, queued for the ledger with it
		if n := len(pharDesk.u.refused); n == 0 || pharDesk.u.refused[n-1].EventID != again.ID {
			t.Fatalf("the pharmacy's desk raised %+v, want the refused dispense %s", pharDesk.u.refused, again.ID)
		}
		if _, err := phar.ws.Drain(sc.ctx, pharDesk.u.reportSync); err != nil { // sends the alert report
			t.Fatal(err)
		}
		inspDesk.u.selectTab(1)
		inspDesk.key(fyne.KeyF5)
		inspDesk.settle()
		r := inspDesk.u.regulator
		i := slices.IndexFunc(r.alerts, func(a AlertRecord) bool { return a.EventID == again.ID })
		if i < 0 {
			t.Fatalf("the regulator's list (%q) lacks the pharmacy's double dispense %s", r.alertStatus.Text, again.ID)
		}
		if a := r.alerts[i]; a.Source != station.SourceLedger || a.By != phar.msp || a.Kind != AlertDoubleDispense || a.Place != phar.gln {
			t.Errorf("the alert listed %+v, want the ledger's double dispense reported by %s at %s", a, phar.msp, phar.gln)
		}
		if line := r.alertLine(r.alerts[i]); !strings.Contains(line, "reported to the ledger by "+phar.msp) {
			t.Errorf("the line %q does not say who reported it", line)
		}
	})
	// refreshRegulator downloads the inspector's copy again and reloads
	// the regulator's tab.
	refreshRegulator := func() {
		inspDesk.u.selectTab(0)
		inspDesk.key(fyne.KeyF7)
		inspDesk.settle()
		inspDesk.u.selectTab(1)
		inspDesk.key(fyne.KeyF5)
		inspDesk.settle()
	}
	step("the regulator withdraws the manufacturer's recall of the batch", func(t *testing.T) {
		manDesk.u.selectTab(0)
		manDesk.key(fyne.KeyF4)
		m.recallGTIN.SetText(gtin)
		m.recallBatch.SetText(batch)
		m.recallReason.SetText("sterility in doubt")
		manDesk.key(fyne.KeyF9)
		manDesk.key(fyne.KeyReturn)
		if _, err := man.ws.Drain(sc.ctx, manDesk.u.reportSync); err != nil {
			t.Fatal(err)
		}
		manDesk.settle()
		if v, err := sc.reader.Verify(sc.ctx, gtin, serials[1], "", ""); err != nil || v.Status != trace.PackRecalled {
			t.Fatalf("after the recall: %+v %v", v, err)
		}
		// The regulator's copy learns the recall; its desk lists the order.
		refreshRegulator()
		r := inspDesk.u.regulator
		i := slices.IndexFunc(r.recalls, func(o RecallOrder) bool { return o.GTIN == gtin && o.Batch == batch })
		if i < 0 {
			t.Fatalf("recall orders %+v (%q): the batch's is not listed", r.recalls, r.recallStatus.Text)
		}
		r.recallList.Select(i)
		r.withdrawRecall()
		if r.withdrawal == nil {
			t.Fatal("no confirmation asked")
		}
		r.withdrawal.reason.SetText("laboratory tests passed")
		r.withdrawal.answer(true)
		inspDesk.settle()
		sc.sync(t, inspDesk, reg, 1)
		for _, ser := range serials[1:] {
			if v, err := sc.reader.Verify(sc.ctx, gtin, ser, "", ""); err != nil || v.Status != trace.PackActive || len(v.Alerts) != 0 {
				t.Errorf("pack %s after the withdrawal: %+v %v, want active as before the recall", ser, v, err)
			}
		}
		hs, err := sc.reader.History(sc.ctx, gtin, serials[1])
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, h := range hs {
			kinds = append(kinds, string(h.Kind))
		}
		if got := strings.Join(kinds, " "); !strings.HasSuffix(got, "recall withdraw-recall") {
			t.Errorf("history %q: want the recall and its withdrawal last", got)
		}
		// Downloaded again, the regulator's copy no longer holds the recall.
		refreshRegulator()
		if slices.ContainsFunc(r.recalls, func(o RecallOrder) bool { return o.GTIN == gtin && o.Batch == batch }) {
			t.Errorf("the withdrawn recall is still listed: %+v", r.recalls)
		}
	})
}

// checkWarehouseCounts compares the counters the warehouse desk shows.
func checkWarehouseCounts(t *testing.T, w *warehouseScreen, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := w.counts[k].Text; got != v {
			t.Errorf("the desk shows %s = %q, want %q (warnings %q)", k, got, v, w.warnings)
		}
	}
}

// checkReceipt compares the receiving session's count against what the
// ledger says was shipped here (the desk asks it as each unit or pack is
// scanned).
func checkReceipt(t *testing.T, w *warehouseScreen, want string) {
	t.Helper()
	if !w.rcptLabel.Visible() || !strings.HasSuffix(w.rcptLabel.Text, want) {
		t.Errorf("the receipt says %q (shown %v), want it to end %q; warnings %q", w.rcptLabel.Text, w.rcptLabel.Visible(), want, w.warnings)
	}
}

// closeWarehouse closes the session (F9) and checks its events are queued.
func closeWarehouse(t *testing.T, fx *fixture, w *warehouseScreen) {
	t.Helper()
	fx.key(fyne.KeyF9)
	if w.sess != nil {
		t.Fatal("the session is still open after F9: its events were not queued")
	}
}
