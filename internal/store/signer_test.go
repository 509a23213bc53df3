package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// TestClaimBySigner: an engine claims only the events of the identity it
// signs as; the others wait, named with the identity they wait for, and
// keep later events about the same pack behind them.
func TestClaimBySigner(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	add := func(ev trace.Event, signer string) string {
		t.Helper()
		var opts []EnqueueOption
		if signer != "" {
			opts = append(opts, SignedBy(signer))
		}
		ev, err := s.Enqueue(ctx, ev, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	ids := func(c Claim) (out []string) {
		for _, e := range c.Events {
			out = append(out, e.ID)
		}
		return out
	}
	ship := add(trace.Event{Kind: trace.KindShip, GTIN: "1", Serial: "P", Location: "D", Counterparty: "F"}, "distributor")
	receive := add(trace.Event{Kind: trace.KindReceive, GTIN: "1", Serial: "P", Location: "F"}, "pharmacy")
	dispense := add(trace.Event{Kind: trace.KindDispense, GTIN: "1", Serial: "Q", Location: "F"}, "pharmacy")
	old := add(trace.Event{Kind: trace.KindDispense, GTIN: "1", Serial: "R", Location: "F"}, "")

	t.Run("the pharmacy's engine takes only its own, and not before the ship of the same pack", func(t *testing.T) {
		c, err := s.ClaimAndPrepareAs(ctx, "pharmacy", 10, time.Minute, nil)
		if got, want := fmt.Sprint(ids(c)), fmt.Sprint([]string{dispense}); err != nil || got != want {
			t.Fatalf("claimed %s, want %s (%v)", got, want, err)
		}
		must(t, s.Release(ctx, c.ID, "test"))
	})
	t.Run("an engine naming no identity takes only events naming none", func(t *testing.T) {
		c, err := s.ClaimAndPrepare(ctx, 10, time.Minute, nil)
		if got, want := fmt.Sprint(ids(c)), fmt.Sprint([]string{old}); err != nil || got != want {
			t.Fatalf("claimed %s, want %s (%v)", got, want, err)
		}
		must(t, s.Release(ctx, c.ID, "test"))
	})
	t.Run("what waits, and for whom", func(t *testing.T) {
		w, err := s.Waiting(ctx, "pharmacy")
		if err != nil || len(w) != 2 || w["distributor"] != 1 || w[""] != 1 {
			t.Fatalf("waiting %v (%v)", w, err)
		}
		evs, err := s.Events(ctx, EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{ship: "distributor", receive: "pharmacy", dispense: "pharmacy", old: ""}
		for _, q := range evs {
			if q.Signer != want[q.Event.ID] {
				t.Errorf("event %s signer %q, want %q", q.Event.ID, q.Signer, want[q.Event.ID])
			}
			err := q.WaitsFor("pharmacy")
			var se *SignerError
			if mine := q.Signer == "pharmacy"; mine != (err == nil) || (!mine && (!errors.As(err, &se) || se.Signer != q.Signer || se.Identity != "pharmacy")) {
				t.Errorf("event %s of %q: WaitsFor(pharmacy) = %v", q.Event.ID, q.Signer, err)
			}
		}
	})
	t.Run("once the ship is recorded, the receive goes", func(t *testing.T) {
		c, err := s.ClaimAndPrepareAs(ctx, "distributor", 10, time.Minute, nil)
		if got, want := fmt.Sprint(ids(c)), fmt.Sprint([]string{ship}); err != nil || got != want {
			t.Fatalf("distributor claimed %s, want %s (%v)", got, want, err)
		}
		must(t, s.Record(ctx, c.ID, trace.BatchResult{TxID: "t1", Block: 1, Results: []trace.Result{{EventID: ship, Status: trace.StatusAccepted}}}))
		c, err = s.ClaimAndPrepareAs(ctx, "pharmacy", 10, time.Minute, nil)
		if got, want := fmt.Sprint(ids(c)), fmt.Sprint([]string{receive, dispense}); err != nil || got != want {
			t.Fatalf("pharmacy claimed %s, want %s (%v)", got, want, err)
		}
	})
	t.Run("a lapsed claim is taken over only by its own identity", func(t *testing.T) {
		clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
		s := openTest(t, Options{Now: clock.now})
		ev, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindDispense, GTIN: "1", Serial: "Z"}, SignedBy("pharmacy"))
		must(t, err)
		c, err := s.ClaimAndPrepareAs(ctx, "pharmacy", 10, time.Minute, nil)
		if err != nil || len(c.Events) != 1 {
			t.Fatalf("%v %v", ids(c), err)
		}
		clock.t = clock.t.Add(2 * time.Minute)
		if c, err := s.ClaimAndPrepareAs(ctx, "distributor", 10, time.Minute, nil); err != nil || len(c.Events) != 0 {
			t.Fatalf("another identity took over %v (%v)", ids(c), err)
		}
		if c, err := s.ClaimAndPrepareAs(ctx, "pharmacy", 10, time.Minute, nil); err != nil || !c.Recovered || fmt.Sprint(ids(c)) != fmt.Sprint([]string{ev.ID}) {
			t.Fatalf("own identity: %v recovered=%v (%v)", ids(c), c.Recovered, err)
		}
	})
	t.Run("bad names", func(t *testing.T) {
		for _, name := range []string{" pharmacy", "pharmacy\n", string(make([]byte, 201))} {
			if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindDispense, GTIN: "1", Serial: "B"}, SignedBy(name)); !errors.Is(err, ErrBadSigner) {
				t.Errorf("SignedBy(%q): err = %v", name, err)
			}
		}
	})
}
