package record

import (
	"fmt"
	"testing"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// TestRules runs the trace core's state machine table (the core's own tests
// run it on trace.StepRefusal) through the recorder: a pack brought into
// each state by real events, then an event of each kind by an organisation
// allowed that kind that holds the pack (custody is custody.tsv's table; the
// state is checked first).
func TestRules(t *testing.T) {
	actor := map[Kind]struct{ msp, gln string }{
		KindShip: {mspDist, glnDist}, KindReceive: {mspPhar, glnPhar}, KindDispense: {mspPhar, glnPhar},
		KindUndoDispense: {mspPhar, glnPhar}, KindDestroy: {mspDist, glnDist}, KindStolen: {mspDist, glnDist},
		KindSample: {mspReg, glnReg}, KindExport: {mspDist, glnDist},
	}
	// where is where a pack must be held for an event of each kind.
	where := map[Kind]string{KindShip: "dist", KindReceive: "dist", KindDispense: "phar", KindUndoDispense: "phar",
		KindDestroy: "dist", KindStolen: "dist", KindSample: "man", KindExport: "dist"}
	// into is the kind that brings an active pack into a state.
	into := map[PackStatus]Kind{PackInTransit: KindShip, PackDispensed: KindDispense, PackDestroyed: KindDestroy,
		PackStolen: KindStolen, PackSample: KindSample, PackExported: KindExport}
	event := func(w *world, k Kind, serial string) Event {
		a, ok := actor[k]
		if !ok {
			t.Fatalf("no actor for %s", k)
		}
		ev := w.on(k, a.gln, gtinA, serial)
		if k == KindShip {
			ev.Counterparty = glnPhar
		}
		return ev
	}
	w := newWorld(t)
	n := 0
	for _, c := range tracetest.Table(t, "../../trace/testdata/rules.tsv", 3, 50) {
		state, kind, want := PackStatus(c[0]), Kind(c[1]), c[2]
		t.Run(string(state)+"/"+string(kind), func(t *testing.T) {
			n++
			serial := fmt.Sprintf("R%d", n)
			w.t = t
			first := kind
			if k, ok := into[state]; ok {
				first = k
			}
			w.stockAt(where[first], serial)
			if k, ok := into[state]; ok {
				w.ok(actor[k].msp, event(w, k, serial))
			} else if state != PackActive {
				t.Fatalf("no way into state %s", state)
			}
			r := w.record(actor[kind].msp, event(w, kind, serial))[0]
			got := "ok"
			if r.Status != StatusAccepted {
				got = r.Reason
			}
			if got != want {
				t.Fatalf("%s of a pack %s: got %s (%s), want %s", kind, state, got, r.Message, want)
			}
		})
	}
}
