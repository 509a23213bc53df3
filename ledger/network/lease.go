package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// testStartedMarker, in a state directory, says a test started the network,
// so the last test to release it stops it again.
const testStartedMarker = "test-started"

// TestPortBase is the port base of the checkout's test network
// (.state/ledger-test), apart from the demo network's DefaultPortBase so
// both can run at once.
const TestPortBase = 27150

// forTestTimeout bounds building Fabric (first time: a few minutes) and Up.
const forTestTimeout = 15 * time.Minute

// Lease returns a running network for an integration test, with the
// function that gives it back; networktest.ForTest wraps it for tests.
//
// With MEDTRACE_LEDGER_PROFILE set (as `make test` does) it reuses the
// network that profile describes and leaves it running. Otherwise it uses the
// checkout's .state/ledger-test (or MEDTRACE_LEDGER_STATE), a network of its
// own apart from the demo data of `make run`, building the Fabric
// binaries into bin/fabric if they are missing and starting the network if it
// is not running. Every caller holds a lease in the state directory; when a
// test started the network, the last lease given back (in any test binary)
// stops it. A network started by someone else keeps running.
func Lease(ctx context.Context, log io.Writer) (n *Network, giveBack func(context.Context) error, err error) {
	none := func(context.Context) error { return nil }
	if p := os.Getenv(EnvProfile); p != "" {
		prof, err := ReadProfile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", EnvProfile, err)
		}
		conn, err := net.DialTimeout("tcp", prof.Peer.Endpoint, 5*time.Second)
		if err != nil {
			return nil, nil, fmt.Errorf("the network of %s=%s does not answer at %s: %w (start it with `medtrace ledger up`, or unset %s)",
				EnvProfile, p, prof.Peer.Endpoint, err, EnvProfile)
		}
		_ = conn.Close() // only a probe: the peer answered, nothing was sent
		return &Network{ProfilePath: p, Profile: prof}, none, nil
	}
	root, cfg, err := testConfig(log, EnvState, "ledger-test", TestPortBase, EnvPortBase)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (set %s to a running network's connection.json)", err, EnvProfile)
	}
	n, lease, err := acquire(ctx, cfg, root)
	if err != nil {
		return nil, nil, err
	}
	return n, func(ctx context.Context) error { return release(ctx, cfg, lease) }, nil
}

// acquire builds Fabric if needed, starts the network if it is not running,
// and takes a lease on it.
func acquire(ctx context.Context, cfg Config, checkout string) (*Network, string, error) {
	ctx, cancel := context.WithTimeout(ctx, forTestTimeout)
	defer cancel()
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, "", err
	}
	l := layout{cfg.StateDir}
	var n *Network
	var lease string
	err = withLock(ctx, cfg.StateDir, func() error {
		if !hasFabric(cfg.FabricBin) {
			if err := buildFabric(ctx, checkout, cfg.FabricBin, cfg); err != nil {
				return err
			}
		}
		s, err := StatusOf(ctx, cfg)
		wasRunning := err == nil && s.Running()
		if n, err = up(ctx, cfg); err != nil {
			return err
		}
		if !wasRunning {
			if err := touch(l.path(testStartedMarker)); err != nil {
				return err
			}
		}
		if err := os.MkdirAll(l.leaseDir(), 0o755); err != nil {
			return err
		}
		me := proc{PID: os.Getpid()}
		if st, ok := procStat(me.PID); ok {
			me.Start = st.start
		}
		f, err := os.CreateTemp(l.leaseDir(), fmt.Sprintf("%d.%s.", me.PID, me.Start))
		if err != nil {
			return err
		}
		lease = f.Name()
		return f.Close()
	})
	return n, lease, err
}

// release drops a lease; the last one out stops a network a test started.
func release(ctx context.Context, cfg Config, lease string) error {
	cfg, err := cfg.normalize()
	if err != nil {
		return err
	}
	l := layout{cfg.StateDir}
	return withLock(ctx, cfg.StateDir, func() error {
		if err := os.Remove(lease); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if _, err := os.Stat(l.path(testStartedMarker)); err != nil {
			return nil // not ours to stop
		}
		_, err := downUnlessLeased(ctx, cfg)
		return err
	})
}

// DownIfUnused stops the network unless a test (ForTest, in any process)
// still holds a lease on it; then the last of those stops it instead. It
// reports whether it stopped the network now.
func DownIfUnused(ctx context.Context, stateDir string, log io.Writer) (bool, error) {
	cfg, err := Config{StateDir: stateDir, Log: log}.normalize()
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(cfg.StateDir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	var stopped bool
	err = withLock(ctx, cfg.StateDir, func() error {
		var err error
		stopped, err = downUnlessLeased(ctx, cfg)
		return err
	})
	return stopped, err
}

// downUnlessLeased stops the network when no live process holds a lease;
// otherwise it leaves the marker that makes the last lease holder stop it.
// The caller holds the lock.
func downUnlessLeased(ctx context.Context, cfg Config) (bool, error) {
	l := layout{cfg.StateDir}
	ents, err := os.ReadDir(l.leaseDir())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	live := 0
	for _, e := range ents {
		if leaseHolder(e.Name()).alive() {
			live++
			continue
		}
		// Its holder died. A lease that cannot be removed is found dead
		// again next time: it never keeps the network running.
		_ = os.Remove(filepath.Join(l.leaseDir(), e.Name()))
	}
	if live > 0 {
		fmt.Fprintf(cfg.Log, "still used by %d test process(es); the last one stops it\n", live)
		return false, touch(l.path(testStartedMarker))
	}
	if err := down(ctx, cfg); err != nil {
		return false, err
	}
	if err := os.Remove(l.path(testStartedMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return true, err
	}
	return true, nil
}

// leaseHolder reads the process from a lease file name: PID.START.RANDOM.
func leaseHolder(name string) proc {
	f := strings.SplitN(name, ".", 3)
	if len(f) < 2 {
		return proc{}
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		return proc{}
	}
	return proc{PID: pid, Start: f[1]}
}

// fabricCommands are the Fabric packages `make fabric` builds.
func fabricCommands() []string {
	var pkgs []string
	for _, c := range []string{"peer", "orderer", "configtxgen", "cryptogen", "osnadmin"} {
		pkgs = append(pkgs, "github.com/hyperledger/fabric/cmd/"+c)
	}
	return pkgs
}

// buildFabric builds the Fabric binaries from the checkout's tools/fabric
// module into dst, as `make fabric` does.
func buildFabric(ctx context.Context, checkout, dst string, cfg Config) error {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("%w: and no go command to build them: %v", ErrFabricMissing, err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(cfg.Log, "building Fabric into %s (a few minutes the first time)\n", dst)
	t0 := time.Now()
	args := append([]string{goCmd, "build", "-o", dst + string(filepath.Separator)}, fabricCommands()...)
	if _, err := run(ctx, filepath.Join(checkout, "tools", "fabric"), os.Environ(), args...); err != nil {
		return fmt.Errorf("%w: building them failed: %v", ErrFabricMissing, err)
	}
	fmt.Fprintf(cfg.Log, "built Fabric in %s\n", time.Since(t0).Round(time.Second))
	return nil
}

// FreePortBase finds a block of ports on 127.0.0.1 that nothing listens
// on, for a private test network. The search starts at a block that
// depends on the process ID, so test binaries running at the same time (a
// CI run beside a developer's) rarely reach for the same block.
func FreePortBase() (int, error) {
	for base := 28100 + (os.Getpid()%40)*100; base < 60000; base += 100 {
		var ps []namedPort
		for p := base; p < base+portSpan; p++ {
			ps = append(ps, namedPort{"probe", p})
		}
		if checkPorts(ps) == nil {
			return base, nil
		}
	}
	return 0, errors.New("no free block of ports on 127.0.0.1")
}

// ConsortiumTestPortBase is the port base of the checkout's consortium
// test network (.state/ledger-consortium-test): 25 ports from it (see
// TopologyConsortium), apart from the test and bench networks' blocks.
const ConsortiumTestPortBase = 27350

// LeaseConsortium is Lease for the consortium topology: the checkout's
// .state/ledger-consortium-test (or MEDTRACE_LEDGER_CONSORTIUM_STATE, on
// MEDTRACE_LEDGER_CONSORTIUM_PORT_BASE when set), started when it does not
// run and stopped by the last lease given back when a test started it. It
// always goes through the state directory (never a profile alone): the
// consortium's tests stop and start its peers.
func LeaseConsortium(ctx context.Context, log io.Writer) (n *Network, giveBack func(context.Context) error, err error) {
	root, cfg, err := testConfig(log, EnvConsortiumState, "ledger-consortium-test", ConsortiumTestPortBase, EnvConsortiumPortBase)
	if err != nil {
		return nil, nil, err
	}
	cfg.Topology = TopologyConsortium
	n, lease, err := acquire(ctx, cfg, root)
	if err != nil {
		return nil, nil, err
	}
	if n.Topology != TopologyConsortium {
		_ = release(ctx, cfg, lease) // the error below is the one to report
		return nil, nil, fmt.Errorf("%s holds a %s network, not a consortium", cfg.StateDir, n.Topology)
	}
	return n, func(ctx context.Context) error { return release(ctx, cfg, lease) }, nil
}

// testConfig is the configuration of a test network of the checkout: the
// state directory from stateEnv, else .state/stateName on port base base
// (or portEnv's), the checkout's chaincode and bin/fabric (or
// MEDTRACE_FABRIC_BIN). It returns the checkout's root too.
func testConfig(log io.Writer, stateEnv, stateName string, base int, portEnv string) (string, Config, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", Config{}, err
	}
	root, err := FindCheckout(wd)
	if err != nil {
		return "", Config{}, err
	}
	cfg := Config{
		StateDir:     os.Getenv(stateEnv),
		FabricBin:    os.Getenv(EnvFabricBin),
		ChaincodeDir: filepath.Join(root, "chaincode"),
		Log:          log,
	}
	if cfg.StateDir == "" {
		cfg.StateDir = filepath.Join(root, ".state", stateName)
		cfg.PortBase = base
	}
	if cfg.FabricBin == "" {
		cfg.FabricBin = filepath.Join(root, "bin", "fabric")
	}
	if v := os.Getenv(portEnv); v != "" {
		if cfg.PortBase, err = strconv.Atoi(v); err != nil {
			return "", Config{}, fmt.Errorf("%s=%q is not a port number", portEnv, v)
		}
	}
	return root, cfg, nil
}
