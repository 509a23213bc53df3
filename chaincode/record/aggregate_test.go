package record

import (
	"encoding/json"
	"slices"
	"testing"
)

func (w *world) contents(sscc string) Contents {
	w.t.Helper()
	st, tx := w.tx(mspReg)
	c, err := UnitContents(st, tx, sscc)
	must(w.t, err)
	return c
}

func countPacks(c Contents) int {
	n := len(c.Packs)
	for _, u := range c.Units {
		n += countPacks(u)
	}
	return n
}

func TestAggregation(t *testing.T) {
	p := func(s string) string { return PackKey(gtinA, s) }
	// world with S1..S4 commissioned, S1,S2 in the case, S3 in case 2, both cases on the pallet.
	packed := func(t *testing.T) *world {
		w := newWorld(t)
		w.stockAt("dist", "S1", "S2", "S3", "S4")
		w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, p("S1"), p("S2")), w.unit(KindPack, glnDist, ssccCas2, p("S3")))
		w.ok(mspDist, w.unit(KindPack, glnDist, ssccPal, ssccCase, ssccCas2))
		return w
	}
	t.Run("contents are recursive", func(t *testing.T) {
		w := packed(t)
		c := w.contents(ssccPal)
		if len(c.Units) != 2 || countPacks(c) != 3 || c.Status != PackActive || c.Units[0].Packs[0].Batch != "L1" {
			t.Fatalf("contents %+v", c)
		}
		if c := w.contents(gs1("34020000000000003")); c.Status != PackUnknown {
			t.Fatalf("unknown SSCC: %+v", c)
		}
	})
	t.Run("ship and receive the pallet moves every pack", func(t *testing.T) {
		w := packed(t)
		s := w.unit(KindShip, glnDist, ssccPal)
		s.Children, s.Counterparty = nil, glnPhar
		_, _, err := w.submit(mspDist, s)
		must(t, err)
		if p := w.packsWritten(); len(p) != 3 {
			t.Fatalf("wrote %d packs, want 3", len(p))
		}
		for _, s := range []string{"S1", "S2", "S3"} {
			if v := w.verify(gtinA, s, "", ""); v.Status != PackInTransit {
				t.Fatalf("%s: %s", s, v.Status)
			}
		}
		if v := w.verify(gtinA, "S4", "", ""); v.Status != PackActive {
			t.Fatalf("S4 moved: %s", v.Status)
		}
		if r := w.record(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))[0]; r.Reason != ReasonInTransit {
			t.Fatalf("dispense from a shipped case: %+v", r)
		}
		if r := w.record(mspDist, w.unit(KindUnpack, glnDist, ssccCase))[0]; r.Reason != ReasonInTransit {
			t.Fatalf("unpack in transit: %+v", r)
		}
		if r := w.record(mspPhar2, w.unit(KindReceive, glnPhar2, ssccPal))[0]; r.Reason != ReasonNotConsignee {
			t.Fatalf("receive of a pallet shipped to another pharmacy: %+v", r)
		}
		if r := w.record(mspPhar, w.on(KindReceive, glnPhar2, gtinA, "S1"))[0]; r.Reason != ReasonNotAuthorized {
			t.Fatalf("receive at another's GLN: %+v", r)
		}
		if v := w.verify(gtinA, "S3", "", ""); v.Holder == nil || v.Holder.MSP != mspDist || v.Consignee == nil || *v.Consignee != (Party{MSP: mspPhar, GLN: glnPhar}) {
			t.Fatalf("a pack in a shipped case: holder %+v consignee %+v", v.Holder, v.Consignee)
		}
		w.ok(mspPhar, w.unit(KindReceive, glnPhar, ssccPal))
		// Children move with their pallet: every pack inside is the pharmacy's.
		for _, s := range []string{"S1", "S2", "S3"} {
			if v := w.verify(gtinA, s, "", ""); v.Holder == nil || *v.Holder != (Party{MSP: mspPhar, GLN: glnPhar}) || v.Consignee != nil {
				t.Fatalf("%s after the pallet's receive: holder %+v consignee %+v", s, v.Holder, v.Consignee)
			}
		}
		if v := w.verify(gtinA, "S4", "", ""); v.Holder == nil || v.Holder.MSP != mspDist {
			t.Fatalf("S4 moved with a pallet it is not on: %+v", v.Holder)
		}
		w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
		c := w.contents(ssccPal)
		if countPacks(c) != 2 || c.Location != glnPhar {
			t.Fatalf("after dispensing S1 the pallet holds %+v", c)
		}
		h := w.history(gtinA, "S2")
		kinds := []Kind{}
		for _, e := range h {
			kinds = append(kinds, e.Kind)
		}
		if !slices.Equal(kinds, []Kind{KindCommission, KindShip, KindReceive, KindPack, KindShip, KindReceive}) {
			t.Fatalf("history of S2: %v", kinds)
		}
	})
	t.Run("stolen case marks its packs", func(t *testing.T) {
		w := packed(t)
		w.ok(mspDist, w.unit(KindStolen, glnDist, ssccCase))
		if v := w.verify(gtinA, "S2", "", ""); v.Status != PackStolen {
			t.Fatalf("S2: %s", v.Status)
		}
		if v := w.verify(gtinA, "S3", "", ""); v.Status != PackActive {
			t.Fatalf("S3: %s", v.Status)
		}
		s := w.unit(KindShip, glnDist, ssccCase)
		s.Counterparty = glnPhar
		if r := w.record(mspDist, s)[0]; r.Reason != ReasonStolen {
			t.Fatalf("ship a stolen case: %+v", r)
		}
	})
	// Was a pharmacy dispensing a pack packed at the distributor's; with
	// custody only the holder acts on it, so the distributor destroys it.
	t.Run("a destroyed pack blocks nothing but leaves the case", func(t *testing.T) {
		w := packed(t)
		w.ok(mspDist, w.on(KindDestroy, glnDist, gtinA, "S2"))
		s := w.unit(KindShip, glnDist, ssccCase)
		s.Counterparty = glnPhar
		w.ok(mspDist, s)
		if v := w.verify(gtinA, "S2", "", ""); v.Status != PackDestroyed {
			t.Fatalf("S2: %s", v.Status)
		}
		if c := w.contents(ssccCase); len(c.Packs) != 1 || c.Status != PackInTransit {
			t.Fatalf("case: %+v", c)
		}
	})
	t.Run("custody of units", func(t *testing.T) {
		w := packed(t)
		shipPal := func(loc string) Event {
			e := w.unit(KindShip, loc, ssccPal)
			e.Counterparty = glnPhar
			return e
		}
		steps := []struct {
			name, msp string
			ev        Event
			reason    string
		}{
			{"the manufacturer ships the distributor's pallet", mspMan, shipPal(glnMan), ReasonNotHolder},
			{"the distributor ships it from its other site", mspDist, shipPal(glnDistB), ReasonOtherSite},
			{"the distributor unpacks it at its other site", mspDist, w.unit(KindUnpack, glnDistB, ssccPal), ReasonOtherSite},
			{"a pharmacy receives it unannounced", mspPhar, w.unit(KindReceive, glnPhar, ssccPal), ReasonNotShipped},
			{"the manufacturer reports the pallet stolen", mspMan, w.unit(KindStolen, glnMan, ssccPal), ReasonNotHolder},
			{"the distributor packs its pallet on another's", mspDist, w.unit(KindPack, glnDist, gs1("34020000000000005"), ssccPal), ""},
		}
		for _, st := range steps {
			r := w.record(st.msp, st.ev)[0]
			got := ""
			if r.Status != StatusAccepted {
				got = r.Reason
			}
			if got != st.reason {
				t.Fatalf("%s: got %s %s (%s), want %q", st.name, r.Status, r.Reason, r.Message, st.reason)
			}
		}
	})
	tests := []struct {
		name   string
		ev     func(w *world) Event
		reason string
	}{
		{"pack an unknown pack", func(w *world) Event { return w.unit(KindPack, glnDist, gs1("34020000000000004"), p("S9")) }, ReasonUnknownPack},
		{"pack an unknown SSCC", func(w *world) Event { return w.unit(KindPack, glnDist, ssccPal, gs1("34020000000000004")) }, ReasonUnknownSSCC},
		{"pack a packed pack", func(w *world) Event { return w.unit(KindPack, glnDist, gs1("34020000000000004"), p("S1")) }, ReasonAlreadyAggregated},
		{"pack a packed case", func(w *world) Event { return w.unit(KindPack, glnDist, gs1("34020000000000004"), ssccCase) }, ReasonAlreadyAggregated},
		{"pack the pallet into its own case", func(w *world) Event { return w.unit(KindPack, glnDist, ssccCase, ssccPal) }, ReasonBadEvent},
		{"pack into itself", func(w *world) Event { return w.unit(KindPack, glnDist, ssccCase, ssccCase) }, ReasonBadEvent},
		{"pack a child twice", func(w *world) Event { return w.unit(KindPack, glnDist, gs1("34020000000000004"), p("S4"), p("S4")) }, ReasonBadEvent},
		{"pack nothing", func(w *world) Event { return w.unit(KindPack, glnDist, gs1("34020000000000004")) }, ReasonBadEvent},
		{"pack a bad child", func(w *world) Event { return w.unit(KindPack, glnDist, gs1("34020000000000004"), "12345") }, ReasonBadEvent},
		{"unpack the wrong child", func(w *world) Event { return w.unit(KindUnpack, glnDist, ssccCase, p("S3")) }, ReasonNotInContainer},
		{"unpack unknown", func(w *world) Event { return w.unit(KindUnpack, glnDist, gs1("34020000000000004")) }, ReasonUnknownSSCC},
		{"ship unknown", func(w *world) Event {
			e := w.unit(KindShip, glnDist, gs1("34020000000000004"))
			e.Counterparty = glnPhar
			return e
		}, ReasonUnknownSSCC},
		{"ship both", func(w *world) Event {
			e := w.unit(KindShip, glnDist, ssccCase)
			e.Counterparty = glnPhar
			e.GTIN, e.Serial = gtinA, "S1"
			return e
		}, ReasonBadEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := packed(t)
			if r := w.record(mspDist, tt.ev(w))[0]; r.Status != StatusRejected || r.Reason != tt.reason {
				t.Fatalf("got %s %s (%s), want %s", r.Status, r.Reason, r.Message, tt.reason)
			}
			if countPacks(w.contents(ssccPal)) != 3 {
				t.Fatal("a rejected event changed the pallet")
			}
		})
	}
	t.Run("unpack some then all", func(t *testing.T) {
		w := packed(t)
		w.ok(mspDist, w.unit(KindUnpack, glnDist, ssccCase, p("S1")))
		if c := w.contents(ssccCase); len(c.Packs) != 1 || c.Packs[0].Serial != "S2" {
			t.Fatalf("case: %+v", c)
		}
		w.ok(mspDist, w.unit(KindUnpack, glnDist, ssccPal))
		if c := w.contents(ssccPal); countPacks(c) != 0 {
			t.Fatalf("pallet: %+v", c)
		}
		w.ok(mspDist, w.unit(KindPack, glnDist, gs1("34020000000000004"), p("S1"), ssccCase))
	})
}

func (w *world) history(gtin, serial string) []HistoryEntry {
	w.t.Helper()
	st, tx := w.tx(mspReg)
	h, err := History(st, tx, gtin, serial)
	must(w.t, err)
	return h
}

func TestHistory(t *testing.T) {
	w := newWorld(t)
	c := commissionS1(w)
	first, _, err := w.submit(mspMan, c)
	must(t, err)
	w.toPhar("S1")
	w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	h := w.history(gtinA, "S1")
	if len(h) != 7 || h[0].EventID != c.ID || h[0].TxID != first.TxID || h[6].Kind != KindRecall {
		t.Fatalf("history %+v", h)
	}
	var doc map[string]any
	must(t, json.Unmarshal(h[0].EPCIS, &doc))
	if doc["eventID"] != "urn:uuid:"+c.ID || doc["bizStep"] != "commissioning" {
		t.Fatalf("EPCIS %s", h[0].EPCIS)
	}
	if h := w.history(gtinB, "none"); len(h) != 0 {
		t.Fatalf("unknown pack history %+v", h)
	}
}

func TestExport(t *testing.T) {
	w := newWorld(t)
	var serials []string
	for i := range 25 {
		serials = append(serials, "X"+string(rune('A'+i)))
	}
	w.stock(serials...)
	w.toPhar("XC")
	w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "XC"))
	w.toDist("XA", "XB")
	w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "XA"), PackKey(gtinA, "XB")))
	w.ok(mspDist, w.unit(KindPack, glnDist, ssccPal, ssccCase))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	// Each reader exports its scope: the regulator and the brand owner
	// everything, the distributor and the pharmacy the one pack that went
	// through their hands, the other manufacturer and pharmacy none; all
	// of them every recall. The case and pallet the distributor packed
	// are the regulator's and the distributor's, who holds them (and its
	// three packs).
	for _, tt := range []struct {
		msp          string
		packs, units int
	}{{mspReg, 25, 2}, {mspMan, 25, 0}, {mspDist, 3, 2}, {mspPhar, 1, 0}, {mspMan2, 0, 0}, {mspPhar2, 0, 0}} {
		t.Run(tt.msp, func(t *testing.T) {
			packs, recalls, pages := map[string]PackStatus{}, 0, 0
			units := map[string]UnitChange{}
			bm := ""
			for {
				st, tx := w.tx(tt.msp)
				pg, err := Export(st, st, tx, bm, 10)
				must(t, err)
				pages++
				for _, p := range pg.Packs {
					packs[p.Serial] = p.Status
				}
				for _, u := range pg.Units {
					units[u.SSCC] = u
				}
				recalls += len(pg.Recalls)
				if bm = pg.Bookmark; bm == "" {
					break
				}
				if pages > 10 {
					t.Fatal("export does not end")
				}
			}
			if len(packs) != tt.packs || recalls != 1 || (tt.packs > 0 && packs["XC"] != PackDispensed) || (tt.packs > 1 && packs["XA"] != PackActive) {
				t.Fatalf("%d packs, %d recalls, XC %s", len(packs), recalls, packs["XC"])
			}
			if len(units) != tt.units {
				t.Fatalf("%d units, want %d: %+v", len(units), tt.units, units)
			}
			if tt.units > 0 {
				c, p := units[ssccCase], units[ssccPal]
				if c.Status != PackActive || c.Parent != ssccPal || !slices.Equal(c.Children, []string{PackKey(gtinA, "XA"), PackKey(gtinA, "XB")}) ||
					!slices.Equal(p.Children, []string{ssccCase}) || c.Holder == nil || c.Holder.MSP != mspDist {
					t.Fatalf("case %+v pallet %+v", c, p)
				}
			}
		})
	}
	st, tx := w.tx(mspNone)
	if _, err := Export(st, st, tx, "", 10); err == nil {
		t.Fatal("a stranger exported the state")
	}
	st, tx = w.tx(mspReg)
	if _, err := Export(st, st, tx, "zz", 10); err == nil {
		t.Fatal("a bad bookmark was accepted")
	}
	// A client that started paging before units were exported holds a
	// "b|" bookmark after the packs: it still gets the recalls, no units.
	pg, err := Export(st, st, tx, "b|", 10)
	must(t, err)
	if len(pg.Recalls) != 1 || len(pg.Units) != 0 || len(pg.Packs) != 0 || pg.Bookmark != "" {
		t.Fatalf("page after the old bookmark: %+v", pg)
	}
}
