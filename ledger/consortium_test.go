package ledger_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// consortiumSetup starts (or reuses) the consortium test network: a peer
// per member organisation, three Raft orderers, MAJORITY endorsement,
// mutual TLS. Its clients each talk to their own organisation's peer.
func consortiumSetup(t testing.TB) *env {
	t.Helper()
	n := networktest.ConsortiumForTest(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	p, err := ledger.LoadProfile(n.ProfilePath)
	if err != nil {
		t.Fatal(err)
	}
	clients, err := p.DialAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range clients {
			_ = c.Close() // a test client: nothing to report
		}
	})
	b := make([]byte, 4)
	rand.Read(b)
	return &env{p: p, c: clients, admin: networktest.AdminForTest(t, p), n: n, second: map[string]*ledger.Client{},
		glns: p.GLNs, prefix: p.CompanyPrefixes["manufacturer"][0], run: strings.ToUpper(hex.EncodeToString(b)), stateDir: n.StateDir}
}

// TestConsortium runs MedTrace's client on the consortium topology: every
// member through its own peer with mutual TLS; a transaction needs a
// majority of the members, so with one member's peer down events are still
// recorded, and with two down they stay pending (ErrUnavailable, never
// rejected) and are recorded once when the peers are back.
func TestConsortium(t *testing.T) {
	e := consortiumSetup(t)
	t.Run("own peers", func(t *testing.T) { testOwnPeers(t, e) })
	t.Run("mutual TLS", func(t *testing.T) { testMutualTLS(t, e) })
	t.Run("members down", func(t *testing.T) { testMembersDown(t, e) })
	t.Run("snapshot join", func(t *testing.T) { testSnapshotJoin(t, e) })
}

// testOwnPeers: each role's client names its organisation's peer, and
// every member's peer answers for a pack recorded through another's.
func testOwnPeers(t *testing.T, e *env) {
	ctx := ctxT(t)
	seen := map[string]string{}
	for _, role := range e.p.Roles() {
		cfg, err := e.p.Config(role)
		if err != nil {
			t.Fatal(err)
		}
		if want := e.n.Members[role]; cfg.Endpoint != fmt.Sprintf("127.0.0.1:%d", want) {
			t.Errorf("%s talks to %s, want its own peer on port %d", role, cfg.Endpoint, want)
		}
		if other, dup := seen[cfg.Endpoint]; dup {
			t.Errorf("%s and %s share the peer %s", role, other, cfg.Endpoint)
		}
		seen[cfg.Endpoint] = role
		if cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" {
			t.Errorf("%s has no TLS client pair", role)
		}
	}
	gtin, serial := e.gtin(501), e.serial()
	res, err := e.c["manufacturer"].Submit(ctx, []trace.Event{e.commission(gtin, serial, "CONS1", "2031-01-31")})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Results[0].Status; got != trace.StatusAccepted {
		t.Fatalf("commission: %s (%s)", got, res.Results[0].Message)
	}
	for _, role := range e.p.Roles() {
		v, err := e.c[role].Verify(ctx, gtin, serial, "CONS1", "2031-01-31")
		if err != nil {
			t.Fatalf("verify through the %s peer: %v", role, err)
		}
		if v.Status != trace.PackActive {
			t.Errorf("verify through the %s peer: %s, want active", role, v.Status)
		}
	}
}

// testMutualTLS: a client without its TLS client certificate is refused
// by the peer (the gateway wants mutual TLS).
func testMutualTLS(t *testing.T, e *env) {
	ctx := ctxT(t)
	cfg, err := e.p.Config("pharmacy")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TLSCertFile, cfg.TLSKeyFile = "", ""
	c, err := ledger.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeClient(t, c)
	if _, err := c.Verify(ctx, e.gtin(501), "NOPE", "", ""); !errors.Is(err, ledger.ErrUnavailable) {
		t.Fatalf("verify without a TLS client certificate: %v, want refused (ErrUnavailable)", err)
	}
}

func closeClient(t *testing.T, c *ledger.Client) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

// testMembersDown stops the distributor's peer (3 of 4 members left: a
// majority), then the pharmacy's (2 of 4: none), by PID, while the
// manufacturer's outbox syncs; then starts them again. On a network a
// new member joined (testSnapshotJoin, an earlier run) it stops that
// member's peer with the pharmacy's: 2 of 5.
func testMembersDown(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	restart := func(ctx context.Context) error {
		// Up starts what is missing and waits until the peers know each
		// other again.
		_, err := network.Up(ctx, network.Config{StateDir: e.n.StateDir, FabricBin: fabricBin(t), Log: networktest.Log{TB: t}})
		return err
	}
	t.Cleanup(func() { // whatever happened, the network is whole again for the next test
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := restart(ctx); err != nil {
			t.Errorf("start the peers again: %v", err)
		}
	})

	if err := network.StopComponent(ctx, e.n.StateDir, "peer-distributor"); err != nil {
		t.Fatal(err)
	}
	res, err := e.c["manufacturer"].Submit(ctx, []trace.Event{e.commission(e.gtin(502), e.serial(), "CONS2", "2031-01-31")})
	if err != nil {
		t.Fatalf("with 3 of 4 members: %v", err)
	}
	if got := res.Results[0].Status; got != trace.StatusAccepted {
		t.Fatalf("with 3 of 4 members: %s (%s)", got, res.Results[0].Message)
	}

	status, err := network.StatusOf(ctx, network.Config{StateDir: e.n.StateDir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range status.Components {
		switch c.Name {
		case "peer-manufacturer", "peer-regulator", "peer-distributor":
			continue
		}
		if strings.HasPrefix(c.Name, "peer-") {
			if err := network.StopComponent(ctx, e.n.StateDir, c.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	const n = 30
	for range n {
		if _, err := s.Enqueue(ctx, e.commission(e.gtin(503), e.serial(), "CONS3", "2031-01-31")); err != nil {
			t.Fatal(err)
		}
	}
	prog := &progress{ch: make(chan struct{}, 1)}
	eng := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"]), Progress: prog,
		BatchSize: 10, InFlight: 2, MinBackoff: 200 * time.Millisecond, MaxBackoff: 2 * time.Second})
	st, err := eng.Drain(ctx)
	if !errors.Is(err, ledger.ErrUnavailable) {
		t.Fatalf("sync without a majority of the members: %v, want ErrUnavailable", err)
	}
	t.Logf("sync without a majority of the members: %v", err)
	if st.Pending != n || st.Rejected != 0 || st.Recorded != 0 {
		t.Fatalf("without a majority: pending %d, rejected %d, recorded %d; want %d pending", st.Pending, st.Rejected, st.Recorded, n)
	}
	queued, err := s.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queued {
		if q.State != store.StatePending {
			t.Fatalf("event %s is %s, want pending", q.Event.ID, q.State)
		}
	}
	withReason := 0
	for _, q := range queued {
		if q.Message != "" {
			withReason++
		}
	}
	if withReason == 0 {
		t.Error("no pending event says why it is not on the ledger")
	}

	if err := restart(ctx); err != nil {
		t.Fatalf("start the peers again: %v", err)
	}
	// Waiting out the backoff the failure set is the engine's business:
	// Run drains once the ledger answers.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- eng.Run(runCtx) }()
	counts := waitRecorded(ctx, t, s, prog, n)
	stop()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("sync: %v", err)
	}
	if counts[store.StateRejected] != 0 || counts[store.StateConflict] != 0 {
		t.Fatalf("after the peers came back: %v", counts)
	}
	// Each event is on the ledger once: sending it again is a duplicate.
	evs := make([]trace.Event, 0, n)
	for _, q := range queued {
		evs = append(evs, q.Event)
	}
	again, err := e.c["manufacturer"].Submit(ctx, evs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again.Results {
		if r.Status != trace.StatusDuplicate {
			t.Errorf("event %s sent again: %s, want duplicate (recorded once)", evs[i].ID, r.Status)
		}
	}
}

// progress keeps the engine's latest status and signals each one.
type progress struct {
	mu   sync.Mutex
	last outbox.Status
	ch   chan struct{}
}

func (p *progress) SyncStatus(s outbox.Status) {
	p.mu.Lock()
	p.last = s
	p.mu.Unlock()
	select {
	case p.ch <- struct{}{}:
	default:
	}
}

// waitRecorded waits until the engine has recorded n events (or refused
// one) and returns the store's counts.
func waitRecorded(ctx context.Context, t *testing.T, s *store.Store, p *progress, n int) map[store.State]int {
	t.Helper()
	for {
		p.mu.Lock()
		last := p.last
		p.mu.Unlock()
		if last.Recorded >= n || last.Rejected > 0 {
			counts, err := s.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return counts
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waited for %d recorded events; last status %+v", n, last)
		case <-p.ch:
		}
	}
}

// fabricBin is the checkout's bin/fabric (or MEDTRACE_FABRIC_BIN).
func fabricBin(t *testing.T) string {
	t.Helper()
	if v := os.Getenv(network.EnvFabricBin); v != "" {
		return v
	}
	root, err := network.FindCheckout(".")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "bin", "fabric")
}

// testSnapshotJoin admits a new member and joins its peer from a snapshot
// (network.JoinMember): the new peer answers for a pack recorded before
// the snapshot and commits the blocks after it. On a network it joined
// before, JoinMember returns at once and the checks run all the same.
func testSnapshotJoin(t *testing.T, e *env) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	gtin, before := e.gtin(504), e.serial()
	if _, err := e.c["manufacturer"].Submit(ctx, []trace.Event{e.commission(gtin, before, "CONS4", "2031-01-31")}); err != nil {
		t.Fatal(err)
	}
	res, err := network.JoinMember(ctx, network.Config{StateDir: e.n.StateDir, FabricBin: fabricBin(t), Log: networktest.Log{TB: t}})
	if err != nil {
		t.Fatal(err)
	}
	if res.SnapshotBytes > 0 {
		t.Logf("snapshot at block %d: %d bytes, taken in %s; the peer started and joined from it in %s, ran the chaincode %s later",
			res.SnapshotBlock, res.SnapshotBytes, res.SnapshotTime, res.JoinTime, res.ReadyTime)
	}
	// The regulator's user, through the new member's peer.
	cfg, err := e.p.Config("regulator")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Endpoint, cfg.ServerName, cfg.TLSCACertFile, cfg.PeerMSPID = res.Peer.Endpoint, res.Peer.ServerName, res.Peer.TLSCACert, res.Peer.MSPID
	c, err := ledger.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeClient(t, c)
	v, err := c.Verify(ctx, gtin, before, "CONS4", "2031-01-31")
	if err != nil {
		t.Fatalf("the new peer, for a pack recorded before its snapshot: %v", err)
	}
	if v.Status != trace.PackActive {
		t.Fatalf("the new peer, for a pack recorded before its snapshot: %s, want active", v.Status)
	}
	// A block after the snapshot reaches the new peer.
	after := e.serial()
	r, err := e.c["manufacturer"].Submit(ctx, []trace.Event{e.commission(gtin, after, "CONS4", "2031-01-31")})
	if err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		h, err := network.PeerHeight(ctx, e.n.StateDir, res.Component)
		if err != nil {
			t.Fatal(err)
		}
		if h > r.Block {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the new peer's height is %d; block %d never reached it", h, r.Block)
		case <-tick.C:
		}
	}
	if v, err := c.Verify(ctx, gtin, after, "CONS4", "2031-01-31"); err != nil || v.Status != trace.PackActive {
		t.Fatalf("the new peer, for a pack recorded after it joined: %+v, %v", v, err)
	}
}
