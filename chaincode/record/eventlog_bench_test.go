package record

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// busyPack commissions pack S1 and records n-1 more events on it: conformant
// inspections by the regulator, a second apart, in batches of 100, with
// content IDs (uuid: with UUIDs). It returns the events, oldest first.
func busyPack(w *world, n int, uuid bool) []Event {
	w.t.Helper()
	c := commissionS1(w)
	if !uuid {
		c = byContent(c)
	}
	w.ok(mspMan, c)
	all := []Event{c}
	for len(all) < n {
		var evs []Event
		for len(evs) < 100 && len(all)+len(evs) < n {
			w.now = w.now.Add(time.Second)
			evs = append(evs, w.inspection(uuid))
		}
		w.ok(mspReg, evs...)
		all = append(all, evs...)
	}
	return all
}

// inspection is a conformant inspection of pack S1 by the regulator at the
// world's current time.
func (w *world) inspection(uuid bool) Event {
	yes := true
	e := w.on(KindInspect, glnReg, gtinA, "S1")
	e.Conformant = &yes
	if !uuid {
		e = byContent(e)
	}
	return e
}

// BenchmarkBusyPack is the chaincode's work (in memory, no peer) for one
// more event on a pack that already has n: a conformant inspection, alone
// in its transaction, never committed, so every iteration is event n+1.
// B/write is the size of the transaction's write set (keys and values),
// what a peer's time per event grows with.
func BenchmarkBusyPack(b *testing.B) {
	for _, run := range []struct {
		n    int
		uuid bool
	}{{1, false}, {100, false}, {999, false}, {9999, false}, {999, true}} {
		name := fmt.Sprintf("inspect-after-%d", run.n)
		if run.uuid {
			name = fmt.Sprintf("uuid-inspect-after-%d", run.n)
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(b)
			busyPack(w, run.n, run.uuid)
			written := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				w.now = w.now.Add(time.Second)
				raw, err := json.Marshal([]Event{w.inspection(run.uuid)})
				must(b, err)
				st, tx := w.tx(mspReg)
				b.StartTimer()
				res, _, err := Record(st, tx, raw)
				if err != nil || res.Results[0].Status != StatusAccepted {
					b.Fatal(err, res.Results[0])
				}
				b.StopTimer()
				for k, v := range st.writes {
					written += len(k) + len(v)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(written)/float64(b.N), "B/write")
		})
	}
	// The costliest answers on a pack with 1,000 events: a replay of its
	// first event, and a new event dated just after it (older than every
	// event since, so it cannot be ruled out by date).
	for _, run := range []struct {
		name string
		ev   func(w *world, first Event) Event
		want Status
	}{
		{"replay-first-after-999", func(w *world, first Event) Event { return first }, StatusDuplicate},
		{"backdated-after-999", func(w *world, first Event) Event {
			e := w.inspection(false)
			e.Time = first.Time.Add(time.Second / 2)
			return byContent(e)
		}, StatusAccepted},
	} {
		b.Run(run.name, func(b *testing.B) {
			w := newWorld(b)
			first := busyPack(w, 999, false)[1]
			raw, err := json.Marshal([]Event{run.ev(w, first)})
			must(b, err)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				st, tx := w.tx(mspReg)
				b.StartTimer()
				res, _, err := Record(st, tx, raw)
				if err != nil || res.Results[0].Status != run.want {
					b.Fatal(err, res.Results[0])
				}
			}
		})
	}
}
