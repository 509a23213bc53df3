package record

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// The test world's China drug codes: product identifier 8123456 is
// manufacturer 1's once cnWorld configures it.
const (
	cnProduct = "CN8123456"
	cnCode1   = "81234561234567890001"
	cnCode2   = "81234561234567890002"
	cnOther   = "87654321234567890001" // product 8765432, nobody's
)

// cnWorld is newWorld with China product identifier 8123456 given to the
// manufacturer beside its company prefix.
func cnWorld(t *testing.T) *world {
	w := newWorld(t)
	must(t, w.admin(mspReg, func(st State, tx Tx) error {
		return SetCompanyPrefixes(st, tx, mspMan, []string{"4012345", cnProduct})
	}))
	return w
}

// cnOn is an event of kind about the pack carrying China code code.
func (w *world) cnOn(kind Kind, loc, code string) Event {
	g, s := trace.CNPackOf(code)
	return w.on(kind, loc, g, s)
}

func (w *world) cnCommission(code string) Event {
	g, s := trace.CNPackOf(code)
	return w.commission(g, s, "CNB1", "2028-12-31")
}

func (w *world) cnVerify(code string) Verification {
	g, s := trace.CNPackOf(code)
	return w.verify(g, s, "", "")
}

// TestCNConfig: China product identifiers sit in an organisation's
// prefixes, written CN and 7 digits, each with one organisation.
func TestCNConfig(t *testing.T) {
	tests := []struct {
		name     string
		msp      string
		prefixes []string
		ok       bool
	}{
		{"manufacturer takes 8123456", mspMan, []string{"4012345", cnProduct}, true},
		{"only a China product", mspMan, []string{cnProduct}, true},
		{"too short", mspMan, []string{"CN812345"}, false},
		{"not starting with 8", mspMan, []string{"CN7123456"}, false},
		{"letters", mspMan, []string{"CN81234X6"}, false},
		{"another's product", mspMan2, []string{"5012345", cnProduct}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := cnWorld(t) // the manufacturer already owns 8123456
			err := w.admin(mspReg, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, tt.msp, tt.prefixes) })
			if (err == nil) != tt.ok {
				t.Fatalf("SetCompanyPrefixes(%v) = %v, want ok %v", tt.prefixes, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadRequest) {
				t.Fatalf("err %v is not ErrBadRequest", err)
			}
		})
	}
}

// TestCNOwnership: a manufacturer commissions and recalls only codes of
// its own China product identifiers.
func TestCNOwnership(t *testing.T) {
	tests := []struct {
		name string
		msp  string
		ev   func(w *world) Event
		want string // "" accepted, else the rejection's reason
	}{
		{"owner commissions", mspMan, func(w *world) Event { return w.cnCommission(cnCode1) }, ""},
		{"other manufacturer commissions", mspMan2, func(w *world) Event {
			e := w.cnCommission(cnCode1)
			e.Location = glnMan2
			return e
		}, ReasonNotAuthorized},
		{"unowned product", mspMan, func(w *world) Event { return w.cnCommission(cnOther) }, ReasonNotAuthorized},
		{"owner recalls a China batch", mspMan, func(w *world) Event { return w.recall(cnProduct, "CNB1") }, ""},
		{"other manufacturer recalls", mspMan2, func(w *world) Event { return w.recall(cnProduct, "CNB1") }, ReasonNotAuthorized},
		{"commission without a batch", mspMan, func(w *world) Event {
			e := w.cnCommission(cnCode1)
			e.Batch = ""
			return e
		}, ReasonBadEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := cnWorld(t)
			r := w.record(tt.msp, tt.ev(w))[0]
			got := ""
			if r.Status != StatusAccepted {
				got = r.Reason
			}
			if got != tt.want {
				t.Fatalf("got %s %s (%s), want %q", r.Status, r.Reason, r.Message, tt.want)
			}
			if tt.want == ReasonNotAuthorized && !strings.Contains(r.Message, "China product identifier") {
				t.Fatalf("the refusal does not name the China product identifier: %s", r.Message)
			}
		})
	}
}

// TestCNFlow takes China packs through the whole chain like GS1 packs:
// commission, ship, receive, pack into a case (beside a GS1 pack), ship
// and receive the case, unpack, dispense, a second dispense refused, undo,
// and the verdicts and history along the way.
func TestCNFlow(t *testing.T) {
	w := cnWorld(t)
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	step("commission", func(t *testing.T) {
		w.ok(mspMan, w.cnCommission(cnCode1), w.cnCommission(cnCode2))
		w.stock("S1")
		if v := w.cnVerify(cnCode1); v.Status != PackActive || v.Batch != "CNB1" || len(v.Alerts) != 0 {
			t.Fatalf("verify %+v", v)
		}
		r := w.record(mspMan, w.cnCommission(cnCode1))[0]
		if r.Reason != ReasonAlreadyCommission {
			t.Fatalf("second commission: %s %s", r.Status, r.Reason)
		}
	})
	step("a code with other check digits is unknown", func(t *testing.T) {
		v := w.cnVerify("81234561234567890009")
		if v.Status != PackUnknown || len(v.Alerts) != 1 || !strings.Contains(v.Alerts[0].Message, "algorithm is not public") {
			t.Fatalf("verify %+v", v)
		}
	})
	step("ship and receive", func(t *testing.T) {
		e := w.cnOn(KindShip, glnMan, cnCode1)
		e.Counterparty = glnDist
		e2 := w.cnOn(KindShip, glnMan, cnCode2)
		e2.Counterparty = glnDist
		w.ok(mspMan, e, e2, w.ship(glnMan, "S1", glnDist))
		if v := w.cnVerify(cnCode1); v.Status != PackInTransit {
			t.Fatalf("verify %+v", v)
		}
		w.ok(mspDist, w.cnOn(KindReceive, glnDist, cnCode1), w.cnOn(KindReceive, glnDist, cnCode2), w.on(KindReceive, glnDist, gtinA, "S1"))
	})
	step("pack China codes into a case", func(t *testing.T) {
		w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, cnCode1, cnCode2, PackKey(gtinA, "S1")))
		c := w.contents(ssccCase)
		if countPacks(c) != 3 {
			t.Fatalf("contents %+v", c)
		}
		found := false
		for _, p := range c.Packs {
			if code, ok := trace.CNCodeOf(p.GTIN, p.Serial); ok && code == cnCode1 {
				found = p.Status == PackActive && p.Batch == "CNB1"
			}
		}
		if !found {
			t.Fatalf("the case does not list %s: %+v", cnCode1, c)
		}
	})
	step("ship and receive the case", func(t *testing.T) {
		e := w.unit(KindShip, glnDist, ssccCase)
		e.Counterparty = glnPhar
		w.ok(mspDist, e)
		if v := w.cnVerify(cnCode2); v.Status != PackInTransit {
			t.Fatalf("verify %+v", v)
		}
		w.ok(mspPhar, w.unit(KindReceive, glnPhar, ssccCase))
	})
	step("dispense from the case", func(t *testing.T) {
		w.ok(mspPhar, w.cnOn(KindDispense, glnPhar, cnCode1))
		if c := w.contents(ssccCase); countPacks(c) != 2 {
			t.Fatalf("the dispensed pack is still in the case: %+v", c)
		}
		v := w.cnVerify(cnCode1)
		if v.Status != PackDispensed || len(v.Alerts) != 1 || v.Alerts[0].Code != ReasonAlreadyDispensed {
			t.Fatalf("verify %+v", v)
		}
		r := w.record(mspPhar, w.cnOn(KindDispense, glnPhar, cnCode1))[0]
		if r.Reason != ReasonAlreadyDispensed {
			t.Fatalf("second dispense: %s %s", r.Status, r.Reason)
		}
	})
	step("undo", func(t *testing.T) {
		w.ok(mspPhar, w.cnOn(KindUndoDispense, glnPhar, cnCode1))
		if v := w.cnVerify(cnCode1); v.Status != PackActive || len(v.Alerts) != 0 {
			t.Fatalf("verify %+v", v)
		}
	})
	step("history names the code", func(t *testing.T) {
		g, s := trace.CNPackOf(cnCode1)
		h := w.history(g, s)
		var kinds []string
		for _, e := range h {
			kinds = append(kinds, string(e.Kind))
		}
		want := "commission ship receive pack ship receive dispense undo-dispense"
		if strings.Join(kinds, " ") != want {
			t.Fatalf("history %v, want %s", kinds, want)
		}
		if !strings.Contains(string(h[0].EPCIS), "urn:medtrace:cndc:"+cnCode1) {
			t.Fatalf("commission's EPCIS does not name the code: %s", h[0].EPCIS)
		}
	})
	step("recall the China batch", func(t *testing.T) {
		w.ok(mspMan, w.recall(cnProduct, "CNB1"))
		v := w.cnVerify(cnCode2)
		if v.Status != PackRecalled {
			t.Fatalf("verify %+v", v)
		}
	})
}

// TestCNLink: a pack carrying a GS1 DataMatrix and a China drug code is one
// pack under two names. Commissioned under its GS1 code with its China
// code linked, it goes through the chain under either name, and every
// step shows under both: ship under one, receive under the other, packed
// in a case under its China code, dispensed under its GS1 code (and taken
// out of the case), undone under its China code; offline copies receive
// both records; History shows every event under either name; a recall of
// the GS1 batch recalls it under its China name.
func TestCNLink(t *testing.T) {
	w := cnWorld(t)
	const linked = "81234561234567890101"
	cg, cs := trace.CNPackOf(linked)
	both := func(t *testing.T, st PackStatus) {
		t.Helper()
		for _, v := range []Verification{w.verify(gtinA, "L1", "", ""), w.cnVerify(linked)} {
			if v.Status != st || v.Batch != "B1" || v.Expiry != "2028-12-31" {
				t.Fatalf("verify %s/%s: %+v, want %s", v.GTIN, v.Serial, v, st)
			}
		}
	}
	step := func(name string, f func(t *testing.T)) {
		w.now = w.now.Add(time.Minute) // each step a later transaction: History orders by ledger time
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	step("commission under the GS1 code, linking the China code", func(t *testing.T) {
		e := w.commission(gtinA, "L1", "B1", "2028-12-31")
		e.Link = linked
		e.ID = ""
		e = e.WithContentID() // content-addressed, as MedTrace sends them
		w.ok(mspMan, e)
		both(t, PackActive)
		if n := len(w.packsWritten()); n != 2 {
			t.Fatalf("the commission wrote %d pack records, want both names", n)
		}
	})
	step("refusals", func(t *testing.T) {
		again := w.cnCommission(linked)
		if r := w.record(mspMan, again)[0]; r.Reason != ReasonAlreadyCommission {
			t.Fatalf("commission of the linked code: %s %s", r.Status, r.Reason)
		}
		e := w.commission(gtinA, "L2", "B1", "2028-12-31")
		e.Link = linked
		if r := w.record(mspMan, e)[0]; r.Reason != ReasonAlreadyCommission {
			t.Fatalf("a second pack linking the same code: %s %s", r.Status, r.Reason)
		}
		e = w.commission(gtinA, "L3", "B1", "2028-12-31")
		e.Link = cnOther
		if r := w.record(mspMan, e)[0]; r.Reason != ReasonNotAuthorized {
			t.Fatalf("a link to another's China product: %s %s", r.Status, r.Reason)
		}
		if v := w.verify(gtinA, "L3", "", ""); v.Status != PackUnknown {
			t.Fatalf("a refused commission left a pack: %+v", v)
		}
	})
	step("ship under the GS1 code, receive under the China code", func(t *testing.T) {
		w.ok(mspMan, w.ship(glnMan, "L1", glnDist))
		both(t, PackInTransit)
		w.now = w.now.Add(time.Minute)
		w.ok(mspDist, w.cnOn(KindReceive, glnDist, linked))
		both(t, PackActive)
	})
	step("packed under the China code, ship and receive the case", func(t *testing.T) {
		w.stockAt("dist", "S9")
		w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, linked, PackKey(gtinA, "S9")))
		if r := w.record(mspDist, w.unit(KindPack, glnDist, ssccCas2, PackKey(gtinA, "L1")))[0]; r.Reason != ReasonAlreadyAggregated {
			t.Fatalf("packing the GS1 name of a packed pack: %s %s %s", r.Status, r.Reason, r.Message)
		}
		e := w.unit(KindShip, glnDist, ssccCase)
		e.Counterparty = glnPhar
		w.ok(mspDist, e)
		both(t, PackInTransit)
		w.ok(mspPhar, w.unit(KindReceive, glnPhar, ssccCase))
		both(t, PackActive)
	})
	step("dispensed under the GS1 code", func(t *testing.T) {
		w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "L1"))
		both(t, PackDispensed)
		if c := w.contents(ssccCase); countPacks(c) != 1 {
			t.Fatalf("the dispensed pack is still in the case under its China name: %+v", c)
		}
		var names []string
		for _, pc := range w.packsWritten() {
			if pc.Status == PackDispensed {
				names = append(names, PackKey(pc.GTIN, pc.Serial))
			}
		}
		if strings.Join(names, " ") != PackKey(gtinA, "L1")+" "+linked {
			t.Fatalf("offline copies learn %v, want both names dispensed", names)
		}
		if r := w.record(mspPhar, w.cnOn(KindDispense, glnPhar, linked))[0]; r.Reason != ReasonAlreadyDispensed {
			t.Fatalf("dispensing it again under its China name: %s %s", r.Status, r.Reason)
		}
	})
	step("undone under the China code", func(t *testing.T) {
		w.ok(mspPhar, w.cnOn(KindUndoDispense, glnPhar, linked))
		both(t, PackActive)
	})
	step("history under either name", func(t *testing.T) {
		want := "commission ship receive pack ship receive dispense undo-dispense"
		for _, h := range [][]HistoryEntry{w.history(gtinA, "L1"), w.history(cg, cs)} {
			var kinds []string
			for _, e := range h {
				kinds = append(kinds, string(e.Kind))
			}
			if strings.Join(kinds, " ") != want {
				t.Fatalf("history %v, want %s", kinds, want)
			}
		}
	})
	step("a recall of the GS1 batch recalls the China name", func(t *testing.T) {
		w.ok(mspMan, w.recall(gtinA, "B1"))
		if v := w.cnVerify(linked); v.Status != PackRecalled {
			t.Fatalf("verify %+v", v)
		}
		if r := w.record(mspPhar, w.cnOn(KindDispense, glnPhar, linked))[0]; r.Reason != ReasonRecalledBatch {
			t.Fatalf("dispense under the China name: %s %s", r.Status, r.Reason)
		}
	})
}

// TestCNLinkNamedTwice: a pack event may not name one pack under both its
// names.
func TestCNLinkNamedTwice(t *testing.T) {
	w := cnWorld(t)
	const linked = "81234561234567890102"
	e := w.commission(gtinA, "L1", "B1", "2028-12-31")
	e.Link = linked
	w.ok(mspMan, e)
	w.toDist("L1")
	r := w.record(mspDist, w.unit(KindPack, glnDist, ssccCase, linked, PackKey(gtinA, "L1")))[0]
	if r.Status != StatusRejected || r.Reason != ReasonBadEvent || !strings.Contains(r.Message, "one pack") {
		t.Fatalf("packing both names: %s %s %s", r.Status, r.Reason, r.Message)
	}
	w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, linked))
	if c := w.contents(ssccCase); countPacks(c) != 1 {
		t.Fatalf("contents %+v", c)
	}
}
