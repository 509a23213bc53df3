//go:build unix

package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/sync/outbox"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/trace"
)

// statusLog records every status the engine reports.
type statusLog struct {
	mu  sync.Mutex
	all []outbox.Status
	ch  chan struct{}
}

func (l *statusLog) SyncStatus(s outbox.Status) {
	l.mu.Lock()
	l.all = append(l.all, s)
	l.mu.Unlock()
	select {
	case l.ch <- struct{}{}:
	default:
	}
}

func (l *statusLog) since(i int) []outbox.Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]outbox.Status(nil), l.all[i:]...)
}

func (l *statusLog) len() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.all) }

// waitFor waits until a status reported at index from or later satisfies
// ok, and returns its index.
func (l *statusLog) waitFor(t *testing.T, from int, what string, d time.Duration, ok func(outbox.Status) bool) int {
	t.Helper()
	deadline := time.After(d)
	seen := from
	for {
		for _, s := range l.since(seen) {
			if ok(s) {
				return seen
			}
			seen++
		}
		select {
		case <-l.ch:
		case <-deadline:
			t.Fatalf("waited %s for %s; last status %+v", d, what, l.since(max(0, l.len()-1)))
		}
	}
}

// TestLedgerOutage kills (SIGKILL) the peer, then the orderer, then the
// chaincode process of a private network this test starts, each in the
// middle of a sync, and starts it again through the network manager: the
// queue drains, every event ends recorded, none rejected, none twice, and
// the status said so throughout. It logs, for each component, the events
// recorded, rejected and duplicated.
func TestLedgerOutage(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := network.FindCheckout(wd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(root, "bin", "fabric", "peer")); err != nil {
		networktest.ForTest(t) // builds the Fabric binaries into bin/fabric, or fails saying why
		if _, err := os.Stat(filepath.Join(root, "bin", "fabric", "peer")); err != nil {
			t.Fatalf("no Fabric binaries in %s (run 'make fabric'): %v", filepath.Join(root, "bin", "fabric"), err)
		}
	}
	base, err := network.FreePortBase() // a private network, apart from every other
	if err != nil {
		t.Fatal(err)
	}
	cfg := network.Config{StateDir: filepath.Join(t.TempDir(), "net"), PortBase: base,
		FabricBin: filepath.Join(root, "bin", "fabric"), ChaincodeDir: filepath.Join(root, "chaincode"), Log: testWriter{t}}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := network.Remove(c, cfg.StateDir, nil); err != nil {
			t.Errorf("remove the private network: %v", err)
		}
	})
	n, err := network.Up(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ledger.LoadProfile(n.ProfilePath)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := p.DialAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range clients {
			mustClose(t, c)
		}
	}()
	if err := ledger.Configure(ctx, p, networktest.AdminForTest(t, p)); err != nil {
		t.Fatal(err)
	}
	e := &netEnv{profilePath: n.ProfilePath, p: p, c: clients, run: "OUTAGE"}
	prefix := p.CompanyPrefixes["manufacturer"][0]
	e.gtin = gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 778))

	s, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	log := &statusLog{ch: make(chan struct{}, 1)}
	eng := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(clients["manufacturer"]), Progress: log,
		BatchSize: 10, InFlight: 2, Lease: 20 * time.Second, MinBackoff: 200 * time.Millisecond, MaxBackoff: 2 * time.Second})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()

	type tally struct{ recorded, rejected, duplicated int }
	report := map[string]tally{}
	comps := []string{"peer", "orderer", "chaincode"}
	for _, comp := range comps {
		t.Run(comp, func(t *testing.T) {
			before := log.len()
			recorded0 := eng.Status().Recorded
			tx, err := s.BeginTx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for range 300 {
				ev, err := s.EnqueueTx(ctx, tx, e.commission())
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, ev.ID)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			s.Notify()
			underway := log.waitFor(t, before, "the sync to be under way", 2*time.Minute, func(st outbox.Status) bool {
				return st.Recorded > recorded0 && st.Pending > 0
			})
			st, err := network.StatusOf(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			pid := 0
			for _, c := range st.Components {
				if c.Name == comp && c.Running {
					pid = c.PID
				}
			}
			if pid == 0 {
				t.Fatalf("no running %s in %+v", comp, st.Components)
			}
			// This test started the private network, so its processes are ours to stop.
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			// Network.Up starts each component detached (reparented at
			// once, so not this process's child to reap): wait until the
			// network sees it gone (its threads tear down after the main
			// one; a zombie counts as gone), or the next Up would think it
			// runs.
			gone := time.NewTicker(50 * time.Millisecond)
			for i := 0; ; i++ {
				st, err := network.StatusOf(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if !running(st, comp) {
					break
				}
				if i == 600 {
					t.Fatalf("%s still runs 30s after SIGKILL", comp)
				}
				<-gone.C
			}
			gone.Stop()
			// A dead chaincode is a whole request refused (the gateway's
			// Aborted): no verdict on the events either.
			log.waitFor(t, log.len(), "the status to report the outage", 2*time.Minute, func(st outbox.Status) bool {
				return st.Err != nil && (errors.Is(st.Err, ledger.ErrUnavailable) || errors.Is(st.Err, ledger.ErrCommitUnknown) ||
					errors.Is(st.Err, ledger.ErrRejected)) && st.Pending > 0 && !st.RetryAt.IsZero()
			})
			if n, err := s.Refused(ctx); err != nil || n != 0 {
				t.Errorf("%d events rejected during the %s outage (%v)", n, comp, err)
			}
			unsent, err := s.Unsent(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s stopped with %d events unsent: %v", comp, unsent, eng.Status().Err)
			if _, err := network.Up(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			drained := log.waitFor(t, log.len(), "the queue to drain", 5*time.Minute, func(st outbox.Status) bool {
				return st.Pending == 0 && st.Err == nil
			})
			if n, err := s.Unsent(ctx); err != nil || n != 0 {
				t.Errorf("the status said drained, the store holds %d unsent (%v)", n, err)
			}
			// The status told the truth: from the moment the sync was under
			// way until the drain, no status claimed an empty queue.
			for i, st := range log.since(underway)[:drained-underway] {
				if st.Pending == 0 {
					t.Errorf("status %d reported an empty queue before the drain: %+v", underway+i, st)
				}
			}
			var tl tally
			tl.recorded, tl.rejected, tl.duplicated = tallyOnLedger(t, s, clients["manufacturer"], ids)
			report[comp] = tl
			if tl.recorded != len(ids) || tl.rejected != 0 || tl.duplicated != 0 {
				t.Errorf("%s killed: %d of %d recorded, %d rejected, %d duplicated", comp, tl.recorded, len(ids), tl.rejected, tl.duplicated)
			}
		})
	}
	for _, comp := range comps {
		tl := report[comp]
		t.Logf("REPORT kill -9 %s mid-sync: 300 events, %d recorded, %d rejected, %d duplicated", comp, tl.recorded, tl.rejected, tl.duplicated)
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	if n := onLedgerOnce(t, s, clients["manufacturer"]); n != 300*len(comps) {
		t.Errorf("%d events, want %d", n, 300*len(comps))
	}
}

// tallyOnLedger counts, of the events ids, those the store holds as
// recorded and as rejected (or in conflict), and those on the ledger twice:
// each recorded event is sent again, and the ledger must answer
// "duplicate" naming the one transaction the store recorded; an
// "accepted" (it was not there) or another transaction counts as a
// duplicate, i.e. a lost or doubled record.
func tallyOnLedger(t *testing.T, s *store.Store, c *ledger.Client, ids []string) (recorded, rejected, duplicated int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	evs, err := s.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sent []store.Queued
	for _, q := range evs {
		if !want[q.Event.ID] {
			continue
		}
		switch q.State {
		case store.StateRecorded:
			recorded++
			sent = append(sent, q)
		case store.StateRejected, store.StateConflict:
			rejected++
			t.Logf("event %s %s: %s %s", q.Event.ID, q.State, q.Reason, q.Message)
		}
	}
	for i := 0; i < len(sent); i += 100 {
		part := sent[i:min(i+100, len(sent))]
		batch := make([]trace.Event, len(part))
		for j, q := range part {
			batch[j] = q.Event
		}
		res, err := c.Submit(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for j, r := range res.Results {
			if r.Status != trace.StatusDuplicate || r.TxID != part[j].TxID {
				duplicated++
				t.Logf("event %s: ledger answers %+v; the store says tx %s", part[j].Event.ID, r, part[j].TxID)
			}
		}
	}
	return recorded, rejected, duplicated
}

// testWriter sends the network's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// running reports whether the network's component comp runs.
func running(st network.Status, comp string) bool {
	for _, c := range st.Components {
		if c.Name == comp {
			return c.Running
		}
	}
	return false
}
