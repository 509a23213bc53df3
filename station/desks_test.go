package station

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// TestRefused queues three dispenses, has the ledger refuse two of them
// (as the sync engine records it) and lists the refusals newest first.
func TestRefused(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	for i, raw := range []string{packRaw, otherRaw, "]d201" + gtin + "1727123110B1\x1d21PACK3"} {
		ev := Parse([]byte(raw), 0).Event(trace.KindDispense, testNow.Add(time.Duration(i)*time.Minute), site)
		if err := s.Enqueue(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Store()
	refuse := func(reason string) {
		c, err := st.ClaimBatch(ctx, 1, time.Minute)
		if err != nil || len(c.Events) != 1 {
			t.Fatalf("claim: %+v %v", c, err)
		}
		if err := st.Reject(ctx, c.ID, reason, "refused: "+reason); err != nil {
			t.Fatal(err)
		}
	}
	refuse(trace.ReasonAlreadyDispensed)
	refuse(trace.ReasonStolen)
	for _, tc := range []struct {
		name  string
		limit int
		want  []string // serials
	}{
		{"all, newest first", 10, []string{"PACK2", "PACK1"}},
		{"limited to the newest", 1, []string{"PACK2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Refused(ctx, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var serials []string
			for _, q := range got {
				serials = append(serials, q.Event.Serial)
				if q.State != string(store.StateRejected) || q.Reason == "" {
					t.Errorf("%s: state %q reason %q", q.Event.Serial, q.State, q.Reason)
				}
			}
			if len(serials) != len(tc.want) || serials[0] != tc.want[0] || len(serials) > 1 && serials[1] != tc.want[1] {
				t.Errorf("refused %v, want %v", serials, tc.want)
			}
		})
	}
}

func TestDeskRecords(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	f, err := s.SaveFinding(ctx, Finding{Time: testNow, Inspector: "Li Wei", GTIN: gtin, Serial: "PACK1", Reason: "recalled-batch", Note: "torn"})
	if err != nil || f.ID == 0 {
		t.Fatalf("SaveFinding = %+v, %v", f, err)
	}
	fs, err := s.Findings(ctx, 0)
	if err != nil || len(fs) != 1 || fs[0].Inspector != "Li Wei" || fs[0].Note != "torn" {
		t.Fatalf("Findings = %+v, %v", fs, err)
	}
	a := AlertRecord{Time: testNow, Kind: "double-dispense", Code: trace.ReasonAlreadyDispensed, Source: "refusal", EventID: "e1",
		Event: trace.KindDispense, GTIN: gtin, Serial: "PACK1", Place: site}
	for i, want := range []bool{true, false} {
		added, err := s.RecordAlert(ctx, a)
		if err != nil || added != want {
			t.Fatalf("RecordAlert #%d = %v, %v; want %v", i+1, added, err, want)
		}
	}
	as, err := s.Alerts(ctx, AlertFilter{Text: "PACK1"})
	if err != nil || len(as) != 1 || as[0].EventID != "e1" || as[0].Event != trace.KindDispense || as[0].ID == 0 {
		t.Fatalf("Alerts = %+v, %v", as, err)
	}
	if _, err := s.Store().ApplyChanges(ctx, store.Changes{Block: 5, Time: testNow,
		Recalls: []store.RecallCopy{{GTIN: gtin, Batch: "B1", Reason: "contamination", Block: 5, Time: testNow}}}, store.Apply{Checkpoint: "events"}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.Recalls(ctx)
	if err != nil || len(rs) != 1 || rs[0].Batch != "B1" || rs[0].Block != 5 {
		t.Fatalf("Recalls = %+v, %v", rs, err)
	}
}

// TestUnitContentsWithoutTheLedger: with no ledger connection a unit's
// contents come from the local copy, as of its block, each pack judged as
// the ledger would; without a copy the error says both why (the ledger is
// unavailable) and that the local copy cannot stand in.
func TestUnitContentsWithoutTheLedger(t *testing.T) {
	ctx := context.Background()
	const pallet, box = "040987650000001239", "040987650000001246"
	t.Run("no local copy", func(t *testing.T) {
		s := newStation(t)
		for _, tc := range []struct {
			name        string
			offlineOnly bool
			unavailable bool
		}{
			{"ledger not connected", false, true},
			{"offline only", true, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UnitContents(ctx, pallet, tc.offlineOnly)
				if !errors.Is(err, ErrUnitsOffline) || !errors.Is(err, store.ErrNoCopy) || errors.Is(err, ledger.ErrUnavailable) != tc.unavailable {
					t.Errorf("err %v: want ErrUnitsOffline, ErrNoCopy (and ErrUnavailable: %v)", err, tc.unavailable)
				}
			})
		}
		if _, err := s.Members(ctx); !errors.Is(err, ledger.ErrUnavailable) {
			t.Errorf("Members without the ledger: %v, want ErrUnavailable", err)
		}
	})
	t.Run("from the local copy", func(t *testing.T) {
		s := newStation(t)
		asOf := testNow.Add(-time.Hour)
		_, err := s.Store().ApplyChanges(ctx, store.Changes{Block: 41, Time: asOf,
			Packs: []store.PackCopy{
				{GTIN: gtin, Serial: "P1", Status: trace.PackActive, Batch: "B1", Expiry: "2030-01-31", Block: 40},
				{GTIN: gtin, Serial: "P2", Status: trace.PackActive, Batch: "B9", Expiry: "2030-01-31", Block: 40},
			},
			Units: []store.UnitCopy{
				{SSCC: pallet, Status: trace.PackActive, Location: site, Children: []string{box}, Block: 41},
				{SSCC: box, Status: trace.PackActive, Location: site, Parent: pallet, Children: []string{gtin + "/P1", gtin + "/P2"}, Block: 41},
			},
			Recalls: []store.RecallCopy{{GTIN: gtin, Batch: "B9", Reason: "sterility", Block: 41, Time: asOf}},
		}, store.Apply{Checkpoint: outbox.Checkpoint})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name        string
			sscc        string
			offlineOnly bool
			status      trace.PackStatus
			packs       int
			sound       bool
		}{
			{"pallet, ledger not connected", pallet, false, trace.PackActive, 2, false},
			{"pallet, offline only", pallet, true, trace.PackActive, 2, false},
			{"case", box, true, trace.PackActive, 2, false},
			{"not in the copy", "040987650000001253", true, trace.PackUnknown, 0, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				uc, err := s.UnitContents(ctx, tc.sscc, tc.offlineOnly)
				if err != nil {
					t.Fatal(err)
				}
				if !uc.Offline || uc.Block != 41 || !uc.AsOf.Equal(asOf) || (uc.Online != nil) == tc.offlineOnly {
					t.Errorf("offline %v block %d as of %v online %v: want the copy's answer as of block 41", uc.Offline, uc.Block, uc.AsOf, uc.Online)
				}
				if tally := uc.Tally(); uc.Status != tc.status || tally.Packs != tc.packs || uc.Sound() != tc.sound {
					t.Errorf("contents %+v: want %s with %d packs", uc.Contents, tc.status, tc.packs)
				}
			})
		}
		uc, err := s.UnitContents(ctx, pallet, true)
		if err != nil {
			t.Fatal(err)
		}
		if ps := uc.Units[0].Packs; len(ps) != 2 || ps[0].Status != trace.PackActive || ps[1].Status != trace.PackRecalled {
			t.Errorf("packs %+v: want P1 active, P2 recalled (its batch is)", ps)
		}
	})
}

// TestDesksOnTheLedger reads the consortium's members and a pallet's
// contents from a real local Fabric network, as the regulator's desk and
// the pharmacist's screen do.
func TestDesksOnTheLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local Fabric network: not in -short mode")
	}
	n, p, clients := networktest.ClientsForTest(t)
	ctx := t.Context()
	s := newStation(t)
	if err := s.Connect(ctx, Source{Profile: n.ProfilePath, Identity: "regulator"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Disconnect)
	ms, err := s.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byRole := map[string]Member{}
	for _, m := range ms {
		byRole[m.Role] = m
	}
	man := byRole["manufacturer"]
	if man.MSP != p.Identities["manufacturer"].MSPID || !slices.Contains(man.ChinaCodes, ledger.DemoCNProduct) ||
		len(man.Prefixes) == 0 || slices.ContainsFunc(man.Prefixes, func(x string) bool { return strings.HasPrefix(x, trace.CNProductPrefix) }) {
		t.Errorf("manufacturer %+v: want its MSP, GS1 prefixes and China product %s apart", man, ledger.DemoCNProduct)
	}
	if _, ok := byRole["regulator"]; !ok {
		t.Errorf("members %+v: no regulator", ms)
	}
	// A case of two packs: commissioned by the manufacturer, shipped to
	// the distributor, received and packed there (custody: only the holder
	// packs).
	gln, dgln := p.GLNs["manufacturer"], p.GLNs["distributor"]
	prefix := p.CompanyPrefixes["manufacturer"][0]
	stamp := fmt.Sprintf("%016d", time.Now().UnixNano())
	g := withCheckDigit("0" + prefix + stamp[len(stamp)-(12-len(prefix)):])
	sscc := withCheckDigit("0" + prefix + stamp[len(stamp)-(16-len(prefix)):])
	now := time.Now().UTC()
	var commission, ship, receive []trace.Event
	var kids []string
	for _, serial := range []string{"D1" + stamp[8:], "D2" + stamp[8:]} {
		commission = append(commission, trace.Event{Kind: trace.KindCommission, Time: now, Location: gln, GTIN: g, Serial: serial,
			Batch: "B1", Expiry: "2028-12-31"}.WithContentID())
		ship = append(ship, trace.Event{Kind: trace.KindShip, Time: now, Location: gln, Counterparty: dgln, GTIN: g, Serial: serial,
			Batch: "B1", Expiry: "2028-12-31"}.WithContentID())
		receive = append(receive, trace.Event{Kind: trace.KindReceive, Time: now, Location: dgln, Counterparty: gln, GTIN: g, Serial: serial,
			Batch: "B1", Expiry: "2028-12-31"}.WithContentID())
		kids = append(kids, trace.PackChild(g, serial).Ref())
	}
	pack := trace.Event{Kind: trace.KindPack, Time: now, Location: dgln, SSCC: sscc, Children: kids}.WithContentID()
	for _, step := range []struct {
		role string
		evs  []trace.Event
	}{{"manufacturer", commission}, {"manufacturer", ship}, {"distributor", receive}, {"distributor", []trace.Event{pack}}} {
		res, err := clients[step.role].Submit(ctx, step.evs)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Results {
			if r.Status != trace.StatusAccepted {
				t.Fatalf("seed as %s: %+v", step.role, r)
			}
		}
	}
	uc, err := s.UnitContents(ctx, sscc, false)
	if err != nil {
		t.Fatal(err)
	}
	if uc.Offline || uc.Status != trace.PackActive || len(uc.Packs) != 2 || uc.Packs[0].Status != trace.PackActive {
		t.Errorf("contents %+v: want the two active packs, online", uc)
	}
	// The regulator's local copy, downloaded now, answers for the case
	// offline: the same two active packs, as of the copy's block.
	info, err := s.Download(ctx, func(int64, int64) {})
	if err != nil {
		t.Fatal(err)
	}
	off, err := s.UnitContents(ctx, sscc, true)
	if err != nil {
		t.Fatal(err)
	}
	if !off.Offline || off.Block == 0 || off.Status != trace.PackActive || len(off.Packs) != 2 ||
		off.Packs[0].Status != trace.PackActive || off.Packs[1].Status != trace.PackActive || !off.Sound() {
		t.Errorf("offline contents %+v (snapshot %+v): want the two active packs as of a block", off, info)
	}
	// A pharmacy is refused the distributor's case online; the refusal is
	// its answer, not hidden behind the local copy's.
	ph := newStation(t)
	if err := ph.Connect(ctx, Source{Profile: n.ProfilePath, Identity: "pharmacy"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ph.Disconnect)
	if uc, err := ph.UnitContents(ctx, sscc, false); err == nil || errors.Is(err, ErrUnitsOffline) || outbox.IsOffline(err) || uc.Offline {
		t.Errorf("a pharmacy asking for the distributor's case: %+v, %v; want the ledger's refusal", uc, err)
	}
	unknown, err := s.UnitContents(ctx, withCheckDigit("0"+prefix+strings.Repeat("9", 16-len(prefix))), false)
	if err != nil || unknown.Status != trace.PackUnknown {
		t.Errorf("unknown SSCC: %+v, %v; want status unknown", unknown, err)
	}
}

// withCheckDigit appends the GS1 mod-10 check digit to a numeric key's body.
func withCheckDigit(body string) string {
	sum := 0
	for i := range len(body) {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return body + string(rune('0'+(10-sum%10)%10))
}
