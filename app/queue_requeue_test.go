package app

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/medtrace/medtrace/trace"
)

// requeueView is a queue view that can also re-queue rejected events: it
// turns them pending and remembers who asked.
type requeueView struct {
	fakeQueueView
	mu    sync.Mutex
	calls [][]string
	roles []string
}

func (v *requeueView) Requeue(_ context.Context, role string, ids ...string) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls = append(v.calls, ids)
	v.roles = append(v.roles, role)
	n := 0
	for i, e := range v.events {
		if e.State != "rejected" || (len(ids) > 0 && ids[0] != e.Event.ID) {
			continue
		}
		v.events[i].State, v.events[i].Reason, v.events[i].Message = "pending", "", ""
		v.counts.Rejected--
		v.counts.Pending++
		n++
	}
	return n, nil
}

func TestQueueScreenRejectedNeedAttention(t *testing.T) {
	qv := &requeueView{fakeQueueView: fakeQueueView{
		counts: QueueCounts{Recorded: 1, Rejected: 2},
		events: []QueuedEvent{
			{Event: trace.Event{ID: "e1", Kind: trace.KindDispense, Time: testNow, GTIN: "09501101530003", Serial: "A1"}, State: "recorded", TxID: "tx1", Block: 7},
			{Event: trace.Event{ID: "e2", Kind: trace.KindShip, Time: testNow, SSCC: "340123450000000017"}, State: "rejected", Reason: "never-packed", Message: "The unit was never packed."},
			{Event: trace.Event{ID: "e3", Kind: trace.KindDispense, Time: testNow, GTIN: "09501101530003", Serial: "A2"}, State: "rejected", Reason: "already-dispensed", Message: "Dispensed before."},
		},
	}}
	sy := &fakeSyncer{}
	fx := newFixture(t, RolePharmacist, LangEnglish, func(c *Config) { c.QueueView, c.Syncer = qv, sy })
	fx.u.selectTab(1)
	fx.settle()
	q := fx.u.queue
	// The last sync worked, but two events are rejected: not "Up to date".
	fx.u.reportSync(SyncReport{LastSuccess: testNow})
	fx.settle()
	if strings.Contains(q.state.Text, "Up to date") || !strings.HasPrefix(q.state.Text, "2 rejected by the ledger: they need attention.") ||
		!strings.Contains(q.state.Text, "re-queue them") {
		t.Fatalf("state %q", q.state.Text)
	}
	fx.u.reportSync(SyncReport{Err: errOffline, Pending: 0})
	fx.settle()
	if !strings.Contains(q.state.Text, "2 rejected") || !strings.Contains(q.state.Text, "Not syncing") {
		t.Errorf("state while offline %q", q.state.Text)
	}
	if q.requeueOne == nil || !q.requeueOne.Disabled() || q.requeueAll.Disabled() {
		t.Fatalf("buttons: one %v, all %v; want one disabled until a rejected event is selected, all enabled", q.requeueOne, q.requeueAll)
	}
	q.list.Select(0) // recorded: nothing to re-queue
	if !q.requeueOne.Disabled() {
		t.Error("re-queue enabled for a recorded event")
	}
	q.list.Select(2)
	if q.requeueOne.Disabled() {
		t.Fatal("re-queue disabled for a rejected event")
	}
	test.Tap(q.requeueOne)
	fx.settle()
	if len(qv.calls) != 1 || len(qv.calls[0]) != 1 || qv.calls[0][0] != "e3" || qv.roles[0] != RolePharmacist || sy.calls != 1 {
		t.Fatalf("re-queue calls %v roles %v, sync %d", qv.calls, qv.roles, sy.calls)
	}
	if !strings.Contains(q.state.Text, "1 rejected by the ledger") {
		t.Errorf("state after one re-queued %q", q.state.Text)
	}
	q.requeue() // what "Re-queue all rejected" does once confirmed
	fx.settle()
	fx.u.reportSync(SyncReport{LastSuccess: testNow})
	fx.settle()
	if len(qv.calls) != 2 || len(qv.calls[1]) != 0 || qv.counts.Rejected != 0 {
		t.Fatalf("re-queue all: calls %v, counts %+v", qv.calls, qv.counts)
	}
	if strings.Contains(q.state.Text, "rejected") || !strings.Contains(q.state.Text, "2 events wait to be sent") {
		t.Errorf("state after all re-queued %q", q.state.Text)
	}
	if !q.requeueAll.Disabled() {
		t.Error("re-queue all enabled with nothing rejected")
	}
	// Once they are on the ledger, and only then, it is up to date.
	qv.mu.Lock()
	qv.counts = QueueCounts{Recorded: 3}
	qv.mu.Unlock()
	fx.u.reportSync(SyncReport{LastSuccess: testNow})
	fx.settle()
	if !strings.HasPrefix(q.state.Text, "Up to date.") {
		t.Errorf("state with everything recorded %q", q.state.Text)
	}
	// Pending events show why they are not on the ledger yet.
	line := q.eventLine(QueuedEvent{Event: trace.Event{Kind: trace.KindShip, Time: testNow, SSCC: "340123450000000017"}, State: "pending",
		Attempts: 4, Message: "transaction t1: ledger unavailable: could not launch chaincode\nDetails: ..."})
	if !strings.HasSuffix(line, "4 attempts · not sent yet: transaction t1: ledger unavailable: could not launch chaincode") {
		t.Errorf("pending line %q", line)
	}
}
