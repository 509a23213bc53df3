package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// These tests run the real Fabric binaries (built into bin/fabric when
// missing) and the chaincode from chaincode/. They never skip.

// fabricForTest returns the checkout and its Fabric binaries, building them
// when missing.
func fabricForTest(t *testing.T) (checkout, fabricBin string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	checkout, err = FindCheckout(wd)
	if err != nil {
		t.Fatal(err)
	}
	fabricBin = os.Getenv(EnvFabricBin)
	if fabricBin == "" {
		fabricBin = filepath.Join(checkout, "bin", "fabric")
	}
	if !hasFabric(fabricBin) {
		// Serialise with other test binaries building into the same place.
		lockDir := filepath.Join(checkout, ".state")
		must(t, os.MkdirAll(lockDir, 0o755))
		err := withLock(t.Context(), lockDir, func() error {
			if hasFabric(fabricBin) {
				return nil
			}
			return buildFabric(t.Context(), checkout, fabricBin, Config{Log: testLog{t}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return checkout, fabricBin
}

// freePortBase finds a port base whose whole span is free, away from the
// default network's.
func freePortBase(t *testing.T) int {
	t.Helper()
	base, err := FreePortBase()
	if err != nil {
		t.Fatal(err)
	}
	return base
}

// peerAs runs the peer CLI as one of the profile's identities, through the
// profile's endpoint, server name and TLS CA, as a client application would.
func peerAs(ctx context.Context, fabricBin, stateDir string, p Profile, role string, args ...string) ([]byte, error) {
	id, ok := p.Identities[role]
	if !ok {
		return nil, fmt.Errorf("no identity %q", role)
	}
	env := append(baseEnv(),
		"FABRIC_CFG_PATH="+layout{stateDir}.peerConfigDir(),
		"CORE_PEER_LOCALMSPID="+id.MSPID,
		"CORE_PEER_MSPCONFIGPATH="+filepath.Dir(filepath.Dir(id.Cert)), // .../msp/signcerts/cert.pem
		"CORE_PEER_ADDRESS="+p.Peer.Endpoint,
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_ROOTCERT_FILE="+p.Peer.TLSCACert,
		"CORE_PEER_TLS_SERVERHOSTOVERRIDE="+p.Peer.ServerName,
	)
	return run(ctx, stateDir, env, append([]string{filepath.Join(fabricBin, "peer")}, args...)...)
}

const metadataCall = `{"Args":["org.hyperledger.fabric:GetMetadata"]}`

// evaluate asks the chaincode for its contract metadata as role and checks
// that it describes the medtrace contract.
func evaluate(t *testing.T, fabricBin, stateDir string, p Profile, role string) {
	t.Helper()
	out, err := peerAs(t.Context(), fabricBin, stateDir, p, role, "chaincode", "query",
		"--channelID", p.Channel, "--name", p.Chaincode, "--ctor", metadataCall)
	if err != nil {
		t.Fatalf("evaluate as %s: %v", role, err)
	}
	var meta struct {
		Contracts map[string]json.RawMessage `json:"contracts"`
	}
	if err := json.Unmarshal(out, &meta); err != nil || len(meta.Contracts) == 0 {
		t.Fatalf("evaluate as %s: metadata %.200s (%v)", role, out, err)
	}
}

// submit sends a transaction as role and waits for its commit.
func submit(t *testing.T, fabricBin, stateDir string, p Profile, ports Ports, role string) {
	t.Helper()
	l := layout{stateDir}
	if _, err := peerAs(t.Context(), fabricBin, stateDir, p, role, "chaincode", "invoke",
		"-o", fmt.Sprintf("127.0.0.1:%d", ports.Orderer), "--tls", "--cafile", l.ordererTLSCA(),
		"--channelID", p.Channel, "--name", p.Chaincode, "--ctor", metadataCall,
		"--peerAddresses", p.Peer.Endpoint, "--tlsRootCertFiles", p.Peer.TLSCACert,
		"--waitForEvent", "--waitForEventTimeout", "30s"); err != nil {
		t.Fatalf("submit as %s: %v", role, err)
	}
}

func pids(t *testing.T, stateDir string) map[string]proc {
	t.Helper()
	out := map[string]proc{}
	for _, c := range components() {
		p, ok, err := readPidFile(layout{stateDir}.pidFile(c))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			out[c] = p
		}
	}
	return out
}

// snapshotChaincode copies the chaincode module at dir, and the trace core
// beside it (its go.mod replaces the core with ../trace), into a new folder
// and returns the copy's chaincode folder.
func snapshotChaincode(t *testing.T, dir string) string {
	t.Helper()
	snap := t.TempDir()
	for _, m := range []string{"chaincode", "trace"} {
		if err := os.CopyFS(filepath.Join(snap, m), os.DirFS(filepath.Join(filepath.Dir(dir), m))); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(snap, "chaincode")
}

func TestNetworkLifecycle(t *testing.T) {
	checkout, fabricBin := fabricForTest(t)
	// A snapshot of the chaincode source, so that edits made while the test
	// runs do not restart the chaincode under it.
	ccSrc := snapshotChaincode(t, filepath.Join(checkout, "chaincode"))
	cfg := Config{
		StateDir:     t.TempDir(),
		PortBase:     freePortBase(t),
		FabricBin:    fabricBin,
		ChaincodeDir: ccSrc,
		Log:          testLog{t},
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := Down(ctx, cfg.StateDir, testLog{t}); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	ctx := t.Context()
	var n *Network
	var first map[string]proc

	t.Run("up from nothing", func(t *testing.T) {
		t0 := time.Now()
		var err error
		if n, err = Up(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		t.Logf("first up: %s", time.Since(t0).Round(time.Millisecond))
		if n.Ports != PortsFrom(cfg.PortBase) || n.ProfilePath != filepath.Join(cfg.StateDir, "connection.json") {
			t.Errorf("network = %+v", n)
		}
		first = pids(t, cfg.StateDir)
		if len(first) != 3 {
			t.Fatalf("pid files: %v", first)
		}
	})
	if n == nil {
		t.FailNow()
	}

	t.Run("connection profile", func(t *testing.T) {
		p, err := ReadProfile(n.ProfilePath)
		if err != nil {
			t.Fatal(err)
		}
		if p.Peer.Endpoint != fmt.Sprintf("127.0.0.1:%d", n.Ports.Peer) || p.Peer.ServerName != "peer0.peer.medtrace.test" {
			t.Errorf("peer = %+v", p.Peer)
		}
		for _, o := range Orgs() {
			id := p.Identities[o.Role]
			if id.MSPID != o.MSPID || p.GLNs[o.Role] != o.GLN {
				t.Errorf("%s: identity %+v, GLN %q", o.Role, id, p.GLNs[o.Role])
			}
			for _, f := range []string{id.Cert, id.Key, p.Peer.TLSCACert} {
				if !filepath.IsAbs(f) {
					t.Errorf("%s: path %q not absolute", o.Role, f)
				}
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s: %v", o.Role, err)
				}
			}
			if fi, err := os.Stat(id.Key); err == nil && fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: key %s readable by others (%v)", o.Role, id.Key, fi.Mode())
			}
		}
		if got := p.CompanyPrefixes["manufacturer"]; len(got) != 2 || !strings.HasPrefix(p.GLNs["manufacturer"], got[0]) || got[1] != "CN8123456" {
			t.Errorf("manufacturer prefixes %v", got)
		}
	})

	t.Run("the ledger is configured and accepts events", func(t *testing.T) {
		lp, err := ledger.LoadProfile(n.ProfilePath)
		if err != nil {
			t.Fatal(err)
		}
		reg, err := lp.DialRole(ctx, "regulator")
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, reg)
		got, err := reg.LedgerConfig(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range Orgs() {
			oc := got.Orgs[o.MSPID]
			if oc.Role != o.Role || !slices.Contains(oc.GLNs, o.GLN) {
				t.Errorf("%s: ledger configuration %+v, want role %s and GLN %s", o.MSPID, oc, o.Role, o.GLN)
			}
			if want := n.Profile.CompanyPrefixes[o.Role]; len(want) > 0 && !slices.Equal(oc.Prefixes, want) {
				t.Errorf("%s: prefixes %v, want %v", o.MSPID, oc.Prefixes, want)
			}
		}
		man, err := lp.DialRole(ctx, "manufacturer")
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, man)
		gtin := lp.CompanyPrefixes["manufacturer"][0]
		gtin = "0" + gtin + strings.Repeat("0", 12-len(gtin))
		gtin += checkDigit(gtin)
		res, err := man.Submit(ctx, []trace.Event{{ID: "7f0c9a4e-5d1b-4c8e-9f3a-2b6d8e1c4a70", Kind: trace.KindCommission,
			Time: time.Now().Add(-time.Minute), Location: lp.GLNs["manufacturer"], GTIN: gtin, Serial: "UPTEST1",
			Batch: "L1", Expiry: "2099-12-31"}})
		if err != nil {
			t.Fatalf("first submission on a fresh network: %v", err)
		}
		if len(res.Results) != 1 || res.Results[0].Status != trace.StatusAccepted {
			t.Errorf("results %+v", res.Results)
		}
	})

	t.Run("every organisation evaluates", func(t *testing.T) {
		for _, role := range n.Profile.Roles() {
			t.Run(role, func(t *testing.T) { evaluate(t, fabricBin, cfg.StateDir, n.Profile, role) })
		}
	})

	t.Run("every organisation submits and the height grows", func(t *testing.T) {
		before, err := StatusOf(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range n.Profile.Roles() {
			t.Run(role, func(t *testing.T) { submit(t, fabricBin, cfg.StateDir, n.Profile, n.Ports, role) })
		}
		after, err := StatusOf(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// Four committed transactions: at least one block, at most four.
		if after.Height <= before.Height || after.Height > before.Height+4 {
			t.Errorf("height %d -> %d after four submissions", before.Height, after.Height)
		}
	})

	t.Run("up again is quick and starts nothing", func(t *testing.T) {
		t0 := time.Now()
		if _, err := Up(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		d := time.Since(t0)
		t.Logf("second up: %s", d.Round(time.Millisecond))
		if got := pids(t, cfg.StateDir); fmt.Sprint(got) != fmt.Sprint(first) {
			t.Errorf("processes changed: %v -> %v", first, got)
		}
	})

	t.Run("status", func(t *testing.T) {
		s, err := StatusOf(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Running() || s.Height < 3 || s.HeightErr != "" || s.Sequence != 1 || !strings.HasPrefix(s.PackageID, "medtrace:") {
			t.Errorf("status = %+v", s)
		}
	})

	t.Run("a dead chaincode is restarted alone", func(t *testing.T) {
		cc := first[compChaincode]
		if err := syscall.Kill(cc.PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if !cc.waitGone(ctx, 5*time.Second) {
			t.Fatal("chaincode survived SIGKILL")
		}
		s, err := StatusOf(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Running() || !s.Components[2].Stale {
			t.Errorf("status after kill = %+v", s.Components)
		}
		if _, err := Up(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		got := pids(t, cfg.StateDir)
		if got[compOrderer] != first[compOrderer] || got[compPeer] != first[compPeer] {
			t.Errorf("orderer or peer restarted: %v -> %v", first, got)
		}
		if got[compChaincode] == cc || !got[compChaincode].alive() {
			t.Errorf("chaincode not restarted: %v", got[compChaincode])
		}
		evaluate(t, fabricBin, cfg.StateDir, n.Profile, "pharmacy")
	})

	t.Run("a changed chaincode is rebuilt and restarted alone", func(t *testing.T) {
		src := snapshotChaincode(t, cfg.ChaincodeDir)
		before := pids(t, cfg.StateDir)
		changed := cfg
		changed.ChaincodeDir = src
		if err := os.WriteFile(filepath.Join(src, "zz_changed.go"), []byte("package main\n\nvar changed = \"yes\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Up(ctx, changed); err != nil {
			t.Fatal(err)
		}
		after := pids(t, cfg.StateDir)
		if after[compChaincode] == before[compChaincode] {
			t.Error("the chaincode process was not restarted after its source changed")
		}
		if after[compOrderer] != before[compOrderer] || after[compPeer] != before[compPeer] {
			t.Errorf("orderer or peer restarted: %v -> %v", before, after)
		}
		evaluate(t, fabricBin, cfg.StateDir, n.Profile, "distributor")
		// Back to the original source: rebuilt and restarted again.
		if _, err := Up(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		if back := pids(t, cfg.StateDir); back[compChaincode] == after[compChaincode] {
			t.Error("the chaincode process was not restarted for the original source")
		}
	})

	t.Run("an existing network keeps its ports", func(t *testing.T) {
		other := cfg
		other.PortBase = cfg.PortBase + 100
		got, err := Up(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if got.Ports != n.Ports {
			t.Errorf("ports %+v, want %+v", got.Ports, n.Ports)
		}
	})

	t.Run("down leaves no process", func(t *testing.T) {
		before := pids(t, cfg.StateDir)
		t0 := time.Now()
		if err := Down(ctx, cfg.StateDir, testLog{t}); err != nil {
			t.Fatal(err)
		}
		t.Logf("down: %s", time.Since(t0).Round(time.Millisecond))
		for c, p := range before {
			if p.alive() {
				t.Errorf("%s pid %d still runs", c, p.PID)
			}
		}
		if left := pids(t, cfg.StateDir); len(left) != 0 {
			t.Errorf("pid files left: %v", left)
		}
		for _, p := range n.Ports.list() {
			if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.port), time.Second); err == nil {
				_ = conn.Close() // only a probe, and the test fails already
				t.Errorf("%s port %d still answers", p.name, p.port)
			}
		}
		if s, err := StatusOf(ctx, cfg); err != nil || s.Running() {
			t.Errorf("status after down = %+v, %v", s, err)
		}
		if err := Down(ctx, cfg.StateDir, testLog{t}); err != nil {
			t.Errorf("second down: %v", err)
		}
	})

	t.Run("up after down keeps the ledger", func(t *testing.T) {
		t0 := time.Now()
		if _, err := Up(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		t.Logf("restart: %s", time.Since(t0).Round(time.Millisecond))
		s, err := StatusOf(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Height < 4 || s.Sequence != 1 {
			t.Errorf("after restart: height %d, sequence %d", s.Height, s.Sequence)
		}
		evaluate(t, fabricBin, cfg.StateDir, n.Profile, "regulator")
		submit(t, fabricBin, cfg.StateDir, n.Profile, n.Ports, "distributor")
	})

	t.Run("restart without the chaincode source runs the last build", func(t *testing.T) {
		if err := Down(ctx, cfg.StateDir, testLog{t}); err != nil {
			t.Fatal(err)
		}
		installed := cfg
		installed.ChaincodeDir = ""
		if _, err := Up(ctx, installed); err != nil {
			t.Fatal(err)
		}
		evaluate(t, fabricBin, cfg.StateDir, n.Profile, "manufacturer")
	})

	t.Run("remove", func(t *testing.T) {
		if err := Remove(ctx, cfg.StateDir, testLog{t}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(cfg.StateDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("state directory still there: %v", err)
		}
	})
}

// TestStartFailureReportsLog runs an orderer that dies at once: Up must fail
// with the orderer's log tail and leave no process behind.
func TestStartFailureReportsLog(t *testing.T) {
	checkout, fabricBin := fabricForTest(t)
	fake := t.TempDir()
	for _, name := range []string{"peer", "configtxgen", "cryptogen", "osnadmin"} {
		if err := os.Symlink(filepath.Join(fabricBin, name), filepath.Join(fake, name)); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\necho 'panic: orderer cannot open its ledger (test)' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(fake, "orderer"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := Config{StateDir: t.TempDir(), PortBase: freePortBase(t), FabricBin: fake,
		ChaincodeDir: filepath.Join(checkout, "chaincode"), Log: testLog{t}}
	_, err := Up(t.Context(), cfg)
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("Up() = %v, want a StartError", err)
	}
	if se.Component != compOrderer || !strings.Contains(se.Tail, "cannot open its ledger") ||
		!strings.Contains(err.Error(), "cannot open its ledger") {
		t.Errorf("StartError = %+v", se)
	}
	if left := pids(t, cfg.StateDir); len(left) != 0 {
		t.Errorf("pid files left after a failed up: %v", left)
	}
}

func TestPortInUse(t *testing.T) {
	checkout, fabricBin := fabricForTest(t)
	base := freePortBase(t)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", PortsFrom(base).Peer))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ln.Close(); err != nil {
			t.Error(err)
		}
	}()
	cfg := Config{StateDir: t.TempDir(), PortBase: base, FabricBin: fabricBin,
		ChaincodeDir: filepath.Join(checkout, "chaincode"), Log: testLog{t}}
	t.Cleanup(func() {
		if err := Down(context.Background(), cfg.StateDir, testLog{t}); err != nil {
			t.Errorf("down after the refused up: %v", err)
		}
	})
	_, err = Up(t.Context(), cfg)
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != PortsFrom(base).Peer {
		t.Fatalf("Up() = %v, want PortInUseError for the peer port", err)
	}
	if left := pids(t, cfg.StateDir); len(left) != 0 {
		t.Errorf("processes left after a failed up: %v", left)
	}
}

// TestForTest checks the network integration tests get (Lease): it answers as every
// organisation of its profile.
func TestForTest(t *testing.T) {
	n := forTest(t)
	_, fabricBin := fabricForTest(t)
	if n.StateDir == "" {
		// A network reused from MEDTRACE_LEDGER_PROFILE: its config sits beside it.
		n.StateDir = filepath.Dir(n.ProfilePath)
	}
	for _, role := range n.Profile.Roles() {
		t.Run(role, func(t *testing.T) { evaluate(t, fabricBin, n.StateDir, n.Profile, role) })
	}
}

// checkDigit is the GS1 mod-10 check digit of body.
// closeClient closes a ledger client when the test is done with it and
// fails the test if that fails.
func closeClient(t testing.TB, c *ledger.Client) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Errorf("close the ledger client: %v", err)
	}
}

func checkDigit(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return fmt.Sprint((10 - sum%10) % 10)
}
