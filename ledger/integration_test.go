package ledger_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/trace/tracetest"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/trace"
)

// env is a configured network with a client per role and this test run's
// unique names, so runs against a reused network never collide.
type env struct {
	p        *ledger.Profile
	c        map[string]*ledger.Client
	admin    *ledger.Client            // the regulator's administrator
	second   map[string]*ledger.Client // by role: a user at its organisation's second site
	n        *network.Network
	glns     map[string]string
	prefix   string
	run      string
	stateDir string // the network's state directory, for the benchmarks' CPU meter
	mu       sync.Mutex
	counter  int
}

// setup starts (or reuses) the real network and configures the ledger from
// its profile, as its regulator.
func setup(t testing.TB) *env {
	t.Helper()
	n, p, clients := networktest.ClientsForTest(t)
	b := make([]byte, 4)
	rand.Read(b)
	stateDir := n.StateDir
	if stateDir == "" {
		stateDir = filepath.Dir(n.ProfilePath)
	}
	return &env{p: p, c: clients, admin: networktest.AdminForTest(t, p), n: n, second: map[string]*ledger.Client{},
		glns: p.GLNs, prefix: p.CompanyPrefixes["manufacturer"][0], run: strings.ToUpper(hex.EncodeToString(b)), stateDir: stateDir}
}

// TestOnTheNetwork runs the end-to-end tests against one real network
// (orderer, peer, chaincode as a service) started for this test binary.
func TestOnTheNetwork(t *testing.T) {
	e := setup(t)
	e.secondSites(t)
	t.Run("roles", func(t *testing.T) { testRoles(t, e) })
	t.Run("custody", func(t *testing.T) { testCustody(t, e) })
	t.Run("ledger time", func(t *testing.T) { testLedgerTime(t, e) })
	t.Run("replays", func(t *testing.T) { testReplays(t, e) })
	t.Run("transitions", func(t *testing.T) { testTransitions(t, e) })
	t.Run("aggregation", func(t *testing.T) { testAggregation(t, e) })
	t.Run("events", func(t *testing.T) { testEvents(t, e) })
	t.Run("seed", func(t *testing.T) { testSeed(t, e) })
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func (e *env) next() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counter++
	return e.counter
}

// gtin is a GTIN under the manufacturer's prefix.
func (e *env) gtin(item int) string {
	digits := 12 - len(e.prefix)
	return gs1.AppendCheckDigit("0" + e.prefix + fmt.Sprintf("%0*d", digits, item%1000))
}

// serial is a fresh serial for this run.
func (e *env) serial() string { return fmt.Sprintf("T%s%d", e.run, e.next()) }

// sscc is a fresh SSCC for this run.
func (e *env) sscc() string {
	n, _ := strconv.ParseUint(e.run, 16, 64)
	w := 16 - len(e.prefix)
	space := uint64(1)
	for range w - 4 {
		space *= 10
	}
	return gs1.AppendCheckDigit("3" + e.prefix + fmt.Sprintf("%0*d", w, (n%space)*10000+uint64(e.next())%10000))
}

func (e *env) id() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func (e *env) commission(gtin, serial, batch, expiry string) trace.Event {
	return trace.Event{ID: e.id(), Kind: trace.KindCommission, Time: time.Now().Add(-time.Minute), Location: e.glns["manufacturer"],
		GTIN: gtin, Serial: serial, Batch: batch, Expiry: expiry}
}

func (e *env) on(kind trace.Kind, role, gtin, serial string) trace.Event {
	return trace.Event{ID: e.id(), Kind: kind, Time: time.Now().Add(-time.Second), Location: e.glns[role], GTIN: gtin, Serial: serial}
}

// client is role's user who records evs: the one at its organisation's
// second site when they happen there.
func (e *env) client(role string, evs []trace.Event) *ledger.Client {
	if len(evs) > 0 && evs[0].Location != "" && evs[0].Location == secondGLN(role) && e.second[role] != nil {
		return e.second[role]
	}
	return e.c[role]
}

func (e *env) submit(t testing.TB, role string, evs ...trace.Event) trace.BatchResult {
	t.Helper()
	res, err := e.client(role, evs).Submit(ctxT(t), evs)
	if err != nil {
		t.Fatalf("submit as %s: %v", role, err)
	}
	if len(res.Results) != len(evs) || res.TxID == "" || res.Block == 0 {
		t.Fatalf("batch result %+v for %d events", res, len(evs))
	}
	return res
}

func (e *env) ok(t testing.TB, role string, evs ...trace.Event) trace.BatchResult {
	t.Helper()
	res := e.submit(t, role, evs...)
	for _, r := range res.Results {
		if r.Status != trace.StatusAccepted {
			t.Fatalf("as %s: event %s: %s %s: %s", role, r.EventID, r.Status, r.Reason, r.Message)
		}
	}
	return res
}

// stock commissions fresh packs of gtin in batch and returns their serials.
func (e *env) stock(t testing.TB, gtin, batch, expiry string, n int) []string {
	t.Helper()
	var evs []trace.Event
	var serials []string
	for range n {
		s := e.serial()
		serials = append(serials, s)
		evs = append(evs, e.commission(gtin, s, batch, expiry))
	}
	e.ok(t, "manufacturer", evs...)
	return serials
}

// secondGLN is a role's second location (the custody table's "-b" places).
func secondGLN(role string) string {
	n := map[string]int{"manufacturer": 1, "distributor": 2, "pharmacy": 3}[role]
	return gs1.AppendCheckDigit(fmt.Sprintf("40999990000%d", n))
}

// secondSites gives the manufacturer, the distributor and the pharmacy a
// second location each, beside the profile's, and a user there (its
// certificate names that site).
func (e *env) secondSites(t testing.TB) {
	t.Helper()
	for _, role := range []string{"manufacturer", "distributor", "pharmacy"} {
		if err := e.admin.SetLocations(ctxT(t), e.p.Identities[role].MSPID, []string{e.glns[role], secondGLN(role)}); err != nil {
			t.Fatal(err)
		}
		e.second[role] = networktest.UserForTest(t, e.n, e.p, network.UserSpec{Org: role, Name: role + "-b", GLN: secondGLN(role)})
	}
}

// bring moves packs of gtin that the manufacturer holds, by honest events
// (each step one transaction for all of them), to "dist" or "phar"
// (received there) or in transit ("man>dist", "dist>phar"); "man" leaves
// them where they are.
func (e *env) bring(t testing.TB, gtin, to string, serials ...string) {
	t.Helper()
	if len(serials) == 0 || to == "man" {
		return
	}
	ship := func(from, dest string) {
		var evs []trace.Event
		for _, s := range serials {
			ev := e.on(trace.KindShip, from, gtin, s)
			ev.Counterparty = e.glns[dest]
			evs = append(evs, ev)
		}
		e.ok(t, from, evs...)
	}
	receive := func(role string) {
		var evs []trace.Event
		for _, s := range serials {
			evs = append(evs, e.on(trace.KindReceive, role, gtin, s))
		}
		e.ok(t, role, evs...)
	}
	ship("manufacturer", "distributor")
	if to == "man>dist" {
		return
	}
	receive("distributor")
	if to == "dist" {
		return
	}
	ship("distributor", "pharmacy")
	if to == "dist>phar" {
		return
	}
	if to != "phar" {
		t.Fatalf("bring: unknown place %q", to)
	}
	receive("pharmacy")
}

// testRoles checks every role against every event kind on the
// real peer: allowed kinds are accepted from a legal state about a pack the
// role holds (a receive: one shipped to it), forbidden ones are rejected
// with not-authorized.
func testRoles(t *testing.T, e *env) {
	gtin := e.gtin(101)
	roles := []string{"manufacturer", "distributor", "pharmacy", "regulator"}
	allowed := map[string][]trace.Kind{
		"manufacturer": {trace.KindCommission, trace.KindRecall, trace.KindShip, trace.KindDestroy, trace.KindStolen, trace.KindSample},
		"distributor":  {trace.KindPack, trace.KindUnpack, trace.KindShip, trace.KindReceive, trace.KindDestroy, trace.KindStolen, trace.KindExport},
		"pharmacy":     {trace.KindReceive, trace.KindDispense, trace.KindUndoDispense, trace.KindDestroy, trace.KindStolen},
		"regulator":    {trace.KindInspect, trace.KindSample},
	}
	kinds := []trace.Kind{trace.KindCommission, trace.KindRecall, trace.KindPack, trace.KindUnpack, trace.KindShip, trace.KindReceive,
		trace.KindDispense, trace.KindUndoDispense, trace.KindDestroy, trace.KindStolen, trace.KindSample, trace.KindExport, trace.KindInspect}
	ctx := ctxT(t)
	// One pack per (role, kind), one recallable batch per role, one packed SSCC per role.
	type tc struct {
		role   string
		kind   trace.Kind
		serial string
		batch  string
		sscc   string
	}
	var cases []tc
	var setupEvs []trace.Event
	var packs, dispenses []trace.Event
	// where each case's pack must be before its event (see bring): with the
	// role that acts on it; a receive's shipped to it.
	place := map[string]string{"manufacturer": "man", "distributor": "dist", "pharmacy": "phar", "regulator": "man"}
	at := map[string][]string{}
	for _, r := range roles {
		for _, k := range kinds {
			c := tc{role: r, kind: k, serial: e.serial(), batch: "RB" + e.run, sscc: ""}
			if k == trace.KindRecall {
				c.batch = fmt.Sprintf("RC%s%d", e.run, e.next())
			}
			if k != trace.KindCommission {
				setupEvs = append(setupEvs, e.commission(gtin, c.serial, c.batch, "2030-01-31"))
				to := place[r]
				switch {
				case k == trace.KindReceive && r == "distributor":
					to = "man>dist"
				case k == trace.KindReceive && r == "pharmacy":
					to = "dist>phar"
				case k == trace.KindReceive:
					to = "man"
				case k == trace.KindUndoDispense:
					to = "phar"
				case k == trace.KindUnpack:
					to = "dist"
				}
				at[to] = append(at[to], c.serial)
			}
			if k == trace.KindUnpack {
				c.sscc = e.sscc()
				packs = append(packs, trace.Event{ID: e.id(), Kind: trace.KindPack, Time: time.Now().Add(-time.Minute), Location: e.glns["distributor"],
					SSCC: c.sscc, Children: []string{trace.PackKey(gtin, c.serial)}})
			}
			if k == trace.KindUndoDispense {
				dispenses = append(dispenses, e.on(trace.KindDispense, "pharmacy", gtin, c.serial))
			}
			cases = append(cases, c)
		}
	}
	e.ok(t, "manufacturer", setupEvs...)
	for to, serials := range at {
		e.bring(t, gtin, to, serials...)
	}
	e.ok(t, "distributor", packs...)
	e.ok(t, "pharmacy", dispenses...)
	yes := true
	byRole := map[string][]trace.Event{}
	for _, c := range cases {
		ev := e.on(c.kind, c.role, gtin, c.serial)
		switch c.kind {
		case trace.KindCommission:
			ev = e.commission(gtin, c.serial, c.batch, "2030-01-31")
			ev.Location = e.glns[c.role]
		case trace.KindRecall:
			ev.Serial, ev.Batch, ev.Location = "", c.batch, ""
		case trace.KindPack:
			ev.GTIN, ev.Serial, ev.SSCC, ev.Children = "", "", e.sscc(), []string{trace.PackKey(gtin, c.serial)}
		case trace.KindUnpack:
			ev.GTIN, ev.Serial, ev.SSCC = "", "", c.sscc
		case trace.KindShip:
			ev.Counterparty = e.glns["pharmacy"]
		case trace.KindUndoDispense:
			ev.Location = e.glns["pharmacy"]
		case trace.KindInspect:
			ev.Conformant = &yes
		}
		byRole[c.role] = append(byRole[c.role], ev)
	}
	results := map[string][]trace.Result{}
	for _, r := range roles {
		res, err := e.c[r].Submit(ctx, byRole[r])
		if err != nil {
			t.Fatalf("submit as %s: %v", r, err)
		}
		results[r] = res.Results
	}
	i := map[string]int{}
	for _, c := range cases {
		res := results[c.role][i[c.role]]
		i[c.role]++
		want := false
		for _, k := range allowed[c.role] {
			want = want || k == c.kind
		}
		name := c.role + "/" + string(c.kind)
		t.Run(name, func(t *testing.T) {
			if want && res.Status != trace.StatusAccepted {
				t.Fatalf("allowed: got %s %s (%s)", res.Status, res.Reason, res.Message)
			}
			if !want && (res.Status != trace.StatusRejected || res.Reason != "not-authorized") {
				t.Fatalf("forbidden: got %s %s (%s)", res.Status, res.Reason, res.Message)
			}
		})
	}
	t.Run("manufacturer outside its prefix", func(t *testing.T) {
		other := gs1.AppendCheckDigit("0" + "9999999" + "00001")
		r := e.submit(t, "manufacturer", e.commission(other, e.serial(), "X", "2030-01-31")).Results[0]
		if r.Reason != "not-authorized" {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("configuration by a non-regulator", func(t *testing.T) {
		err := e.c["pharmacy"].SetOrgRole(ctx, e.p.Identities["pharmacy"].MSPID, "regulator")
		if !errors.Is(err, ledger.ErrRejected) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
	})
	t.Run("bootstrap again by another org", func(t *testing.T) {
		if err := e.c["manufacturer"].InitLedger(ctx); !errors.Is(err, ledger.ErrRejected) {
			t.Fatalf("err = %v, want ErrRejected", err)
		}
	})
	// The regulator's users other than its administrator (the inspectors'
	// app) read and inspect, but change nothing of the configuration.
	inspector := e.c["regulator"]
	msp := e.p.Identities["pharmacy"].MSPID
	for name, f := range map[string]func() error{
		"SetOrgRole":         func() error { return inspector.SetOrgRole(ctx, msp, "regulator") },
		"SetCompanyPrefixes": func() error { return inspector.SetCompanyPrefixes(ctx, msp, []string{"4999999"}) },
		"SetLocations":       func() error { return inspector.SetLocations(ctx, msp, nil) },
		"InitLedger":         func() error { return inspector.InitLedger(ctx) },
	} {
		t.Run("configuration by the inspector: "+name, func(t *testing.T) {
			if err := f(); !errors.Is(err, ledger.ErrRejected) {
				t.Fatalf("err = %v, want ErrRejected", err)
			}
		})
	}
	t.Run("configuration by the administrator", func(t *testing.T) {
		if err := e.admin.InitLedger(ctx); err != nil { // idempotent
			t.Fatal(err)
		}
	})
	t.Run("a user records only at its certificate's site", func(t *testing.T) {
		s := e.serial()
		ev := e.commission(gtin, s, "L9", "2030-01-31")
		ev.Location = secondGLN("manufacturer")
		res, err := e.c["manufacturer"].Submit(ctx, []trace.Event{ev})
		if err != nil || res.Results[0].Reason != "not-authorized" {
			t.Fatalf("at the second site with the first site's certificate: %+v %v", res, err)
		}
		ev.ID = e.id()
		e.ok(t, "manufacturer", ev) // the second site's user
	})
}

// testReplays checks idempotent replays and conflicts end to end.
func testReplays(t *testing.T, e *env) {
	gtin := e.gtin(102)
	a := e.commission(gtin, e.serial(), "L1", "2030-01-31")
	b := e.commission(gtin, e.serial(), "L1", "2030-01-31")
	first := e.ok(t, "manufacturer", a, b)
	t.Run("replay of a whole batch", func(t *testing.T) {
		res := e.submit(t, "manufacturer", a, b)
		for _, r := range res.Results {
			if r.Status != trace.StatusDuplicate || r.TxID != first.TxID {
				t.Fatalf("got %+v, first tx %s", r, first.TxID)
			}
		}
	})
	t.Run("conflict", func(t *testing.T) {
		c := a
		c.Batch = "L2"
		r := e.submit(t, "manufacturer", c).Results[0]
		if r.Status != trace.StatusConflict || r.TxID != first.TxID {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("duplicate within a batch", func(t *testing.T) {
		d := e.commission(gtin, e.serial(), "L1", "2030-01-31")
		res := e.submit(t, "manufacturer", d, d)
		if res.Results[0].Status != trace.StatusAccepted || res.Results[1].Status != trace.StatusDuplicate {
			t.Fatalf("got %+v", res.Results)
		}
	})
	t.Run("content-addressed events", func(t *testing.T) {
		serial := e.serial()
		c := e.commission(gtin, serial, "L1", "2030-01-31").WithContentID()
		d := e.on(trace.KindDispense, "pharmacy", gtin, serial).WithContentID()
		early := e.submit(t, "pharmacy", d).Results[0] // not commissioned yet
		if early.Status != trace.StatusRejected || early.Reason != "unknown-pack" {
			t.Fatalf("dispense before commissioning: %+v", early)
		}
		one := e.submit(t, "manufacturer", c, c)
		if one.Results[0].Status != trace.StatusAccepted || one.Results[1].Status != trace.StatusDuplicate {
			t.Fatalf("commission and its replay in one batch: %+v", one.Results)
		}
		if r := e.submit(t, "manufacturer", c).Results[0]; r.Status != trace.StatusDuplicate || r.TxID != one.TxID {
			t.Fatalf("replay in a later batch: %+v (first %s)", r, one.TxID)
		}
		// A rejection is not stored for content-addressed events: the same
		// dispense, sent again now that the pack exists and the pharmacy
		// holds it, is accepted.
		if r := e.submit(t, "pharmacy", d).Results[0]; r.Status != trace.StatusRejected || r.Reason != "not-holder" {
			t.Fatalf("dispense of a pack at the manufacturer's: %+v", r)
		}
		e.bring(t, gtin, "phar", serial)
		if r := e.submit(t, "pharmacy", d).Results[0]; r.Status != trace.StatusAccepted {
			t.Fatalf("dispense after commissioning: %+v", r)
		}
		forged := c
		forged.Batch = "L9"
		if r := e.submit(t, "manufacturer", forged).Results[0]; r.Status != trace.StatusRejected || r.Reason != "bad-event" {
			t.Fatalf("ID not matching the content: %+v", r)
		}
		h, err := e.c["regulator"].History(ctxT(t), gtin, serial)
		// commission, ship, receive, ship, receive, dispense
		if err != nil || len(h) != 6 || h[0].EventID != c.ID || h[5].EventID != d.ID || h[0].TxID != one.TxID {
			t.Fatalf("history %+v, %v", h, err)
		}
		if !strings.Contains(string(h[5].EPCIS), `"eventID":"`+d.ID+`"`) {
			t.Fatalf("EPCIS %s", h[5].EPCIS)
		}
	})
	t.Run("commit status of a committed batch", func(t *testing.T) {
		got, err := e.c["regulator"].CommitStatus(ctxT(t), first.TxID) // blocks are the regulator's (scope_integration_test.go for the others)
		if err != nil {
			t.Fatal(err)
		}
		if got.Block != first.Block || len(got.Results) != 2 || got.Results[0] != first.Results[0] {
			t.Fatalf("got %+v, want %+v", got, first)
		}
		// The chaincode leaves the event IDs out; both ways fill them in.
		for i, ev := range []trace.Event{a, b} {
			if first.Results[i].EventID != ev.ID || got.Results[i].EventID != ev.ID || got.Results[i].TxID != first.TxID {
				t.Fatalf("result %d: submit %+v, commit status %+v; want event %s", i, first.Results[i], got.Results[i], ev.ID)
			}
		}
	})
	t.Run("commit status of an unknown transaction", func(t *testing.T) {
		_, err := e.c["regulator"].CommitStatus(ctxT(t), strings.Repeat("ab", 32))
		if !errors.Is(err, ledger.ErrTxNotFound) {
			t.Fatalf("err = %v, want ErrTxNotFound", err)
		}
	})
	t.Run("prepared transaction keeps its ID", func(t *testing.T) {
		p, err := e.c["manufacturer"].Prepare(ctxT(t), []trace.Event{e.commission(gtin, e.serial(), "L1", "2030-01-31")})
		if err != nil {
			t.Fatal(err)
		}
		id := p.TxID()
		if _, err := e.c["regulator"].CommitStatus(ctxT(t), id); !errors.Is(err, ledger.ErrTxNotFound) {
			t.Fatalf("before submit: %v", err)
		}
		res, err := p.Submit(ctxT(t))
		if err != nil || res.TxID != id {
			t.Fatalf("submit: %+v %v", res, err)
		}
	})
	t.Run("organisation without a role", func(t *testing.T) {
		// The peer organisation's admin is a channel member the ledger gives
		// no role: everything it asks is refused as a whole.
		ctx := ctxT(t)
		_, domain, _ := strings.Cut(e.p.Peer.ServerName, ".") // peer0.<peer org domain>
		msp := filepath.Join(e.stateDir, "crypto", "peerOrganizations", domain, "users", "Admin@"+domain, "msp")
		certs, _ := filepath.Glob(filepath.Join(msp, "signcerts", "*.pem"))
		keys, _ := filepath.Glob(filepath.Join(msp, "keystore", "*_sk"))
		if len(certs) != 1 || len(keys) != 1 {
			t.Fatalf("no peer organisation admin under %s/crypto (certs %v, keys %v)", e.stateDir, certs, keys)
		}
		cfg, err := e.p.Config("pharmacy")
		if err != nil {
			t.Fatal(err)
		}
		cfg.MSPID, cfg.CertFile, cfg.KeyFile = "PeerOrgMSP", certs[0], keys[0]
		stranger, err := ledger.Dial(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := stranger.Close(); err != nil {
				t.Error(err)
			}
		}()
		_, err = stranger.Submit(ctx, []trace.Event{e.on(trace.KindReceive, "distributor", gtin, "X")})
		if !errors.Is(err, ledger.ErrRejected) || !strings.Contains(err.Error(), "PeerOrgMSP has no role") {
			t.Fatalf("submit err = %v, want ErrRejected from the chaincode's role check", err)
		}
		if _, err := stranger.Verify(ctx, gtin, "X", "", ""); !errors.Is(err, ledger.ErrRejected) {
			t.Fatalf("verify err = %v, want ErrRejected", err)
		}
		if err := stranger.SetOrgRole(ctx, "PeerOrgMSP", "regulator"); !errors.Is(err, ledger.ErrRejected) {
			t.Fatalf("self-appointment err = %v, want ErrRejected", err)
		}
	})
	t.Run("concurrent batches on one pack", func(t *testing.T) {
		ctx := ctxT(t)
		s := e.stock(t, gtin, "L1", "2030-01-31", 1)[0]
		e.bring(t, gtin, "phar", s)
		const n = 6
		type out struct {
			res trace.BatchResult
			err error
		}
		outs := make([]out, n)
		var wg sync.WaitGroup
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i].res, outs[i].err = e.c["pharmacy"].Submit(ctx, []trace.Event{e.on(trace.KindDispense, "pharmacy", gtin, s)})
			}()
		}
		wg.Wait()
		accepted, refused, invalidated := 0, 0, 0
		for _, o := range outs {
			var te *ledger.TxError
			switch {
			case o.err == nil && o.res.Results[0].Status == trace.StatusAccepted:
				accepted++
			case o.err == nil && o.res.Results[0].Reason == "already-dispensed":
				refused++
			case errors.Is(o.err, ledger.ErrUnavailable) && errors.As(o.err, &te) && te.Code == "MVCC_READ_CONFLICT":
				invalidated++
				// The sync engine looks it up: not found as a valid transaction, so resubmitting is safe.
				if _, err := e.c["regulator"].CommitStatus(ctx, te.TxID); !errors.Is(err, ledger.ErrTxNotFound) {
					t.Fatalf("commit status of an invalidated transaction: %v", err)
				}
			default:
				t.Fatalf("unexpected outcome %+v %v", o.res, o.err)
			}
		}
		t.Logf("accepted %d, refused as already dispensed %d, invalidated by a read conflict %d", accepted, refused, invalidated)
		if accepted != 1 {
			t.Fatalf("%d dispenses of one pack were accepted", accepted)
		}
	})
	t.Run("whole request rejected", func(t *testing.T) {
		evs := make([]trace.Event, 1001)
		for i := range evs {
			evs[i] = e.commission(gtin, e.serial(), "L1", "2030-01-31")
		}
		_, err := e.c["manufacturer"].Submit(ctxT(t), evs)
		var te *ledger.TxError
		if !errors.Is(err, ledger.ErrRejected) || !errors.As(err, &te) || te.TxID == "" {
			t.Fatalf("err = %v, want a TxError wrapping ErrRejected", err)
		}
	})
}

type step struct {
	role   string
	ev     func() trace.Event
	status trace.Status
	reason string
}

// testTransitions walks illegal and legal steps on the real peer.
func testTransitions(t *testing.T, e *env) {
	gtin := e.gtin(103)
	recalledBatch := "RR" + e.run
	accept := func(role string, ev func() trace.Event) step { return step{role, ev, trace.StatusAccepted, ""} }
	refuse := func(role, reason string, ev func() trace.Event) step {
		return step{role, ev, trace.StatusRejected, reason}
	}
	// Each pack is brought (bring) to where its steps begin: "phar" unless
	// the test names another place.
	tests := []struct {
		name   string
		batch  string
		expiry string
		steps  func(s string) []step
		want   trace.PackStatus
		alerts []string
		at     string
	}{
		{"already dispensed", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("pharmacy", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) }),
				refuse("pharmacy", "already-dispensed", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) })}
		}, trace.PackDispensed, []string{"already-dispensed"}, ""},
		{"batch and expiry mismatch", "L1", "2030-01-31", func(s string) []step {
			return []step{
				refuse("pharmacy", "batch-mismatch", func() trace.Event {
					ev := e.on(trace.KindDispense, "pharmacy", gtin, s)
					ev.Batch = "FAKE"
					return ev
				}),
				refuse("pharmacy", "expiry-mismatch", func() trace.Event {
					ev := e.on(trace.KindDispense, "pharmacy", gtin, s)
					ev.Expiry = "2031-01-31"
					return ev
				})}
		}, trace.PackActive, nil, ""},
		{"expired", "L1", "2024-01-31", func(s string) []step {
			return []step{refuse("pharmacy", "expired", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) })}
		}, trace.PackExpired, []string{"expired"}, ""},
		{"recalled", recalledBatch, "2030-01-31", func(s string) []step {
			return []step{accept("manufacturer", func() trace.Event {
				return trace.Event{ID: e.id(), Kind: trace.KindRecall, Time: time.Now().Add(-time.Second), GTIN: gtin, Batch: recalledBatch}
			}), refuse("pharmacy", "recalled-batch", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) })}
		}, trace.PackRecalled, []string{"recalled-batch"}, ""},
		{"in transit then stolen", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("distributor", func() trace.Event {
				ev := e.on(trace.KindShip, "distributor", gtin, s)
				ev.Counterparty = e.glns["pharmacy"]
				return ev
			}), refuse("pharmacy", "in-transit", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) }),
				accept("distributor", func() trace.Event { return e.on(trace.KindStolen, "distributor", gtin, s) }),
				refuse("pharmacy", "stolen", func() trace.Event { return e.on(trace.KindReceive, "pharmacy", gtin, s) })}
		}, trace.PackStolen, []string{"stolen"}, "dist"},
		{"undo within the window", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("pharmacy", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) }),
				accept("pharmacy", func() trace.Event { return e.on(trace.KindUndoDispense, "pharmacy", gtin, s) })}
		}, trace.PackActive, nil, ""},
		// The undo window is measured between ledger times, which a test
		// cannot move by 10 days (the chaincode's tests do, with its clock);
		// here, the back-dating that used to stretch it is refused: a
		// dispense dated 11 days ago is beyond the ledger's 72 h event lag.
		{"dispense back-dated 11 days", "L1", "2030-01-31", func(s string) []step {
			return []step{refuse("pharmacy", "too-old", func() trace.Event {
				ev := e.on(trace.KindDispense, "pharmacy", gtin, s)
				ev.Time = time.Now().Add(-11 * 24 * time.Hour)
				return ev
			})}
		}, trace.PackActive, nil, ""},
		{"undo elsewhere", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("pharmacy", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) }),
				refuse("pharmacy", "undo-other-location", func() trace.Event {
					ev := e.on(trace.KindUndoDispense, "pharmacy", gtin, s)
					ev.Location = secondGLN("pharmacy")
					return ev
				})}
		}, trace.PackDispensed, []string{"already-dispensed"}, ""},
		{"destroyed", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("pharmacy", func() trace.Event { return e.on(trace.KindDestroy, "pharmacy", gtin, s) }),
				refuse("pharmacy", "destroyed", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) })}
		}, trace.PackDestroyed, []string{"destroyed"}, ""},
		{"exported", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("distributor", func() trace.Event { return e.on(trace.KindExport, "distributor", gtin, s) }),
				refuse("distributor", "exported", func() trace.Event {
					ev := e.on(trace.KindShip, "distributor", gtin, s)
					ev.Counterparty = e.glns["pharmacy"]
					return ev
				})}
		}, trace.PackExported, []string{"exported"}, "dist"},
		{"sample", "L1", "2030-01-31", func(s string) []step {
			return []step{accept("regulator", func() trace.Event { return e.on(trace.KindSample, "regulator", gtin, s) }),
				refuse("pharmacy", "sample", func() trace.Event { return e.on(trace.KindDispense, "pharmacy", gtin, s) })}
		}, trace.PackSample, []string{"sample"}, "man"},
		{"commissioned twice", "L1", "2030-01-31", func(s string) []step {
			return []step{refuse("manufacturer", "already-commissioned", func() trace.Event { return e.commission(gtin, s, "L1", "2030-01-31") })}
		}, trace.PackActive, nil, "man"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := e.serial()
			e.ok(t, "manufacturer", e.commission(gtin, s, tt.batch, tt.expiry))
			at := tt.at
			if at == "" {
				at = "phar"
			}
			e.bring(t, gtin, at, s)
			for i, st := range tt.steps(s) {
				ev := st.ev()
				r := e.submit(t, st.role, ev).Results[0]
				if r.Status != st.status || r.Reason != st.reason {
					t.Fatalf("step %d (%s as %s): got %s %q (%s), want %s %q", i, ev.Kind, st.role, r.Status, r.Reason, r.Message, st.status, st.reason)
				}
			}
			v, err := e.c["pharmacy"].Verify(ctxT(t), gtin, s, "", "")
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, a := range v.Alerts {
				codes = append(codes, a.Code)
			}
			if v.Status != tt.want || strings.Join(codes, ",") != strings.Join(tt.alerts, ",") {
				t.Fatalf("verify: status %s alerts %v, want %s %v", v.Status, codes, tt.want, tt.alerts)
			}
		})
	}
	t.Run("unknown pack", func(t *testing.T) {
		r := e.submit(t, "pharmacy", e.on(trace.KindDispense, "pharmacy", gtin, e.serial())).Results[0]
		if r.Reason != "unknown-pack" {
			t.Fatalf("got %+v", r)
		}
		v, err := e.c["pharmacy"].Verify(ctxT(t), gtin, e.serial(), "", "")
		if err != nil || v.Status != trace.PackUnknown || v.Alerts[0].Code != "unknown-pack" {
			t.Fatalf("verify %+v %v", v, err)
		}
	})
}

// testAggregation packs, ships, receives and unpacks end to end.
func testAggregation(t *testing.T, e *env) {
	gtin := e.gtin(104)
	ctx := ctxT(t)
	s := e.stock(t, gtin, "L1", "2030-01-31", 5)
	e.bring(t, gtin, "dist", s...)
	c1, c2, pal := e.sscc(), e.sscc(), e.sscc()
	at := time.Now().Add(-time.Minute)
	unit := func(kind trace.Kind, role, sscc string, children ...string) trace.Event {
		return trace.Event{ID: e.id(), Kind: kind, Time: at, Location: e.glns[role], SSCC: sscc, Children: children}
	}
	e.ok(t, "distributor",
		unit(trace.KindPack, "distributor", c1, trace.PackKey(gtin, s[0]), trace.PackKey(gtin, s[1])),
		unit(trace.KindPack, "distributor", c2, trace.PackKey(gtin, s[2])),
		unit(trace.KindPack, "distributor", pal, c1, c2))
	got, err := e.c["regulator"].Contents(ctx, pal)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Units) != 2 || len(got.Units[0].Packs)+len(got.Units[1].Packs) != 3 {
		t.Fatalf("contents %+v", got)
	}
	ship := unit(trace.KindShip, "distributor", pal)
	ship.Counterparty = e.glns["pharmacy"]
	steps := []struct {
		name, role string
		ev         trace.Event
		reason     string
	}{
		{"pack a packed pack", "distributor", unit(trace.KindPack, "distributor", e.sscc(), trace.PackKey(gtin, s[0])), "already-aggregated"},
		{"pack an unknown pack", "distributor", unit(trace.KindPack, "distributor", e.sscc(), trace.PackKey(gtin, e.serial())), "unknown-pack"},
		{"pallet into its own case", "distributor", unit(trace.KindPack, "distributor", c1, pal), "bad-event"},
		{"unpack the wrong child", "distributor", unit(trace.KindUnpack, "distributor", c2, trace.PackKey(gtin, s[0])), "not-in-container"},
		{"the manufacturer ships the distributor's pallet", "manufacturer", func() trace.Event {
			ev := unit(trace.KindShip, "manufacturer", pal)
			ev.Counterparty = e.glns["pharmacy"]
			return ev
		}(), "not-holder"},
		{"the pharmacy receives it unannounced", "pharmacy", unit(trace.KindReceive, "pharmacy", pal), "not-shipped"},
		{"ship the pallet", "distributor", ship, ""},
		{"dispense from the shipped pallet", "pharmacy", e.on(trace.KindDispense, "pharmacy", gtin, s[1]), "in-transit"},
		{"unpack in transit", "distributor", unit(trace.KindUnpack, "distributor", c1), "in-transit"},
		{"the distributor receives its own shipment", "distributor", unit(trace.KindReceive, "distributor", pal), "not-consignee"},
		{"receive the pallet", "pharmacy", unit(trace.KindReceive, "pharmacy", pal), ""},
		{"dispense from the case", "pharmacy", e.on(trace.KindDispense, "pharmacy", gtin, s[1]), ""},
		{"the distributor unpacks the pharmacy's pallet", "distributor", unit(trace.KindUnpack, "distributor", pal), "not-holder"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.submit(t, st.role, st.ev).Results[0]
			want := trace.StatusAccepted
			if st.reason != "" {
				want = trace.StatusRejected
			}
			if r.Status != want || r.Reason != st.reason {
				t.Fatalf("got %s %q (%s), want %s %q", r.Status, r.Reason, r.Message, want, st.reason)
			}
		})
	}
	got, err = e.c["regulator"].Contents(ctx, c1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Packs) != 1 || got.Packs[0].Serial != s[0] || got.Location != e.glns["pharmacy"] {
		t.Fatalf("case after dispensing one pack: %+v", got)
	}
	// Everything on the pallet moved with it: the pharmacy holds s[0].
	v, err := e.c["pharmacy"].Verify(ctx, gtin, s[0], "", "")
	if err != nil || v.Holder == nil || v.Holder.MSP != e.p.Identities["pharmacy"].MSPID || v.Holder.GLN != e.glns["pharmacy"] || v.Consignee != nil {
		t.Fatalf("verify after the pallet's receive: %+v %v", v, err)
	}
	h, err := e.c["pharmacy"].History(ctx, gtin, s[0])
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range h {
		kinds = append(kinds, string(x.Kind))
		if x.TxID == "" || x.TxTime.IsZero() {
			t.Fatalf("history entry without transaction: %+v", x)
		}
	}
	if strings.Join(kinds, ",") != "commission,ship,receive,pack,ship,receive" {
		t.Fatalf("history kinds %v", kinds)
	}
	sch := tracetest.EPCISSchema(t, sharedEPCIS)
	if sch == nil {
		t.Logf("%s is absent: EPCIS schema check left out (the rest of the test ran)", sharedEPCIS)
		return
	}
	for _, x := range h {
		if err := tracetest.ValidateEPCIS(t, sch, x.EPCIS); err != nil {
			t.Fatalf("%s event fails the EPCIS 2.0 schema: %v\n%s", x.Kind, err, x.EPCIS)
		}
	}
}

// testEvents follows chaincode events from a checkpoint and
// reads the net changes since a block.
func testEvents(t *testing.T, e *env) {
	gtin := e.gtin(105)
	ctx := ctxT(t)
	h, err := e.c["regulator"].Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := e.stock(t, gtin, "L1", "2030-01-31", 3)
	e.bring(t, gtin, "phar", s[0])
	res := e.ok(t, "pharmacy", e.on(trace.KindDispense, "pharmacy", gtin, s[0]))
	recallBatch := "EV" + e.run
	e.stock(t, gtin, recallBatch, "2030-01-31", 1)
	e.ok(t, "manufacturer", trace.Event{ID: e.id(), Kind: trace.KindRecall, Time: time.Now().Add(-time.Second), GTIN: gtin, Batch: recallBatch})

	t.Run("events from a checkpoint", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		ch, err := e.c["regulator"].Events(ctx, h) // blocks are the regulator's
		if err != nil {
			t.Fatal(err)
		}
		want := h
		found := false
		for be := range ch {
			if be.Block != want {
				t.Fatalf("got block %d, want %d: a gap", be.Block, want)
			}
			want++
			for _, tx := range be.Txs {
				if tx.TxID == res.TxID {
					found = len(tx.Packs) == 1 && tx.Packs[0].LastEvent == res.Results[0].EventID && tx.Packs[0].Status == trace.PackDispensed &&
						tx.Packs[0].Holder != nil && tx.Packs[0].Holder.MSP == e.p.Identities["pharmacy"].MSPID // read from the write set
				}
			}
			if be.Block >= res.Block {
				break
			}
		}
		if !found {
			t.Fatalf("the dispense of block %d was not delivered as expected", res.Block)
		}
		// A restart resumes at the stored checkpoint: that block comes first.
		cancel()
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
		defer cancel2()
		ch, err = e.c["regulator"].Events(ctx2, res.Block)
		if err != nil {
			t.Fatal(err)
		}
		first, ok := <-ch
		if !ok || first.Block != res.Block || len(first.Txs) == 0 {
			t.Fatalf("after a restart at block %d got %+v", res.Block, first)
		}
	})
	t.Run("changes since a block", func(t *testing.T) {
		c, err := e.c["regulator"].Changes(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]trace.PackStatus{}
		for _, p := range c.Packs {
			status[p.Serial] = p.Status
		}
		recalled := false
		for _, r := range c.Recalls {
			recalled = recalled || (r.GTIN == gtin && r.Batch == recallBatch)
		}
		if status[s[0]] != trace.PackDispensed || status[s[1]] != trace.PackActive || !recalled || c.ToBlock < res.Block {
			t.Fatalf("changes %+v", c)
		}
		again, err := e.c["regulator"].Changes(ctx, c.ToBlock+1)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range again.Packs {
			if p.GTIN == gtin && p.Serial == s[0] {
				t.Fatalf("a change was delivered twice: %+v", again)
			}
		}
	})
	t.Run("snapshot", func(t *testing.T) {
		found := false
		pages := 0
		_, err := e.c["pharmacy"].Snapshot(ctx, 1000, func(p ledger.Page) error {
			pages++
			for _, x := range p.Packs {
				found = found || (x.GTIN == gtin && x.Serial == s[0] && x.Status == trace.PackDispensed)
			}
			return nil
		})
		if err != nil || !found {
			t.Fatalf("snapshot: found=%v pages=%d err=%v", found, pages, err)
		}
	})
}

// sharedEPCIS is the EPCIS data beside the project root (not part of it).
const sharedEPCIS = "../../shared/epcis"

// testSeed seeds a small data set twice: the first run records it (or finds
// it from an earlier run), the second finds only duplicates, and the
// verdicts a newcomer sees are real.
func testSeed(t *testing.T, e *env) {
	ctx := ctxT(t)
	opts := ledger.SeedOptions{Products: 5, Packs: 200, BatchSize: 100}
	rep, err := ledger.Seed(ctx, e.c, e.glns, e.p.CompanyPrefixes, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Packs != 200 || rep.Accepted+rep.Duplicates == 0 || len(rep.Dispensed) == 0 {
		t.Fatalf("report %+v", rep)
	}
	again, err := ledger.Seed(ctx, e.c, e.glns, e.p.CompanyPrefixes, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Accepted != 0 || again.Duplicates != rep.Accepted+rep.Duplicates {
		t.Fatalf("second seed: %+v (first %+v)", again, rep)
	}
	ph := e.c["pharmacy"]
	d := rep.Dispensed[0]
	checks := []struct {
		name, gtin, serial, code string
		status                   trace.PackStatus
	}{
		{"dispensed", d.GTIN, d.Serial, "already-dispensed", trace.PackDispensed},
		{"stolen", rep.Stolen.GTIN, rep.Stolen.Serial, "stolen", trace.PackStolen},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			v, err := ph.Verify(ctx, c.gtin, c.serial, "", "")
			if err != nil || v.Status != c.status || len(v.Alerts) == 0 || v.Alerts[0].Code != c.code {
				t.Fatalf("verify %+v %v", v, err)
			}
		})
	}
	t.Run("recalled and expired batches", func(t *testing.T) {
		c, err := e.c["regulator"].Changes(ctx, 0) // blocks are the regulator's
		if err != nil {
			t.Fatal(err)
		}
		recalled, expired := false, false
		for _, r := range c.Recalls {
			recalled = recalled || (r.GTIN == rep.Recalled.GTIN && r.Batch == rep.Recalled.Batch)
		}
		for _, p := range c.Packs {
			if p.GTIN == rep.Expired.GTIN && p.Batch == rep.Expired.Batch {
				v, err := ph.Verify(ctx, p.GTIN, p.Serial, "", "")
				expired = err == nil && v.Status == trace.PackExpired
				break
			}
		}
		if !recalled || !expired {
			t.Fatalf("recalled %v expired %v", recalled, expired)
		}
	})
}

// custodyRow is one row of the trace core's testdata/custody.tsv.
type custodyRow struct {
	held, actor, at string
	kind            trace.Kind
	want            string
}

func loadCustody(t *testing.T) []custodyRow {
	t.Helper()
	b, err := os.ReadFile("../trace/testdata/custody.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []custodyRow
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 {
			t.Fatalf("custody.tsv: %q", line)
		}
		out = append(out, custodyRow{c[0], c[1], c[2], trace.Kind(c[3]), c[4]})
	}
	if len(out) < 40 {
		t.Fatalf("custody.tsv has %d rows", len(out))
	}
	return out
}

// testCustody runs the custody table (the trace core's and the
// chaincode's tests run it too) on the real network: a pack per row,
// brought by honest events to where the row says, then the row's event by
// its organisation, refused with the row's code or accepted.
func testCustody(t *testing.T, e *env) {
	rows := loadCustody(t)
	gtin := e.gtin(106)
	role := map[string]string{"man": "manufacturer", "dist": "distributor", "phar": "pharmacy", "reg": "regulator"}
	place := func(p string) string {
		if r, ok := strings.CutSuffix(p, "-b"); ok {
			return secondGLN(role[r])
		}
		return e.glns[role[p]]
	}
	serials := make([]string, len(rows))
	var commissions, dispenses []trace.Event
	groups := map[string][]string{}
	for i, r := range rows {
		serials[i] = e.serial()
		commissions = append(commissions, e.commission(gtin, serials[i], "L1", "2030-01-31"))
		held := strings.TrimSuffix(r.held, "*")
		groups[held] = append(groups[held], serials[i])
		if r.held == "phar*" {
			dispenses = append(dispenses, e.on(trace.KindDispense, "pharmacy", gtin, serials[i]))
		}
	}
	e.ok(t, "manufacturer", commissions...)
	for to, ss := range groups {
		e.bring(t, gtin, to, ss...)
	}
	if len(dispenses) > 0 {
		e.ok(t, "pharmacy", dispenses...)
	}
	// The rows' events, one transaction per organisation (each about its
	// own pack).
	yes := true
	index := map[string][]int{}
	events := map[string][]trace.Event{}
	for i, r := range rows {
		who := role[r.actor]
		ev := e.on(r.kind, who, gtin, serials[i])
		ev.Location = place(r.at)
		switch r.kind {
		case trace.KindShip:
			to := "distributor"
			if r.actor == "dist" {
				to = "pharmacy"
			}
			ev.Counterparty = e.glns[to]
		case trace.KindPack:
			ev.GTIN, ev.Serial, ev.SSCC, ev.Children = "", "", e.sscc(), []string{trace.PackKey(gtin, serials[i])}
		case trace.KindInspect:
			ev.Conformant = &yes
		}
		// A user records at its certificate's site: the second site's
		// events go in a batch of that site's user.
		key := who
		if ev.Location == secondGLN(who) {
			key += "-b"
		}
		index[key] = append(index[key], i)
		events[key] = append(events[key], ev)
	}
	got := make([]trace.Result, len(rows))
	for key, evs := range events {
		res := e.submit(t, strings.TrimSuffix(key, "-b"), evs...)
		for j, i := range index[key] {
			got[i] = res.Results[j]
		}
	}
	for i, r := range rows {
		t.Run(r.held+"/"+r.actor+"@"+r.at+"/"+string(r.kind), func(t *testing.T) {
			res, code := got[i], "ok"
			if res.Status != trace.StatusAccepted {
				code = res.Reason
				if res.Message == "" {
					t.Fatal("a refusal without a sentence")
				}
			}
			if code != r.want {
				t.Fatalf("%s by %s at %s of a pack held %s: got %s %s (%s), want %s", r.kind, r.actor, r.at, r.held, res.Status, res.Reason, res.Message, r.want)
			}
			if code == "ok" && r.kind == trace.KindReceive {
				v, err := e.c["regulator"].Verify(ctxT(t), gtin, serials[i], "", "")
				if err != nil || v.Holder == nil || v.Holder.MSP != e.p.Identities[role[r.actor]].MSPID || v.Holder.GLN != place(r.at) || v.Consignee != nil {
					t.Fatalf("after the receive: %+v %v", v, err)
				}
			}
		})
	}
	t.Run("verify names the consignee in transit", func(t *testing.T) {
		s := e.stock(t, gtin, "L1", "2030-01-31", 1)[0]
		e.bring(t, gtin, "man>dist", s)
		v, err := e.c["pharmacy"].Verify(ctxT(t), gtin, s, "", "")
		if err != nil || v.Status != trace.PackInTransit || v.Holder == nil || v.Holder.MSP != e.p.Identities["manufacturer"].MSPID ||
			v.Consignee == nil || v.Consignee.MSP != e.p.Identities["distributor"].MSPID || v.Consignee.GLN != e.glns["distributor"] {
			t.Fatalf("verify %+v %v", v, err)
		}
	})
}

// testLedgerTime checks event times against the ledger time on the real
// network, and what happens when a site's offline events reach the ledger
// after a later event of another site (docs/ledger.md, "Ledger time").
func testLedgerTime(t *testing.T, e *env) {
	gtin := e.gtin(107)
	dated := func(d time.Duration) trace.Event {
		ev := e.commission(gtin, e.serial(), "L1", "2030-01-31")
		ev.Time = time.Now().Add(d)
		return ev
	}
	for _, tt := range []struct {
		name string
		ev   trace.Event
		want string
	}{
		{"offline for 71 hours", dated(-71 * time.Hour), ""},
		{"offline for 73 hours", dated(-73 * time.Hour), "too-old"},
		{"dated an hour ahead", dated(time.Hour), "in-future"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.submit(t, "manufacturer", tt.ev).Results[0]
			if r.Reason != tt.want || (tt.want == "") != (r.Status == trace.StatusAccepted) {
				t.Fatalf("got %s %s (%s), want %q", r.Status, r.Reason, r.Message, tt.want)
			}
		})
	}
	// The manufacturer ships offline; the distributor, online, scans the
	// delivery first. The ledger judges events in the order it receives
	// them: the receive is refused (nobody shipped the pack yet), the late
	// ship is accepted, and the very same receive, sent again (a
	// content-addressed rejection is not stored), is accepted.
	t.Run("offline ship synced after the consignee's receive", func(t *testing.T) {
		s := e.stock(t, gtin, "L1", "2030-01-31", 1)[0]
		ship := e.on(trace.KindShip, "manufacturer", gtin, s)
		ship.Counterparty, ship.Time = e.glns["distributor"], time.Now().Add(-30*time.Minute)
		ship = ship.WithContentID()
		recv := e.on(trace.KindReceive, "distributor", gtin, s).WithContentID()
		if r := e.submit(t, "distributor", recv).Results[0]; r.Reason != "not-shipped" {
			t.Fatalf("receive before the ship: %+v", r)
		}
		e.ok(t, "manufacturer", ship)
		e.ok(t, "distributor", recv)
		v, err := e.c["regulator"].Verify(ctxT(t), gtin, s, "", "")
		if err != nil || v.Status != trace.PackActive || v.Holder == nil || v.Holder.MSP != e.p.Identities["distributor"].MSPID {
			t.Fatalf("verify %+v %v", v, err)
		}
	})
	// The pharmacy has received the pack; the distributor's offline destroy
	// of it, dated while it still held it, arrives later: refused, as the
	// distributor no longer holds it.
	t.Run("offline destroy synced after the pack moved on", func(t *testing.T) {
		s := e.stock(t, gtin, "L1", "2030-01-31", 1)[0]
		e.bring(t, gtin, "dist", s)
		destroy := e.on(trace.KindDestroy, "distributor", gtin, s)
		e.bring2(t, gtin, s)
		if r := e.submit(t, "distributor", destroy).Results[0]; r.Reason != "not-holder" {
			t.Fatalf("late destroy: %+v", r)
		}
	})
}

// bring2 moves a pack the distributor holds on to the pharmacy.
func (e *env) bring2(t testing.TB, gtin, serial string) {
	t.Helper()
	ship := e.on(trace.KindShip, "distributor", gtin, serial)
	ship.Counterparty = e.glns["pharmacy"]
	e.ok(t, "distributor", ship)
	e.ok(t, "pharmacy", e.on(trace.KindReceive, "pharmacy", gtin, serial))
}
