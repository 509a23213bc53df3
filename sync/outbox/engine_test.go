package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/sync/outbox/fakeledger"
	"github.com/medtrace/medtrace/trace"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock() *clock               { return &clock{t: time.Now()} }
func (c *clock) opt() store.Options  { return store.Options{Now: c.Now} }
func enq(t *testing.T, s *store.Store, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		ev, err := s.Enqueue(context.Background(), trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352",
			Serial: fmt.Sprintf("S%05d", i), Batch: "B1", Expiry: "2030-12-31", Location: "4012345000009"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	return ids
}

func setup(t testing.TB, opt store.Options) (*store.Store, *fakeledger.Ledger) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, filepath.Join(dir, "data"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mustClose(t, s) })
	l, err := fakeledger.Open(ctx, filepath.Join(dir, "fake-ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mustClose(t, l) })
	return s, l
}

// mustClose closes c and fails the test if that fails: a store or fake
// ledger that cannot close cleanly may not have kept what it acknowledged.
func mustClose(tb testing.TB, c io.Closer) {
	tb.Helper()
	if err := c.Close(); err != nil {
		tb.Errorf("close: %v", err)
	}
}

// exactlyOnce checks every id was accepted by the ledger exactly once and
// is recorded in the store.
func exactlyOnce(t *testing.T, s *store.Store, l *fakeledger.Ledger, ids []string) (dups int) {
	t.Helper()
	ctx := context.Background()
	acc, dup, err := l.Deliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if acc[id] != 1 {
			t.Errorf("event %s accepted %d times, want exactly once", id, acc[id])
		}
		dups += dup[id]
	}
	if len(acc) != len(ids) {
		t.Errorf("ledger holds %d events, want %d", len(acc), len(ids))
	}
	evs, err := s.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.State != store.StateRecorded || e.TxID == "" || e.Block == 0 {
			t.Errorf("event %s: state %s tx %q block %d", e.Event.ID, e.State, e.TxID, e.Block)
		}
	}
	return dups
}

func TestDrain(t *testing.T) {
	s, l := setup(t, store.Options{})
	ids := enq(t, s, 250)
	e := outbox.New(outbox.Config{Store: s, Ledger: l, BatchSize: 100})
	st, err := e.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 0 || st.Recorded != 250 || st.LastSuccess.IsZero() || l.Submitted() != 3 {
		t.Errorf("status %+v, %d transactions (want 3)", st, l.Submitted())
	}
	exactlyOnce(t, s, l, ids)
}

func TestCrashRecovery(t *testing.T) {
	cases := []struct {
		name string
		// crash leaves a claimed batch behind the way a crash at that moment would.
		crash       func(t *testing.T, s *store.Store, l *fakeledger.Ledger, c store.Claim)
		wantSubmits int
	}{
		{"after claim, before the tx id was stored", func(t *testing.T, s *store.Store, l *fakeledger.Ledger, c store.Claim) {}, 1},
		{"after the tx id was stored, before sending", func(t *testing.T, s *store.Store, l *fakeledger.Ledger, c store.Claim) {
			p, _ := l.Prepare(context.Background(), c.Events)
			if err := s.SetTxID(context.Background(), c.ID, p.TxID()); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"after commit, before the answer was recorded", func(t *testing.T, s *store.Store, l *fakeledger.Ledger, c store.Claim) {
			p, _ := l.Prepare(context.Background(), c.Events)
			if err := s.SetTxID(context.Background(), c.ID, p.TxID()); err != nil {
				t.Fatal(err)
			}
			if _, err := p.Submit(context.Background()); err != nil {
				t.Fatal(err)
			}
		}, 1}, // looked up by tx id, never resent
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := newClock()
			s, l := setup(t, clk.opt())
			ids := enq(t, s, 5)
			claim, err := s.ClaimBatch(context.Background(), 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			c.crash(t, s, l, claim)
			e := outbox.New(outbox.Config{Store: s, Ledger: l, Lease: time.Minute, Now: clk.Now})
			if n, err := e.Step(context.Background()); n != 0 || err != nil {
				t.Fatalf("while the lease holds: %d settled, %v", n, err)
			}
			clk.Add(61 * time.Second)
			if _, err := e.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			if l.Submitted() != c.wantSubmits {
				t.Errorf("%d transactions sent, want %d", l.Submitted(), c.wantSubmits)
			}
			if d := exactlyOnce(t, s, l, ids); d != 0 {
				t.Errorf("%d duplicate deliveries", d)
			}
		})
	}
}

func TestLostAnswerIsLookedUpNotResent(t *testing.T) {
	s, l := setup(t, store.Options{})
	ids := enq(t, s, 10)
	l.LoseAnswers(1)
	e := outbox.New(outbox.Config{Store: s, Ledger: l})
	_, err := e.Drain(context.Background())
	if !errors.Is(err, ledger.ErrCommitUnknown) {
		t.Fatalf("got %v, want ErrCommitUnknown", err)
	}
	if st := e.Status(); st.Err == nil || st.Pending != 10 {
		t.Errorf("status %+v: must say what is wrong and that 10 are unsent", st)
	}
	if _, err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l.Submitted() != 1 {
		t.Errorf("%d transactions sent, want 1 (the lost answer is looked up)", l.Submitted())
	}
	if d := exactlyOnce(t, s, l, ids); d != 0 {
		t.Errorf("%d duplicates", d)
	}
}

func TestRefusedBatchIsSplit(t *testing.T) {
	s, l := setup(t, store.Options{})
	ids := enq(t, s, 5)
	l.RefuseBatchesWith(ids[2])
	// One sender: with several, one of them may claim the refused event alone
	// during the first Drain, and which Drain sees it refused is a race.
	e := outbox.New(outbox.Config{Store: s, Ledger: l, InFlight: 1, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx := context.Background()
	if _, err := e.Drain(ctx); !errors.Is(err, ledger.ErrRejected) {
		t.Fatalf("got %v, want ErrRejected", err)
	}
	// One by one: the others go, the refused one waits (it is the first
	// claimed, refused again on its own, and parked for the backoff).
	if _, err := e.Drain(ctx); !errors.Is(err, ledger.ErrRejected) {
		t.Fatalf("got %v, want ErrRejected for the event alone", err)
	}
	if _, err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.StateRecorded] != 4 || counts[store.StatePending] != 1 || counts[store.StateRejected] != 0 {
		t.Fatalf("counts %v, want 4 recorded and 1 pending, none rejected (a refusal of the whole request is no verdict)", counts)
	}
	left, err := s.Events(ctx, store.EventFilter{States: []store.State{store.StatePending}})
	if err != nil || len(left) != 1 {
		t.Fatalf("pending events %+v, %v; want the refused one", left, err)
	}
	if left[0].Event.ID != ids[2] || left[0].Reason != "" || left[0].Message == "" || left[0].NotBefore.IsZero() {
		t.Errorf("refused event %+v: want pending, its last error shown, parked", left[0])
	}
}

// progress collects statuses for the outage test.
type progress struct{ ch chan outbox.Status }

func (p progress) SyncStatus(s outbox.Status) { p.ch <- s }

func TestOutageBacksOffAndTellsTheTruth(t *testing.T) {
	s, l := setup(t, store.Options{})
	ids := enq(t, s, 30)
	l.SetDown(true)
	p := progress{ch: make(chan outbox.Status, 1000)}
	e := outbox.New(outbox.Config{Store: s, Ledger: l, Progress: p, BatchSize: 10, InFlight: 1,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Idle: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	deadline := time.After(20 * time.Second)
	var delays []time.Duration
	last := time.Now()
	for len(delays) < 6 {
		select {
		case st := <-p.ch:
			if st.Err == nil {
				continue
			}
			if !errors.Is(st.Err, ledger.ErrUnavailable) || st.Pending != 30 || !st.LastSuccess.IsZero() {
				t.Fatalf("while down: %+v", st)
			}
			delays = append(delays, st.RetryAt.Sub(st.At))
			last = time.Now()
		case <-deadline:
			t.Fatal("no retries reported")
		}
	}
	_ = last
	if delays[5] < 20*time.Millisecond || delays[5] > 40*time.Millisecond {
		t.Errorf("sixth delay %v, want in [20ms, 40ms] (capped, jittered)", delays[5])
	}
	l.SetDown(false)
	for {
		select {
		case st := <-p.ch:
			if st.Err == nil && st.Pending == 0 {
				if st.LastSuccess.IsZero() {
					t.Error("drained but no last success")
				}
				cancel()
				if err := <-done; !errors.Is(err, context.Canceled) {
					t.Errorf("run: %v", err)
				}
				exactlyOnce(t, s, l, ids)
				return
			}
		case <-deadline:
			t.Fatal("queue never drained after the ledger came back")
		}
	}
}

func TestWakesOnEnqueue(t *testing.T) {
	s, l := setup(t, store.Options{})
	p := progress{ch: make(chan outbox.Status, 100)}
	e := outbox.New(outbox.Config{Store: s, Ledger: l, Progress: p, Idle: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("run: %v", err)
		}
	}()
	<-p.ch // started, idle for an hour
	ids := enq(t, s, 1)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case st := <-p.ch:
			if st.Recorded == 1 {
				exactlyOnce(t, s, l, ids)
				return
			}
		case <-timeout:
			t.Fatal("the engine did not wake for a new event")
		}
	}
}
