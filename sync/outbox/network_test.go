package outbox_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/sync/outbox"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/trace"
)

// netEnv is the real network (orderer, peer, chaincode as a service) with a
// client per role, configured by its regulator, and this run's unique names.
type netEnv struct {
	profilePath string
	p           *ledger.Profile
	c           map[string]*ledger.Client
	gtin        string
	run         string
	n           atomic.Int64
}

func netSetup(t *testing.T) *netEnv { return netSetupB(t) }

func netSetupB(t testing.TB) *netEnv {
	t.Helper()
	n, p, clients := networktest.ClientsForTest(t)
	b := make([]byte, 4)
	rand.Read(b)
	prefix := p.CompanyPrefixes["manufacturer"][0]
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 777))
	return &netEnv{profilePath: n.ProfilePath, p: p, c: clients, gtin: gtin, run: strings.ToUpper(hex.EncodeToString(b))}
}

// commission is a fresh, valid commissioning event of this run.
func (e *netEnv) commission() trace.Event {
	return trace.Event{Kind: trace.KindCommission, Location: e.p.GLNs["manufacturer"], GTIN: e.gtin,
		Serial: fmt.Sprintf("O%s%d", e.run, e.n.Add(1)), Batch: "OB" + e.run[:4], Expiry: "2031-06-30"}
}

// onLedgerOnce resubmits every stored event: the ledger must answer
// "duplicate" for each, naming the transaction the store recorded. So each
// event is on the ledger, once, where the store says.
func onLedgerOnce(t *testing.T, s *store.Store, c *ledger.Client) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	evs, err := s.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(evs); i += 100 {
		part := evs[i:min(i+100, len(evs))]
		batch := make([]trace.Event, len(part))
		for j, q := range part {
			if q.State != store.StateRecorded || q.TxID == "" || q.Block == 0 {
				t.Fatalf("event %s not recorded: %+v", q.Event.ID, q)
			}
			batch[j] = q.Event
		}
		res, err := c.Submit(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for j, r := range res.Results {
			if r.Status != trace.StatusDuplicate || r.TxID != part[j].TxID {
				t.Fatalf("event %s resubmitted: %+v; the store says tx %s", part[j].Event.ID, r, part[j].TxID)
			}
		}
	}
	return len(evs)
}

// counting counts the batches an engine prepares.
type counting struct {
	outbox.Ledger
	prepared atomic.Int64
}

func (c *counting) Prepare(ctx context.Context, evs []trace.Event) (outbox.Pending, error) {
	c.prepared.Add(1)
	return c.Ledger.Prepare(ctx, evs)
}

// TestOnTheNetwork runs the sync engine against the real Fabric network.
func TestOnTheNetwork(t *testing.T) {
	e := netSetup(t)
	t.Run("drain exactly once", func(t *testing.T) { testNetDrain(t, e) })
	t.Run("recovery by transaction id", func(t *testing.T) { testNetRecovery(t, e) })
	t.Run("snapshot follow verify", func(t *testing.T) { testNetCopy(t, e) })
	t.Run("kill -9", func(t *testing.T) { testNetKill(t, e) })
	t.Run("each event signed by its identity", func(t *testing.T) { testNetSigners(t, e) })
}

// testNetSigners: one store holds the manufacturer's commissions and one
// commission queued for the pharmacy. The manufacturer's engine sends its
// own and never the pharmacy's (which it could have got recorded as the
// manufacturer); the pharmacy's engine sends that one, as the pharmacy, and
// the ledger refuses it: a pharmacy does not commission.
func testNetSigners(t *testing.T, e *netEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }() // the test's answer is in already
	var mine []string
	for range 5 {
		ev, err := s.Enqueue(ctx, e.commission(), store.SignedBy("manufacturer"))
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, ev.ID)
	}
	theirs, err := s.Enqueue(ctx, e.commission(), store.SignedBy("pharmacy"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"]), Signer: "manufacturer"}).Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Recorded != len(mine) || st.Pending != 1 || st.Waiting["pharmacy"] != 1 {
		t.Fatalf("manufacturer's engine: %+v", st)
	}
	v, err := e.c["regulator"].Verify(ctx, theirs.GTIN, theirs.Serial, "", "")
	if err != nil || v.Status != trace.PackUnknown {
		t.Fatalf("the pharmacy's event reached the ledger through the manufacturer's engine: %+v %v", v, err)
	}
	evs, err := s.Events(ctx, store.EventFilter{Key: theirs.GTIN + "/" + theirs.Serial})
	if err != nil || len(evs) != 1 {
		t.Fatalf("%+v %v", evs, err)
	}
	var se *store.SignerError
	if err := evs[0].WaitsFor("manufacturer"); !errors.As(err, &se) || se.Signer != "pharmacy" {
		t.Fatalf("WaitsFor = %v", err)
	}
	st, err = outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["pharmacy"]), Signer: "pharmacy"}).Drain(ctx)
	if err != nil || st.Pending != 0 || st.Rejected != 1 {
		t.Fatalf("pharmacy's engine: %+v %v", st, err)
	}
	evs, err = s.Events(ctx, store.EventFilter{Key: theirs.GTIN + "/" + theirs.Serial})
	if err != nil || len(evs) != 1 || evs[0].State != store.StateRejected || evs[0].Reason != "not-authorized" {
		t.Fatalf("sent as the pharmacy: %+v %v", evs, err)
	}
}

func testNetDrain(t *testing.T, e *netEnv) {
	s, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	ctx := context.Background()
	const n = 400
	tx, err := s.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := s.EnqueueTx(ctx, tx, e.commission()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	eng := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"]), BatchSize: 100, InFlight: 4})
	start := time.Now()
	st, err := eng.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if st.Pending != 0 || st.Recorded != n {
		t.Fatalf("status %+v", st)
	}
	t.Logf("drained %d events in %s (%.0f events/s)", n, d.Round(time.Millisecond), n/d.Seconds())
	onLedgerOnce(t, s, e.c["manufacturer"])
}

func testNetRecovery(t *testing.T, e *netEnv) {
	cases := []struct {
		name     string
		sent     bool // the crash came after the transaction was sent and committed
		prepared int64
	}{
		{"crash after commit, before the answer was stored", true, 0},
		{"crash after the tx id was stored, before sending", false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			clk := newClock()
			s, err := store.Open(ctx, t.TempDir(), clk.opt())
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, s)
			for range 5 {
				if _, err := s.Enqueue(ctx, e.commission()); err != nil {
					t.Fatal(err)
				}
			}
			l := outbox.NewClient(e.c["manufacturer"])
			claim, err := s.ClaimBatch(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			p, err := l.Prepare(ctx, claim.Events)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetTxID(ctx, claim.ID, p.TxID()); err != nil {
				t.Fatal(err)
			}
			if c.sent {
				if _, err := p.Submit(ctx); err != nil {
					t.Fatal(err)
				}
			}
			clk.Add(2 * time.Minute) // the crashed process's lease runs out
			cl := &counting{Ledger: l}
			if _, err := outbox.New(outbox.Config{Store: s, Ledger: cl, Now: clk.Now}).Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if got := cl.prepared.Load(); got != c.prepared {
				t.Errorf("%d batches prepared after the crash, want %d", got, c.prepared)
			}
			evs, err := s.Events(ctx, store.EventFilter{})
			if err != nil || len(evs) == 0 {
				t.Fatalf("events %+v, %v", evs, err)
			}
			if c.sent && evs[0].TxID != p.TxID() {
				t.Errorf("recorded in %s, want the crashed transaction %s", evs[0].TxID, p.TxID())
			}
			onLedgerOnce(t, s, e.c["manufacturer"])
		})
	}
}

func testNetCopy(t *testing.T, e *netEnv) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	reg := outbox.NewClient(e.c["regulator"])
	first, err := s.Enqueue(ctx, e.commission())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"])}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	calls := 0
	stamp, err := outbox.Snapshot(ctx, s, reg, func(done, total int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	packs, _, _ := s.CopySize(ctx)
	t.Logf("snapshot: %d packs in %d pages, %s", packs, calls, stamp)
	lp, err := s.LookupPack(ctx, first.GTIN, first.Serial, "")
	if err != nil || !lp.Found || lp.Pack.Status != trace.PackActive || lp.Pack.Batch != first.Batch {
		t.Fatalf("pack committed before the snapshot: %+v %v", lp, err)
	}
	// Follow: a pack commissioned now reaches the local copy.
	fs := feedSignal{Feed: reg, applied: make(chan uint64, 100)}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	eng := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"]), Feed: fs})
	go func() { done <- eng.Run(runCtx) }()
	second, err := s.Enqueue(ctx, e.commission())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(2 * time.Minute)
	for {
		lp, err = s.LookupPack(ctx, second.GTIN, second.Serial, "")
		if err == nil && lp.Found {
			break
		}
		select {
		case <-fs.applied:
		case <-deadline:
			t.Fatal("the local copy did not follow the ledger")
		}
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	cp, err := s.Checkpoint(ctx, outbox.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if lp.Pack.Block == 0 || cp < lp.Pack.Block {
		t.Errorf("pack from block %d, checkpoint %d", lp.Pack.Block, cp)
	}
	// Verify online, then offline with its as-of.
	v := &outbox.Verifier{Store: s, Online: reg, Timeout: 10 * time.Second}
	q := outbox.Query{GTIN: second.GTIN, Serial: second.Serial, Batch: second.Batch, Expiry: second.Expiry}
	on, online, err := v.Verify(ctx, q)
	if err != nil || online != nil || on.Offline || on.Status != trace.PackActive {
		t.Fatalf("online: %+v %v %v", on, online, err)
	}
	off, err := v.Offline(ctx, q)
	if err != nil || !off.Offline || off.Status != trace.PackActive || off.Block != cp || off.AsOf.IsZero() {
		t.Fatalf("offline: %+v %v", off, err)
	}
}

// testNetKill is TestKillNine against the real network: a child process
// captures commissioning events and syncs them to Fabric while it is killed
// with SIGKILL, 100 times; then every event is on the ledger exactly once.
func testNetKill(t *testing.T, e *netEnv) {
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	spec := fmt.Sprintf("%s|%s|%s|%s|%s", e.profilePath, e.gtin, e.p.GLNs["manufacturer"], "OB"+e.run[:4], e.run)
	durable := killCycles(t, dataDir, 100, 150, 900, func(c int) string {
		return fmt.Sprintf("net|%s|%s|%d", dataDir, spec, c)
	})
	ctx := context.Background()
	s, err := store.Open(ctx, dataDir, store.Options{Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if _, err := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"])}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	n := onLedgerOnce(t, s, e.c["manufacturer"])
	t.Logf("100 kills: %d events reported durable, %d stored; every one on the ledger once", len(durable), n)
}
