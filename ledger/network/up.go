package network

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/medtrace/medtrace/ledger"
)

// Component names, also the names of their pid and log files.
const (
	compOrderer   = "orderer"
	compPeer      = "peer"
	compChaincode = "chaincode"
)

// components of the single network in start order; Down stops them in
// reverse (upRun.componentNames for any topology).
func components() []string { return []string{compOrderer, compPeer, compChaincode} }

// readyTimeout bounds how long one component may take to become ready.
const readyTimeout = 90 * time.Second

// bins are the Fabric commands a network runs.
type bins struct {
	peer, orderer, configtxgen, cryptogen, osnadmin string
}

// findBins looks the Fabric commands up in dir, or on PATH when dir is empty.
func findBins(dir string) (bins, error) {
	var b bins
	var missing []string
	find := func(name string) string {
		if dir != "" {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				return p
			}
			missing = append(missing, name)
			return ""
		}
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name)
			return ""
		}
		return p
	}
	b.peer, b.orderer = find("peer"), find("orderer")
	b.configtxgen, b.cryptogen, b.osnadmin = find("configtxgen"), find("cryptogen"), find("osnadmin")
	if len(missing) > 0 {
		where := "on PATH"
		if dir != "" {
			where = "in " + dir
		}
		return b, fmt.Errorf("%w: %s not found %s (run `make fabric`, or point --fabric-bin at them)",
			ErrFabricMissing, strings.Join(missing, ", "), where)
	}
	return b, nil
}

// baseEnv is the environment of every Fabric process: the caller's, minus
// anything that Fabric reads as configuration (CORE_*, ORDERER_*, ...), so a
// stray variable cannot redirect a port or a path.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "CORE_"), strings.HasPrefix(k, "ORDERER_"),
			strings.HasPrefix(k, "FABRIC_"), strings.HasPrefix(k, "CONFIGTX_"),
			strings.HasPrefix(k, "CHAINCODE_"), strings.HasPrefix(k, "OSN_"):
			continue
		}
		env = append(env, kv)
	}
	// Plain log lines (no terminal colours) in the log files.
	return append(env, "FABRIC_LOGGING_FORMAT="+logFormat, "FABRIC_LOGGING_SPEC=info")
}

// serverGOGC is the Go garbage collector target of the long-running
// processes (orderer, peer, chaincode) unless the caller sets GOGC: they
// allocate much per transaction and hold little, so collecting a quarter as
// often trades a few tens of megabytes for CPU time per event.
const serverGOGC = "400"

// serverEnv is baseEnv for the orderer, the peer and the chaincode.
func serverEnv() []string {
	env := baseEnv()
	if os.Getenv("GOGC") == "" {
		env = append(env, "GOGC="+serverGOGC)
	}
	return env
}

// chaincodeProcs sets GOMAXPROCS for the chaincode unless the caller sets
// GOMAXPROCS: a quarter of the cores, at least one. The busy processes of a
// local network (peer, chaincode, orderer, client) share one machine; the
// chaincode mostly waits on the peer, one state read or write at a time,
// and with as many threads as cores its scheduler spins looking for work
// on cores the peer needs. On 2 cores one thread cut the chaincode's CPU
// time per event by 15-30%. (The orderer and the peer keep every core:
// with one thread the orderer's CPU time per event rose by a third, and
// the peer validates in parallel.)
func chaincodeProcs(env []string) []string {
	if os.Getenv("GOMAXPROCS") != "" {
		return env
	}
	return append(env, fmt.Sprintf("GOMAXPROCS=%d", max(1, runtime.NumCPU()/4)))
}

// logFormat is the Fabric processes' log line format.
const logFormat = "%{time:2006-01-02 15:04:05.000 MST} %{id:04x} %{level:.4s} [%{module}] %{shortfunc} -> %{message}"

// run runs a short command and returns its output; a failure carries the
// output's tail.
func run(ctx context.Context, dir string, env []string, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		return []byte(out.String()), fmt.Errorf("%s %s: %w: %s", filepath.Base(argv[0]), strings.Join(argv[1:min(len(argv), 4)], " "), err, msg)
	}
	return []byte(out.String()), nil
}

// checkPorts fails when another program listens on one of the ports.
func checkPorts(ps []namedPort) error {
	for _, p := range ps {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
		if err != nil {
			return &PortInUseError{Name: p.name, Port: p.port, Err: err}
		}
		if err := ln.Close(); err != nil {
			return fmt.Errorf("free port %d after checking it: %w", p.port, err)
		}
	}
	return nil
}

// upRun is one Up in progress.
type upRun struct {
	cfg     Config
	l       layout
	st      state
	topo    string // TopologySingle or TopologyConsortium
	ports   Ports
	bins    bins
	started []string // components this run started, stopped again if it fails
}

func (u *upRun) logf(format string, args ...any) {
	fmt.Fprintf(u.cfg.Log, format+"\n", args...)
}

func up(ctx context.Context, cfg Config) (*Network, error) {
	u := &upRun{cfg: cfg, l: layout{cfg.StateDir}}
	st, exists, err := loadState(u.l.root)
	if err != nil {
		return nil, err
	}
	switch {
	case !exists && cfg.PortBase != 0:
		st.PortBase = cfg.PortBase
	case !exists:
		st.PortBase = DefaultPortBase
	case cfg.PortBase != 0 && cfg.PortBase != st.PortBase:
		// The ports are in the channel configuration: a network keeps them.
		u.logf("keeping port base %d of the existing network (not %d; remove %s to change it)",
			st.PortBase, cfg.PortBase, u.l.root)
	}
	switch {
	case !exists:
		st.Topology = cfg.Topology
		if st.Topology == TopologySingle {
			st.Topology = "" // as before topologies
		}
	case cfg.Topology != "" && cfg.Topology != topologyOf(st):
		u.logf("keeping the %s topology of the existing network (not %s; remove %s to change it)",
			topologyOf(st), cfg.Topology, u.l.root)
	}
	u.st, u.topo = st, topologyOf(st)
	u.ports = portsOf(u.topo, st.PortBase)

	procs := map[string]proc{}
	allAlive := true
	for _, c := range u.componentNames() {
		p, ok, err := readPidFile(u.l.pidFile(c))
		if err != nil || !ok || !p.alive() {
			allAlive = false
			if ok {
				u.logf("%s: stale pid file (pid %d not running)", c, p.PID)
				if err := os.Remove(u.l.pidFile(c)); err != nil && !errors.Is(err, os.ErrNotExist) {
					return nil, fmt.Errorf("remove the stale pid file of %s: %w", c, err)
				}
			}
			continue
		}
		procs[c] = p
	}
	if exists && allAlive && st.ProfileWritten && st.PackageID != "" && u.chaincodeCurrent() && u.l.usersIssued() &&
		u.peersHealthy(ctx) == nil {
		u.logf("already up (state %s)", u.l.root)
		if err := u.configure(ctx); err != nil {
			return nil, err
		}
		return u.network()
	}

	if u.bins, err = findBins(cfg.FabricBin); err != nil {
		return nil, err
	}
	ccBin, ccSHA, err := u.chaincodeBinary(ctx)
	if err != nil {
		return nil, err
	}
	n, err := u.bringUp(ctx, procs, ccBin, ccSHA)
	if err != nil {
		u.stopStarted(ctx)
		return nil, err
	}
	return n, nil
}

// bringUp does every step Up still needs.
func (u *upRun) bringUp(ctx context.Context, procs map[string]proc, ccBin, ccSHA string) (*Network, error) {
	t0 := time.Now()
	if err := u.renderTopology(); err != nil {
		return nil, err
	}
	if err := saveState(u.l.root, u.st); err != nil {
		return nil, err
	}
	if err := u.bootstrap(ctx); err != nil {
		return nil, err
	}
	if !u.l.usersIssued() {
		u.logf("crypto: issuing the users' certificates (role, site and administrator attributes)")
		if err := issueUsers(u.l, time.Now()); err != nil {
			return nil, err
		}
	}
	if err := u.writeChaincodeClientCAs(); err != nil {
		return nil, err
	}
	for _, d := range []string{u.l.pidDir(), u.l.logDir(), u.l.tmpDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}

	// Orderers, joined to the channel through the participation API.
	for _, o := range u.orderers() {
		if _, ok := procs[o.Name]; ok {
			continue
		}
		if err := u.start(ctx, o.Name, []string{u.bins.orderer}, u.ordererEnv(o),
			[]namedPort{{o.Name, o.Port}, {o.Name + " admin", o.AdminPort},
				{o.Name + " cluster", o.ClusterPort}, {o.Name + " operations", o.OperationsPort}}); err != nil {
			return nil, err
		}
	}
	for _, o := range u.orderers() {
		if !u.joined(o.Name) {
			if err := u.joinOrderer(ctx, o); err != nil {
				return nil, u.startErr(o.Name, err)
			}
		}
	}
	if err := u.waitLeader(ctx); err != nil {
		return nil, u.startErr(u.orderers()[0].Name, err)
	}

	// Peers, each joined to the channel by its organisation's admin.
	for _, p := range u.peers() {
		if _, ok := procs[p.Name]; ok {
			continue
		}
		if err := u.start(ctx, p.Name, []string{u.bins.peer, "node", "start"}, u.peerEnv(p),
			[]namedPort{{p.Name, p.Port}, {p.Name + " chaincode", p.ChaincodePort},
				{p.Name + " operations", p.OperationsPort}}); err != nil {
			return nil, err
		}
	}
	for _, p := range u.peers() {
		if !u.joined(p.Name) {
			if err := u.joinPeer(ctx, p); err != nil {
				return nil, u.startErr(p.Name, err)
			}
		}
	}

	// The chaincode server, then its definition on the channel.
	if err := writePackage(u.l.packageFile(), u.ports.Chaincode); err != nil {
		return nil, err
	}
	pkgID, err := u.packageID(ctx)
	if err != nil {
		return nil, err
	}
	if p, ok := procs[compChaincode]; ok && (u.st.ChaincodeSHA != ccSHA || u.st.PackageID != pkgID) {
		u.logf("chaincode: binary or package changed, restarting pid %d", p.PID)
		if err := p.stop(ctx, 5*time.Second); err != nil {
			return nil, err
		}
		if err := os.Remove(u.l.pidFile(compChaincode)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("remove the stopped chaincode's pid file: %w", err)
		}
		delete(procs, compChaincode)
	}
	if _, ok := procs[compChaincode]; !ok {
		if err := u.start(ctx, compChaincode, []string{ccBin}, u.chaincodeEnv(pkgID),
			[]namedPort{{"chaincode", u.ports.Chaincode}}); err != nil {
			return nil, err
		}
		u.st.ChaincodeSHA = ccSHA
		if err := saveState(u.l.root, u.st); err != nil {
			return nil, err
		}
	}
	if u.st.PackageID != pkgID {
		if err := u.deploy(ctx, pkgID); err != nil {
			return nil, u.startErr(u.gatewayPeer().Name, err)
		}
	}
	if err := u.ping(ctx); err != nil {
		return nil, u.startErr(compChaincode, err)
	}
	if err := u.waitGossip(ctx); err != nil {
		return nil, u.startErr(u.gatewayPeer().Name, err)
	}

	p, err := u.profile()
	if err != nil {
		return nil, err
	}
	if err := writeProfile(u.l.profile(), p); err != nil {
		return nil, err
	}
	u.st.ProfileWritten = true
	if err := saveState(u.l.root, u.st); err != nil {
		return nil, err
	}
	if err := u.configure(ctx); err != nil {
		return nil, u.startErr(compChaincode, err)
	}
	u.logf("up in %s (%s, state %s, peer 127.0.0.1:%d)", time.Since(t0).Round(time.Millisecond), u.topo, u.l.root, u.gatewayPeer().Port)
	return u.network()
}

// configure makes the ledger's configuration (roles, company prefixes,
// GLNs) match the connection profile, as its regulator, so submissions are
// accepted without a seed first. It runs until it has succeeded once for
// this state directory (the configuration lives in the ledger, which the
// state directory keeps), so a later `up` neither pays for it nor undoes
// what a regulator changed since; it changes only what differs.
func (u *upRun) configure(ctx context.Context) error {
	if u.st.Configured {
		return nil
	}
	if err := ledger.ConfigureProfile(ctx, u.l.profile()); err != nil {
		return err
	}
	u.logf("ledger: configured roles, company prefixes and GLNs from %s", u.l.profile())
	u.st.Configured = true
	return saveState(u.l.root, u.st)
}

func (u *upRun) network() (*Network, error) {
	p, err := ReadProfile(u.l.profile())
	if err != nil {
		return nil, err
	}
	return &Network{StateDir: u.l.root, ProfilePath: u.l.profile(), Profile: p, Ports: u.ports, Topology: u.topo,
		Members: memberPorts(u.topo, u.st.PortBase)}, nil
}

// bootstrap creates the crypto material and the channel's genesis block when
// they are missing.
func (u *upRun) bootstrap(ctx context.Context) error {
	if _, err := os.Stat(u.l.cryptoDir()); errors.Is(err, os.ErrNotExist) {
		u.logf("crypto: generating keys and certificates (cryptogen)")
		tmp := u.l.cryptoDir() + ".tmp"
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("remove what a failed run left in %s: %w", tmp, err)
		}
		if _, err := run(ctx, u.l.root, baseEnv(), u.bins.cryptogen, "generate",
			"--config", filepath.Join(u.l.configDir(), "crypto-config.yaml"), "--output", tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, u.l.cryptoDir()); err != nil {
			return err
		}
	}
	if _, err := os.Stat(u.l.genesisBlock()); errors.Is(err, os.ErrNotExist) {
		u.logf("channel: writing the genesis block of %q (configtxgen)", Channel)
		if err := os.MkdirAll(filepath.Dir(u.l.genesisBlock()), 0o755); err != nil {
			return err
		}
		tmp := u.l.genesisBlock() + ".tmp"
		if _, err := run(ctx, u.l.root, baseEnv(), u.bins.configtxgen, "-configPath", u.l.configDir(),
			"-profile", "MedTraceChannel", "-channelID", Channel, "-outputBlock", tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, u.l.genesisBlock()); err != nil {
			return err
		}
	}
	return nil
}

// The processes' temporary files (the peer's chaincode installs, its
// builders' work) also stay in the state directory.
func (u *upRun) ordererEnv(o ordererNode) []string {
	return append(serverEnv(), "FABRIC_CFG_PATH="+o.ConfigDir, "TMPDIR="+u.l.tmpDir())
}

func (u *upRun) peerEnv(p peerNode) []string {
	return append(serverEnv(), "FABRIC_CFG_PATH="+p.ConfigDir, "TMPDIR="+u.l.tmpDir())
}

func (u *upRun) chaincodeEnv(pkgID string) []string {
	tls := filepath.Join(u.chaincodeNodeDir(), "tls")
	return append(chaincodeProcs(serverEnv()), "TMPDIR="+u.l.tmpDir(),
		"CHAINCODE_ID="+pkgID,
		fmt.Sprintf("CHAINCODE_SERVER_ADDRESS=127.0.0.1:%d", u.ports.Chaincode),
		"CHAINCODE_TLS_CERT_FILE="+filepath.Join(tls, "server.crt"),
		"CHAINCODE_TLS_KEY_FILE="+filepath.Join(tls, "server.key"),
		// A peer presents its own TLS certificate, issued by its org's TLS CA.
		"CHAINCODE_TLS_CLIENT_CA_FILE="+u.chaincodeClientCAs(),
	)
}

// start starts a component detached, records its pid and waits until it is
// ready.
func (u *upRun) start(ctx context.Context, c string, argv, env []string, ports []namedPort) error {
	if err := checkPorts(ports); err != nil {
		return err
	}
	logPath := u.l.logFile(c)
	if err := rotate(logPath, maxLogSize); err != nil {
		return err
	}
	if err := touch(logPath); err != nil {
		return err
	}
	p, err := startDetached(u.l.root, logPath, env, argv)
	if err != nil {
		return err
	}
	if err := writePidFile(u.l.pidFile(c), p); err != nil {
		return err
	}
	u.started = append(u.started, c)
	u.logf("%s: started, pid %d, log %s", c, p.PID, logPath)
	if err := u.waitReady(ctx, c, p); err != nil {
		return u.startErr(c, err)
	}
	return nil
}

// maxLogSize is the size past which a log is set aside when its process
// starts again.
const maxLogSize = 32 << 20

// rotate renames a log to NAME.1 (replacing an older one) once it is larger
// than max, so a long-lived network's logs stay bounded across restarts.
func rotate(path string, max int64) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() <= max {
		return nil
	}
	return os.Rename(path, path+".1")
}

// touch creates a file if it does not exist.
func touch(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func (u *upRun) startErr(c string, err error) error {
	var se *StartError
	if errors.As(err, &se) {
		return err
	}
	return &StartError{Component: c, Log: u.l.logFile(c), Tail: tail(u.l.logFile(c), 40), Err: err}
}

// waitReady polls a just-started component until it answers, the process
// ends, or readyTimeout passes.
func (u *upRun) waitReady(ctx context.Context, c string, p proc) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if !p.alive() {
			return fmt.Errorf("process %d exited", p.PID)
		}
		if last = u.healthy(ctx, c); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", readyTimeout, last)
		case <-tick.C:
		}
	}
}

// stopStarted stops what a failed Up started, so it leaves no process. It
// runs even when ctx is done (a timeout is a common reason to fail).
func (u *upRun) stopStarted(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	for i := len(u.started) - 1; i >= 0; i-- {
		c := u.started[i]
		p, ok, err := readPidFile(u.l.pidFile(c))
		if err != nil || !ok {
			continue
		}
		if err := p.stop(ctx, 5*time.Second); err == nil {
			// Up has failed already (its error is the one reported); a pid
			// file left behind names a process that is gone: the next Up
			// finds it stale.
			_ = os.Remove(u.l.pidFile(c))
		}
	}
}

// chaincodeBinary returns the chaincode binary to run and its SHA-256,
// building it from source when the configuration names a source directory.
func (u *upRun) chaincodeBinary(ctx context.Context) (string, string, error) {
	switch {
	case u.cfg.ChaincodeBin != "":
		sum, err := fileSHA(u.cfg.ChaincodeBin)
		if err != nil {
			return "", "", fmt.Errorf("chaincode binary: %w", err)
		}
		return u.cfg.ChaincodeBin, sum, nil
	case u.cfg.ChaincodeDir != "":
		dst := u.l.chaincodeBin()
		fp, err := sourceFingerprint(u.cfg.ChaincodeDir)
		if err != nil {
			return "", "", fmt.Errorf("chaincode source: %w", err)
		}
		if fp == u.st.SourceFP {
			if sum, err := fileSHA(dst); err == nil {
				return dst, sum, nil
			}
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", "", err
		}
		tmp := dst + ".new"
		goCmd, err := exec.LookPath("go")
		if err != nil {
			return "", "", fmt.Errorf("building the chaincode needs the go command: %w", err)
		}
		env := append(os.Environ(), "CGO_ENABLED=0")
		if _, err := run(ctx, u.cfg.ChaincodeDir, env, goCmd, "build", "-o", tmp, "."); err != nil {
			return "", "", fmt.Errorf("build chaincode in %s: %w", u.cfg.ChaincodeDir, err)
		}
		sum, err := fileSHA(tmp)
		if err != nil {
			return "", "", err
		}
		u.st.SourceFP = fp
		if old, err := fileSHA(dst); err == nil && old == sum {
			_ = os.Remove(tmp) // the same binary is in place; a leftover is built over next time
			return dst, sum, nil
		}
		if err := os.Rename(tmp, dst); err != nil {
			return "", "", err
		}
		u.logf("chaincode: built %s from %s", dst, u.cfg.ChaincodeDir)
		return dst, sum, nil
	}
	// Neither given (an installed medtrace without the source): run the
	// binary an earlier Up built, if there is one.
	if sum, err := fileSHA(u.l.chaincodeBin()); err == nil {
		return u.l.chaincodeBin(), sum, nil
	}
	return "", "", fmt.Errorf("%w: give the chaincode source directory (--chaincode) or a binary (--chaincode-bin)", ErrNoChaincode)
}

// chaincodeCurrent reports, without building anything, whether the running
// chaincode process runs the configured chaincode: the source has not
// changed since the last build, or the prebuilt binary is the same.
func (u *upRun) chaincodeCurrent() bool {
	switch {
	case u.cfg.ChaincodeBin != "":
		sum, err := fileSHA(u.cfg.ChaincodeBin)
		return err == nil && sum == u.st.ChaincodeSHA
	case u.cfg.ChaincodeDir != "":
		fp, err := sourceFingerprint(u.cfg.ChaincodeDir)
		if err != nil || fp != u.st.SourceFP {
			return false
		}
		sum, err := fileSHA(u.l.chaincodeBin())
		return err == nil && sum == u.st.ChaincodeSHA
	}
	return true // nothing configured: keep what runs
}

// sourceFingerprint summarises a module's source tree, and the trees of the
// local modules its go.mod replaces it with (the trace core: "=> ../trace"),
// by the names, sizes and modification times of their files (hidden
// directories, tests and test binaries skipped), so Up can tell that nothing
// changed without running the Go toolchain.
func sourceFingerprint(dir string) (string, error) {
	h := sha256.New()
	dirs := []string{dir}
	if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
		for _, line := range strings.Split(string(mod), "\n") {
			_, target, ok := strings.Cut(line, "=>")
			if !ok || !strings.HasPrefix(strings.TrimSpace(line), "replace ") && !strings.HasPrefix(line, "\t") {
				continue
			}
			if t := strings.TrimSpace(target); strings.HasPrefix(t, "./") || strings.HasPrefix(t, "../") {
				dirs = append(dirs, filepath.Join(dir, t))
			}
		}
	}
	for _, d := range dirs {
		fmt.Fprintf(h, "module %s\n", d)
		if err := fingerprintTree(h, d); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fingerprintTree writes the name, size and modification time of every
// file of dir that can change a build to h.
func fingerprintTree(h io.Writer, dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		// Tests and test binaries do not change the chaincode binary.
		if !d.Type().IsRegular() || strings.HasSuffix(d.Name(), "_test.go") || strings.HasSuffix(d.Name(), ".test") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", rel, fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
}

func fileSHA(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
