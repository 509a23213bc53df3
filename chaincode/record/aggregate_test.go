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
		w.stock("S1", "S2", "S3", "S4")
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
		w.ok(mspPhar, w.unit(KindReceive, glnPhar, ssccPal))
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
		if !slices.Equal(kinds, []Kind{KindCommission, KindPack, KindShip, KindReceive}) {
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
		if r := w.record(mspDist, w.unit(KindShip, glnDist, ssccCase))[0]; r.Reason != ReasonStolen {
			t.Fatalf("ship a stolen case: %+v", r)
		}
	})
	t.Run("a dispensed pack blocks nothing but leaves the case", func(t *testing.T) {
		w := packed(t)
		w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S2"))
		w.ok(mspDist, w.unit(KindShip, glnDist, ssccCase))
		if v := w.verify(gtinA, "S2", "", ""); v.Status != PackDispensed {
			t.Fatalf("S2: %s", v.Status)
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
		{"ship unknown", func(w *world) Event { return w.unit(KindShip, glnDist, gs1("34020000000000004")) }, ReasonUnknownSSCC},
		{"ship both", func(w *world) Event {
			e := w.unit(KindShip, glnDist, ssccCase)
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
	w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	h := w.history(gtinA, "S1")
	if len(h) != 3 || h[0].EventID != c.ID || h[0].TxID != first.TxID || h[2].Kind != KindRecall {
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
	w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "XC"))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	packs, recalls, pages := map[string]PackStatus{}, 0, 0
	bm := ""
	for {
		st, tx := w.tx(mspPhar)
		pg, err := Export(st, st, tx, bm, 10)
		must(t, err)
		pages++
		for _, p := range pg.Packs {
			packs[p.Serial] = p.Status
		}
		recalls += len(pg.Recalls)
		if bm = pg.Bookmark; bm == "" {
			break
		}
		if pages > 10 {
			t.Fatal("export does not end")
		}
	}
	if len(packs) != 25 || recalls != 1 || packs["XC"] != PackDispensed || packs["XA"] != PackActive {
		t.Fatalf("%d packs, %d recalls, XC %s", len(packs), recalls, packs["XC"])
	}
	st, tx := w.tx(mspNone)
	if _, err := Export(st, st, tx, "", 10); err == nil {
		t.Fatal("a stranger exported the state")
	}
	st, tx = w.tx(mspReg)
	if _, err := Export(st, st, tx, "zz", 10); err == nil {
		t.Fatal("a bad bookmark was accepted")
	}
}
