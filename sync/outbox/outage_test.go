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
	"github.com/medtrace/medtrace/sync/outbox"

	"github.com/medtrace/medtrace/internal/gs1"
)

// outagePortBase is the private network's first port (the shared test
// network uses 27150 and up, a user's network 27050).
const outagePortBase = 27450

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

// TestLedgerOutage stops the peer, then the orderer, of a private network
// this test starts, in the middle of a sync, and starts them again: the
// queue drains, nothing is doubled, and the status said so throughout.
func TestLedgerOutage(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := network.FindCheckout(wd)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(root, "bin", "fabric", "peer")); err != nil {
		network.ForTest(t) // builds the Fabric binaries into bin/fabric, or fails saying why
		if _, err := os.Stat(filepath.Join(root, "bin", "fabric", "peer")); err != nil {
			t.Fatalf("no Fabric binaries in %s (run 'make fabric'): %v", filepath.Join(root, "bin", "fabric"), err)
		}
	}
	cfg := network.Config{StateDir: filepath.Join(t.TempDir(), "net"), PortBase: outagePortBase,
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
			c.Close()
		}
	}()
	if err := ledger.Configure(ctx, p, clients["regulator"]); err != nil {
		t.Fatal(err)
	}
	e := &netEnv{profilePath: n.ProfilePath, p: p, c: clients, run: "OUTAGE"}
	prefix := p.CompanyPrefixes["manufacturer"][0]
	e.gtin = gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 778))

	s, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	log := &statusLog{ch: make(chan struct{}, 1)}
	eng := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(clients["manufacturer"]), Progress: log,
		BatchSize: 10, InFlight: 2, Lease: 20 * time.Second, MinBackoff: 200 * time.Millisecond, MaxBackoff: 2 * time.Second})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()

	for _, comp := range []string{"peer", "orderer"} {
		t.Run(comp, func(t *testing.T) {
			before := log.len()
			recorded0 := eng.Status().Recorded
			tx, _ := s.BeginTx(ctx)
			for range 300 {
				if _, err := s.EnqueueTx(ctx, tx, e.commission()); err != nil {
					t.Fatal(err)
				}
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
			// Network.Up started it as this process's child: reap it, and
			// wait until the network sees it gone (its threads tear down
			// after the main one), or the next Up would think it runs.
			var ws syscall.WaitStatus
			syscall.Wait4(pid, &ws, 0, nil)
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
			log.waitFor(t, log.len(), "the status to report the outage", 2*time.Minute, func(st outbox.Status) bool {
				return st.Err != nil && (errors.Is(st.Err, ledger.ErrUnavailable) || errors.Is(st.Err, ledger.ErrCommitUnknown)) &&
					st.Pending > 0 && !st.RetryAt.IsZero()
			})
			unsent, _ := s.Unsent(ctx)
			t.Logf("%s stopped with %d events unsent: %v", comp, unsent, eng.Status().Err)
			if _, err := network.Up(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			drained := log.waitFor(t, log.len(), "the queue to drain", 5*time.Minute, func(st outbox.Status) bool {
				return st.Pending == 0 && st.Err == nil
			})
			if n, _ := s.Unsent(ctx); n != 0 {
				t.Errorf("the status said drained, the store holds %d unsent", n)
			}
			// The status told the truth: from the moment the sync was under
			// way until the drain, no status claimed an empty queue.
			for i, st := range log.since(underway)[:drained-underway] {
				if st.Pending == 0 {
					t.Errorf("status %d reported an empty queue before the drain: %+v", underway+i, st)
				}
			}
		})
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	if n := onLedgerOnce(t, s, clients["manufacturer"]); n != 600 {
		t.Errorf("%d events, want 600", n)
	}
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
