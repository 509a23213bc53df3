package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// snapshotCalls tells when a snapshot's pages are in the copy (its stamp
// follows; the copy's earlier stamp stands until then).
type snapshotCalls struct {
	outbox.Feed
	calls chan struct{}
}

func (f snapshotCalls) Snapshot(ctx context.Context, page func(store.Changes, int, int) error) error {
	err := f.Feed.Snapshot(ctx, page)
	select {
	case f.calls <- struct{}{}:
	default: // the test has not looked at the last one yet: one signal is enough
	}
	return err
}

// TestScopedCopyOnTheNetwork: a pharmacy may not follow blocks, so its
// engine keeps its offline copy by scoped snapshots: at start, and after
// its own batch commits. The copy holds the pack it received and not the
// pack a distributor holds that it never held.
func TestScopedCopyOnTheNetwork(t *testing.T) {
	e := netSetup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	open := func() *store.Store {
		s, err := store.Open(ctx, t.TempDir(), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mustClose(t, s) })
		return s
	}
	// as enqueues events in a store of role's and sends them as role.
	as := func(role string, s *store.Store, evs ...trace.Event) {
		t.Helper()
		for _, ev := range evs {
			ev.Location = e.p.GLNs[role]
			if _, err := s.Enqueue(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		st, err := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c[role])}).Drain(ctx)
		if err != nil || st.Pending != 0 || st.Rejected != 0 {
			t.Fatalf("%s's events: %+v %v", role, st, err)
		}
	}
	ship := func(serial, to string) trace.Event {
		return trace.Event{Kind: trace.KindShip, GTIN: e.gtin, Serial: serial, Counterparty: e.p.GLNs[to]}
	}
	receive := func(serial string) trace.Event {
		return trace.Event{Kind: trace.KindReceive, GTIN: e.gtin, Serial: serial}
	}
	mine, theirs := e.commission(), e.commission()
	as("manufacturer", open(), mine, theirs, ship(mine.Serial, "distributor"), ship(theirs.Serial, "distributor"))
	as("distributor", open(), receive(mine.Serial), receive(theirs.Serial), ship(mine.Serial, "pharmacy"))

	phar := open()
	feed := snapshotCalls{Feed: outbox.NewClient(e.c["pharmacy"]), calls: make(chan struct{}, 1)}
	eng := outbox.New(outbox.Config{Store: phar, Ledger: outbox.NewClient(e.c["pharmacy"]), Feed: feed,
		RefreshEvery: time.Hour, RefreshGap: 200 * time.Millisecond}) // only its own batch brings a refresh
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	select {
	case <-feed.calls: // the snapshot at start
	case <-ctx.Done():
		t.Fatal("no snapshot at start")
	}
	ev := receive(mine.Serial)
	ev.Location = e.p.GLNs["pharmacy"]
	if _, err := phar.Enqueue(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case <-feed.calls:
		case <-ctx.Done():
			t.Fatal("the copy never showed the pharmacy's receive")
		}
		lp, err := phar.LookupPack(ctx, mine.GTIN, mine.Serial, "")
		if err == nil && lp.Found && lp.Pack.LastKind == trace.KindReceive && lp.Pack.LastPlace == e.p.GLNs["pharmacy"] {
			break
		}
	}
	st := eng.Status()
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	if st.Err != nil || st.Recorded != 1 {
		t.Errorf("status %+v: want the receive recorded and no error (a refused block stream is no outage)", st)
	}
	if lp, err := phar.LookupPack(ctx, theirs.GTIN, theirs.Serial, ""); err != nil || lp.Found {
		t.Errorf("a pack the pharmacy never held is in its copy: %+v %v", lp, err)
	}
}
