package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// rejectedQueue enqueues n dispense events and settles them all as
// rejected by the chaincode, returning their IDs.
func rejectedQueue(t *testing.T, s *Store, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		ev, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindDispense, GTIN: "09506000134352", Serial: fmt.Sprint("R", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	c, err := s.ClaimBatch(ctx, n, time.Minute)
	if err != nil || len(c.Events) != n {
		t.Fatalf("claim %+v %v", c, err)
	}
	res := trace.BatchResult{TxID: "tx-r", Block: 9}
	for _, id := range ids {
		res.Results = append(res.Results, trace.Result{EventID: id, Status: trace.StatusRejected, Reason: "unknown-pack", Message: "The pack was never commissioned."})
	}
	if err := s.Record(ctx, c.ID, res); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestRequeue(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	by := Actor{User: "alice", Role: "pharmacy"}
	tests := []struct {
		name    string
		refs    func(ids []string) []string
		want    []int // indexes of ids re-queued
		wantErr func(error) bool
	}{
		{"all", func([]string) []string { return nil }, []int{0, 1, 2}, nil},
		{"one by ID", func(ids []string) []string { return ids[1:2] }, []int{1}, nil},
		{"one by sequence number", func([]string) []string { return []string{"3"} }, []int{2}, nil},
		{"the same twice", func(ids []string) []string { return []string{ids[0], "1"} }, []int{0}, nil},
		{"unknown ID", func(ids []string) []string { return []string{ids[0], "nope"} }, nil,
			func(err error) bool { return errors.Is(err, ErrNoSuchEvent) }},
		{"unknown sequence number", func([]string) []string { return []string{"99"} }, nil,
			func(err error) bool { return errors.Is(err, ErrNoSuchEvent) }},
		{"not rejected", func([]string) []string { return []string{"4"} }, nil, func(err error) bool {
			var nr *NotRejectedError
			return errors.As(err, &nr) && nr.State == StatePending && nr.Ref == "4"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, Options{Now: func() time.Time { return at }})
			ids := rejectedQueue(t, s, 3)
			if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindDispense, GTIN: "09506000134352", Serial: "OTHER"}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Requeue(ctx, by, tt.refs(ids)...)
			if tt.wantErr != nil {
				if !tt.wantErr(err) || got != nil {
					t.Fatalf("got %v, %v", got, err)
				}
				if c, _ := s.Counts(ctx); c[StateRejected] != 3 {
					t.Fatalf("a refused re-queue changed the queue: %v", c)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %+v, %v; want %d re-queued", got, err, len(tt.want))
			}
			for i, w := range tt.want {
				r := got[i]
				if r.EventID != ids[w] || r.By != "alice" || r.Role != "pharmacy" || !r.At.Equal(at) ||
					r.Reason != "unknown-pack" || r.Message == "" || r.TxID != "tx-r" || r.Block != 9 {
					t.Errorf("record %d: %+v", i, r)
				}
			}
			c, _ := s.Counts(ctx)
			if c[StateRejected] != 3-len(tt.want) || c[StatePending] != 1+len(tt.want) {
				t.Errorf("counts %v", c)
			}
			evs, _ := s.Events(ctx, EventFilter{})
			for _, w := range tt.want {
				e := evs[w]
				if e.State != StatePending || e.Reason != "" || e.TxID != "" || e.Requeued == nil || e.Requeued.Reason != "unknown-pack" || e.Requeued.By != "alice" {
					t.Errorf("event %d after re-queue: %+v (requeued %+v)", w, e, e.Requeued)
				}
			}
			// The record outlives the event's next outcome.
			cl, err := s.ClaimBatch(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			res := trace.BatchResult{TxID: "tx-ok", Block: 10}
			for _, ev := range cl.Events {
				res.Results = append(res.Results, trace.Result{EventID: ev.ID, Status: trace.StatusAccepted})
			}
			if err := s.Record(ctx, cl.ID, res); err != nil {
				t.Fatal(err)
			}
			all, err := s.Requeues(ctx, "")
			if err != nil || len(all) != len(tt.want) {
				t.Fatalf("requeues %+v %v", all, err)
			}
			one, err := s.Requeues(ctx, ids[tt.want[0]])
			if err != nil || len(one) != 1 || one[0].Message != "The pack was never commissioned." {
				t.Fatalf("requeues of one event %+v %v", one, err)
			}
		})
	}
	t.Run("nobody", func(t *testing.T) {
		s := openTest(t, Options{})
		rejectedQueue(t, s, 1)
		if _, err := s.Requeue(ctx, Actor{}); err == nil {
			t.Fatal("a re-queue without a user was accepted")
		}
	})
	t.Run("wakes the sync engine", func(t *testing.T) {
		s := openTest(t, Options{})
		rejectedQueue(t, s, 1)
		for len(s.Enqueued()) > 0 {
			<-s.Enqueued()
		}
		if _, err := s.Requeue(ctx, by); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.Enqueued():
		default:
			t.Fatal("re-queue did not notify")
		}
	})
}

func TestParkedEventsWait(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := openTest(t, Options{Now: clock})
	ctx := context.Background()
	add := func(ev trace.Event) string {
		t.Helper()
		ev, err := s.Enqueue(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	e1 := add(trace.Event{Kind: trace.KindCommission, GTIN: "1", Serial: "P"})
	e2 := add(trace.Event{Kind: trace.KindShip, GTIN: "1", Serial: "P"})
	e3 := add(trace.Event{Kind: trace.KindCommission, GTIN: "1", Serial: "Q"})
	c, err := s.ClaimBatch(ctx, 1, time.Minute)
	if err != nil || len(c.Events) != 1 || c.Events[0].ID != e1 {
		t.Fatalf("claim %+v %v", c, err)
	}
	if err := s.Park(ctx, c.ID, "refused as a whole", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.Events(ctx, EventFilter{})
	if evs[0].State != StatePending || evs[0].Message != "refused as a whole" || !evs[0].NotBefore.Equal(now.Add(time.Minute)) {
		t.Fatalf("parked event %+v", evs[0])
	}
	// e1 waits, and so does e2 (the same pack, after it); e3 goes.
	c2, err := s.ClaimBatch(ctx, 10, time.Hour)
	if err != nil || len(c2.Events) != 1 || c2.Events[0].ID != e3 {
		t.Fatalf("claim beside a parked event: %+v %v", c2, err)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	c3, err := s.ClaimBatch(ctx, 10, time.Minute)
	if err != nil || len(c3.Events) != 2 || c3.Events[0].ID != e1 || c3.Events[1].ID != e2 {
		t.Fatalf("claim after the wait: %+v %v", c3, err)
	}
	evs, _ = s.Events(ctx, EventFilter{})
	if !evs[0].NotBefore.IsZero() {
		t.Errorf("a claimed event still parked: %+v", evs[0])
	}
}
