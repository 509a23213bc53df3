package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCustodyWrites is the write set of the events that move custody,
// each alone in its transaction on a fresh pack of a ledger with n packs:
// keys/event and B/event are the keys written and their size (keys and
// values), index-keys/event those of the holder index (holders.go) among
// them. UUID event IDs, so each event is kept under its own key too.
// The same benchmark run on the chaincode from before the index gives the
// figures without it (docs/ledger.md).
func BenchmarkCustodyWrites(b *testing.B) {
	type step struct {
		msp string
		ev  func(w *world, serial string) Event
	}
	commission := step{mspMan, func(w *world, s string) Event { return w.commission(gtinA, s, "L1", "2028-12-31") }}
	ship := step{mspMan, func(w *world, s string) Event { return w.ship(glnMan, s, glnDist) }}
	receive := step{mspDist, func(w *world, s string) Event { return w.on(KindReceive, glnDist, gtinA, s) }}
	shipOn := step{mspDist, func(w *world, s string) Event { return w.ship(glnDist, s, glnPhar) }}
	receiveOn := step{mspPhar, func(w *world, s string) Event { return w.on(KindReceive, glnPhar, gtinA, s) }}
	dispense := step{mspPhar, func(w *world, s string) Event { return w.on(KindDispense, glnPhar, gtinA, s) }}
	for _, run := range []struct {
		name   string
		before []step // recorded first, not measured
		event  step
	}{
		{"commission", nil, commission},
		{"ship", []step{commission}, ship},
		{"receive", []step{commission, ship}, receive},
		{"ship-on", []step{commission, ship, receive}, shipOn},
		{"receive-on", []step{commission, ship, receive, shipOn}, receiveOn},
		{"dispense", []step{commission, ship, receive, shipOn, receiveOn}, dispense},
	} {
		b.Run(run.name, func(b *testing.B) {
			w := newWorld(b)
			var tally writeTally
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				serial := fmt.Sprintf("W%d", i)
				for _, s := range run.before {
					w.ok(s.msp, s.ev(w, serial))
				}
				tally.record(b, w, run.event.msp, run.event.ev(w, serial))
				b.StartTimer()
			}
			tally.report(b)
		})
	}
	// A case of 10 packs at the distributor, shipped to the pharmacy and
	// received there: the ship and the receive are measured.
	for _, kind := range []Kind{KindShip, KindReceive} {
		b.Run("case-of-10-"+string(kind), func(b *testing.B) {
			w := newWorld(b)
			var tally writeTally
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var serials, children []string
				for j := range 10 {
					s := fmt.Sprintf("C%dx%d", i, j)
					serials, children = append(serials, s), append(children, PackKey(gtinA, s))
				}
				w.stock(serials...)
				var evs []Event
				for _, s := range serials {
					evs = append(evs, w.ship(glnMan, s, glnDist))
				}
				w.ok(mspMan, evs...)
				evs = nil
				for _, s := range serials {
					evs = append(evs, w.on(KindReceive, glnDist, gtinA, s))
				}
				w.ok(mspDist, evs...)
				sscc := gs1(fmt.Sprintf("3402%013d", 100+i))
				w.ok(mspDist, w.unit(KindPack, glnDist, sscc, children...))
				ship := Event{ID: w.id(), Kind: KindShip, Time: w.now, Location: glnDist, SSCC: sscc, Counterparty: glnPhar}
				msp, ev := mspDist, ship
				if kind == KindReceive {
					w.ok(mspDist, ship)
					msp, ev = mspPhar, Event{ID: w.id(), Kind: KindReceive, Time: w.now, Location: glnPhar, SSCC: sscc}
				}
				tally.record(b, w, msp, ev)
				b.StartTimer()
			}
			tally.report(b)
		})
	}
}

// writeTally counts what the measured events wrote: keys, of them holder
// index keys, and bytes (keys and values).
type writeTally struct{ keys, index, bytes int }

// record applies ev as msp, timing only Record, and counts its writes.
// The timer is stopped on return.
func (t *writeTally) record(b *testing.B, w *world, msp string, ev Event) {
	b.Helper()
	raw, err := json.Marshal([]Event{ev})
	must(b, err)
	st, tx := w.tx(msp)
	b.StartTimer()
	res, _, err := Record(st, tx, raw)
	b.StopTimer()
	if err != nil || res.Results[0].Status != StatusAccepted {
		b.Fatal(err, res.Results[0])
	}
	st.commit()
	for k, v := range st.writes {
		t.keys++
		t.bytes += len(k) + len(v)
		if strings.HasPrefix(k, "h:") {
			t.index++
		}
	}
}

// report gives the counts per event.
func (t *writeTally) report(b *testing.B) {
	b.ReportMetric(float64(t.keys)/float64(b.N), "keys/event")
	b.ReportMetric(float64(t.index)/float64(b.N), "index-keys/event")
	b.ReportMetric(float64(t.bytes)/float64(b.N), "B/event")
}
