package record

import (
	"fmt"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// custodyRow is one row of the trace core's testdata/custody.tsv.
type custodyRow struct {
	held, actor, at string
	kind            Kind
	want            string
}

func loadCustody(t *testing.T) []custodyRow {
	t.Helper()
	var out []custodyRow
	for _, c := range tracetest.Table(t, "../../trace/testdata/custody.tsv", 5, 40) {
		out = append(out, custodyRow{c[0], c[1], c[2], Kind(c[3]), c[4]})
	}
	return out
}

// TestCustody runs the custody table through the recorder: each forgery
// (an organisation × an action × where the pack is) refused with its code,
// beside the honest path. The ledger's integration tests run the same
// table on the real network.
func TestCustody(t *testing.T) {
	msp := map[string]string{"man": mspMan, "dist": mspDist, "phar": mspPhar, "reg": mspReg}
	gln := map[string]string{"man": glnMan, "man-b": glnManB, "dist": glnDist, "dist-b": glnDistB,
		"phar": glnPhar, "phar-b": glnPharB, "reg": glnReg}
	sscc := 100
	yes := true
	for _, r := range loadCustody(t) {
		t.Run(r.held+"/"+r.actor+"@"+r.at+"/"+string(r.kind), func(t *testing.T) {
			w := newWorld(t)
			// Bring pack S1 to where the row says it is, by honest events.
			switch r.held {
			case "man", "dist", "phar":
				w.stockAt(r.held, "S1")
			case "man>dist":
				w.stockAt("man", "S1")
				w.ok(mspMan, w.ship(glnMan, "S1", glnDist))
			case "dist>phar":
				w.stockAt("dist", "S1")
				w.ok(mspDist, w.ship(glnDist, "S1", glnPhar))
			case "phar*":
				w.stockAt("phar", "S1")
				w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
			default:
				t.Fatalf("unknown place %q", r.held)
			}
			at, ok := gln[r.at]
			if !ok || msp[r.actor] == "" {
				t.Fatalf("unknown actor %q or place %q", r.actor, r.at)
			}
			var ev Event
			switch r.kind {
			case KindShip:
				to := glnDist
				if r.actor == "dist" {
					to = glnPhar
				}
				ev = w.ship(at, "S1", to)
			case KindPack:
				sscc++
				ev = w.unit(KindPack, at, gs1(fmt.Sprintf("3402000000000%04d", sscc)), PackKey(gtinA, "S1"))
			case KindInspect:
				ev = w.on(KindInspect, at, gtinA, "S1")
				ev.Conformant = &yes
			default:
				ev = w.on(r.kind, at, gtinA, "S1")
			}
			res := w.record(msp[r.actor], ev)[0]
			got := "ok"
			if res.Status != StatusAccepted {
				got = res.Reason
				if res.Message == "" || res.Message[0] < 'A' || res.Message[0] > 'Z' {
					t.Fatalf("refusal %q is not a sentence", res.Message)
				}
			}
			if got != r.want {
				t.Fatalf("%s by %s at %s of a pack held %s: got %s (%s), want %s", r.kind, r.actor, r.at, r.held, got, res.Message, r.want)
			}
			v := w.verify(gtinA, "S1", "", "")
			switch {
			case got == "ok" && r.kind == KindReceive:
				if v.Holder == nil || *v.Holder != (Party{MSP: msp[r.actor], GLN: at}) || v.Consignee != nil {
					t.Fatalf("after the receive: holder %+v, consignee %+v", v.Holder, v.Consignee)
				}
			case got == "ok" && r.kind == KindShip:
				if v.Holder == nil || v.Holder.MSP != msp[r.actor] || v.Consignee == nil || v.Consignee.GLN != ev.Counterparty {
					t.Fatalf("after the ship: holder %+v, consignee %+v", v.Holder, v.Consignee)
				}
			case got != "ok" && v.Holder == nil:
				t.Fatal("the verification names no holder")
			}
		})
	}
}

// TestLateOfflineEvents pins what happens when a site's offline events
// reach the ledger after a later event of another site about the same pack
// (docs/ledger.md, "Ledger time"): the ledger judges events in the order
// their transactions reach it, each against the state it finds; it holds
// nothing back and reorders nothing by event time.
func TestLateOfflineEvents(t *testing.T) {
	t.Run("offline ship synced after the consignee's receive", func(t *testing.T) {
		w := newWorld(t)
		w.stock("S1")
		recv := byContent(w.on(KindReceive, glnDist, gtinA, "S1"))
		if r := w.record(mspDist, recv)[0]; r.Reason != ReasonNotShipped {
			t.Fatalf("the receive before the ship: %+v", r)
		}
		// The manufacturer's ship, done offline 40 minutes before it syncs.
		w.now = w.now.Add(10 * time.Minute)
		ship := w.ship(glnMan, "S1", glnDist)
		ship.Time = w.now.Add(-40 * time.Minute)
		ship = byContent(ship)
		w.ok(mspMan, ship)
		// The same receive, sent again: a content-addressed rejection is not
		// stored, so it is judged again, and now the pack is announced.
		w.now = w.now.Add(time.Minute)
		if r := w.record(mspDist, recv)[0]; r.Status != StatusAccepted {
			t.Fatalf("the receive sent again: %+v", r)
		}
		if v := w.verify(gtinA, "S1", "", ""); v.Holder == nil || v.Holder.MSP != mspDist {
			t.Fatalf("holder %+v", v.Holder)
		}
		var kinds []Kind
		for _, h := range w.history(gtinA, "S1") {
			kinds = append(kinds, h.Kind)
		}
		if fmt.Sprint(kinds) != "[commission ship receive]" {
			t.Fatalf("history %v", kinds)
		}
	})
	t.Run("offline ship synced after the event lag", func(t *testing.T) {
		w := newWorld(t)
		w.stock("S1")
		w.now = w.now.Add(80 * time.Hour)
		ship := w.ship(glnMan, "S1", glnDist)
		ship.Time = t0.Add(time.Hour)
		if r := w.record(mspMan, ship)[0]; r.Reason != ReasonTooOld {
			t.Fatalf("a ship 79 h late: %+v", r)
		}
	})
	t.Run("offline destroy synced after the pack moved on", func(t *testing.T) {
		w := newWorld(t)
		w.stockAt("dist", "S1")
		destroy := w.on(KindDestroy, glnDist, gtinA, "S1") // done offline, now
		w.ok(mspDist, w.ship(glnDist, "S1", glnPhar))      // from the other terminal, online
		w.ok(mspPhar, w.on(KindReceive, glnPhar, gtinA, "S1"))
		if r := w.record(mspDist, destroy)[0]; r.Reason != ReasonNotHolder {
			t.Fatalf("the late destroy: %+v", r)
		}
		if v := w.verify(gtinA, "S1", "", ""); v.Status != PackActive {
			t.Fatalf("status %s", v.Status)
		}
	})
}
