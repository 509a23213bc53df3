package record

import (
	"fmt"
	"slices"
	"testing"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// TestRecallRules runs the trace core's recall table (the core's tests run
// it on trace.RecallRefusal) through the recorder: a batch brought into
// each state by real events, then a recall or a withdrawal by its brand
// owner.
func TestRecallRules(t *testing.T) {
	w := newWorld(t)
	n := 0
	for _, c := range tracetest.Table(t, "../../trace/testdata/recalls.tsv", 3, 6) {
		state, kind, want := c[0], Kind(c[1]), c[2]
		t.Run(state+"/"+string(kind), func(t *testing.T) {
			n++
			w.t = t
			batch := fmt.Sprintf("W%d", n)
			w.ok(mspMan, w.commission(gtinA, batch+"S", batch, "2028-12-31"))
			switch state {
			case "recalled":
				w.ok(mspMan, w.recall(gtinA, batch))
			case "withdrawn":
				w.ok(mspMan, w.recall(gtinA, batch))
				w.ok(mspMan, w.withdraw(gtinA, batch))
			case "not-recalled":
			default:
				t.Fatalf("no way into state %s", state)
			}
			ev := w.recall(gtinA, batch)
			if kind == KindWithdrawRecall {
				ev = w.withdraw(gtinA, batch)
			}
			r := w.record(mspMan, ev)[0]
			got := "ok"
			if r.Status != StatusAccepted {
				got = r.Reason
			}
			if got != want {
				t.Fatalf("%s of a batch %s: got %s (%s), want %s", kind, state, got, r.Message, want)
			}
		})
	}
}

// TestWithdrawRecall: the regulator withdraws a recall; the batch's packs
// verify and dispense as before it, the emission tells offline copies, the
// recall and its withdrawal stay in the pack's history, a snapshot no
// longer lists the recall, and the batch may be recalled again.
func TestWithdrawRecall(t *testing.T) {
	w := newWorld(t)
	w.stockAt("phar", "S1")
	rec := w.recall(gtinA, "L1")
	w.ok(mspMan, rec)
	if v := w.verify(gtinA, "S1", "", ""); v.Status != PackRecalled {
		t.Fatalf("recalled: %+v", v)
	}
	wd := w.withdraw(gtinA, "L1")
	res, em, err := w.submit(mspReg, wd)
	must(t, err)
	if r := res.Results[0]; r.Status != StatusAccepted {
		t.Fatalf("withdrawal: %+v", r)
	}
	if len(em.Recalls) != 1 || !em.Recalls[0].Withdrawn || em.Recalls[0].EventID != wd.ID || em.Recalls[0].Reason != wd.Note {
		t.Fatalf("emission: %+v", em.Recalls)
	}
	if v := w.verify(gtinA, "S1", "", ""); v.Status != PackActive || len(v.Alerts) != 0 {
		t.Fatalf("after the withdrawal: %+v", v)
	}
	st, tx := w.tx(mspReg)
	h, err := History(st, tx, gtinA, "S1")
	must(t, err)
	var ids []string
	for _, e := range h {
		ids = append(ids, e.EventID)
	}
	if !slices.Contains(ids, rec.ID) || !slices.Contains(ids, wd.ID) {
		t.Fatalf("history %v lacks the recall %s or its withdrawal %s", ids, rec.ID, wd.ID)
	}
	st, tx = w.tx(mspPhar)
	var recalls []Recall
	for bm, pages := "", 0; pages == 0 || bm != ""; pages++ {
		p, err := Export(st, st, tx, bm, 100)
		must(t, err)
		recalls, bm = append(recalls, p.Recalls...), p.Bookmark
	}
	if len(recalls) != 0 {
		t.Fatalf("a snapshot lists the withdrawn recall: %+v", recalls)
	}
	w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	if r := w.record(mspMan, w.recall(gtinA, "L1"))[0]; r.Reason != ReasonAlreadyRecalled {
		t.Fatalf("recalled twice: %+v", r)
	}
}

// TestWithdrawalBound: a batch keeps at most maxBatchPast withdrawn
// recalls and withdrawals; one more withdrawal is refused, a recall never.
func TestWithdrawalBound(t *testing.T) {
	w := newWorld(t)
	w.stock("S1")
	for range maxBatchPast / 2 {
		w.ok(mspMan, w.recall(gtinA, "L1"))
		w.ok(mspMan, w.withdraw(gtinA, "L1"))
	}
	w.ok(mspMan, w.recall(gtinA, "L1"))
	if r := w.record(mspReg, w.withdraw(gtinA, "L1"))[0]; r.Reason != ReasonTooLarge {
		t.Fatalf("withdrawal past the bound: %+v", r)
	}
	if v := w.verify(gtinA, "S1", "", ""); v.Status != PackRecalled {
		t.Fatalf("%+v", v)
	}
}
