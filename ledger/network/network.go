// Package network runs MedTrace's local Hyperledger Fabric network as native
// processes (no Docker): one Raft orderer, one peer, and the medtrace
// chaincode as a service behind an external builder, with TLS on every link.
// Every port and every writable path lives under one state directory, which
// also receives connection.json for the ledger client.
//
// Up is idempotent: it creates what is missing, restarts what is not running
// and returns quickly when everything already runs. Down stops exactly the
// processes named by the pid files and leaves none behind.
package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Channel and Chaincode name the ledger's channel and chaincode.
const (
	Channel   = "medtrace"
	Chaincode = "medtrace"
)

// DefaultPortBase is the first port of the block of ports a network uses when
// no other base is configured (see Ports).
const DefaultPortBase = 27050

// portSpan is how many ports above the base a network may use.
const portSpan = 30

// batchTimeout is how long the orderer waits to fill a block. Short, so a
// single submission commits quickly on this one-machine network: with one
// batch of 100 events in flight, 50 ms instead of 200 ms about doubled the
// events recorded per second, and with 20 in flight it did not cost any
// (docs/ledger.md). It is part of the channel's genesis block, so a
// network keeps the value it was created with.
const batchTimeout = 50 * time.Millisecond

// Errors callers tell apart.
var (
	// ErrFabricMissing means the Fabric binaries (peer, orderer, ...) were not
	// found; `make fabric` builds them.
	ErrFabricMissing = errors.New("fabric binaries missing")
	// ErrNotCreated means the state directory holds no network yet.
	ErrNotCreated = errors.New("no ledger network in this state directory")
	// ErrBadStateDir means the state directory path cannot be used.
	ErrBadStateDir = errors.New("unusable state directory")
	// ErrNoChaincode means Up has no chaincode to run: no source directory,
	// no prebuilt binary and no earlier build.
	ErrNoChaincode = errors.New("no chaincode to run")
	// ErrBadTopology means Config.Topology names no known topology.
	ErrBadTopology = errors.New("unknown network topology")
	// ErrUnsupported means the platform cannot run the local network.
	ErrUnsupported = errors.New("local ledger network not supported on this platform")
)

// PortInUseError reports a port another program already listens on.
type PortInUseError struct {
	Name string // which listener, e.g. "peer"
	Port int
	Err  error
}

// Error says which port is taken.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d (%s) is in use: %v (choose another port base)", e.Port, e.Name, e.Err)
}

// Unwrap returns the listen error.
func (e *PortInUseError) Unwrap() error { return e.Err }

// StartError reports a component that did not start, with the end of its log.
type StartError struct {
	Component string
	Log       string // path of the component's log file
	Tail      string // its last lines
	Err       error
}

// Error names the component, the cause and the end of its log.
func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s did not start: %v", e.Component, e.Err)
	if e.Tail != "" {
		fmt.Fprintf(&b, "\n--- last lines of %s ---\n%s", e.Log, strings.TrimRight(e.Tail, "\n"))
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *StartError) Unwrap() error { return e.Err }

// Ports are every TCP port a network listens on, all on 127.0.0.1.
type Ports struct {
	Orderer           int `json:"orderer"`           // orderer: broadcast and deliver
	OrdererAdmin      int `json:"ordererAdmin"`      // orderer: channel participation API
	OrdererCluster    int `json:"ordererCluster"`    // orderer: Raft cluster traffic
	OrdererOperations int `json:"ordererOperations"` // orderer: health and metrics
	Peer              int `json:"peer"`              // peer: endorsement, gateway, deliver
	PeerChaincode     int `json:"peerChaincode"`     // peer: chaincode listen address
	PeerOperations    int `json:"peerOperations"`    // peer: health and metrics
	Chaincode         int `json:"chaincode"`         // the chaincode server the peer dials
}

// PortsFrom lays out the ports of a network from a base port.
func PortsFrom(base int) Ports {
	return Ports{
		Orderer:           base,
		OrdererAdmin:      base + 1,
		OrdererCluster:    base + 2,
		OrdererOperations: base + 3,
		Peer:              base + 10,
		PeerChaincode:     base + 11,
		PeerOperations:    base + 12,
		Chaincode:         base + 20,
	}
}

// list names every port, in a stable order.
func (p Ports) list() []namedPort {
	return []namedPort{
		{"orderer", p.Orderer}, {"orderer admin", p.OrdererAdmin},
		{"orderer cluster", p.OrdererCluster}, {"orderer operations", p.OrdererOperations},
		{"peer", p.Peer}, {"peer chaincode", p.PeerChaincode},
		{"peer operations", p.PeerOperations}, {"chaincode", p.Chaincode},
	}
}

type namedPort struct {
	name string
	port int
}

// Config says where a network lives and what it runs.
type Config struct {
	// StateDir holds everything the network writes. Required.
	StateDir string
	// PortBase is the first port (see PortsFrom) of a new network; zero
	// means DefaultPortBase. An existing network keeps the ports it was
	// created with (they are in its channel configuration).
	PortBase int
	// FabricBin is the directory with peer, orderer, configtxgen, cryptogen
	// and osnadmin. Empty means look them up on PATH.
	FabricBin string
	// ChaincodeDir is the chaincode module's source, built with `go build`
	// on every Up (Go's cache makes that quick when nothing changed).
	ChaincodeDir string
	// ChaincodeBin is a prebuilt chaincode binary; it wins over ChaincodeDir.
	ChaincodeBin string
	// Topology is TopologySingle (also when empty) or TopologyConsortium,
	// for a new network; an existing network keeps its own.
	Topology string
	// Log receives one line per step; nil discards them.
	Log io.Writer
}

// normalize checks the configuration and makes its paths absolute.
func (c Config) normalize() (Config, error) {
	if c.StateDir == "" {
		return c, fmt.Errorf("%w: no state directory given", ErrBadStateDir)
	}
	abs, err := filepath.Abs(c.StateDir)
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrBadStateDir, err)
	}
	// The path is written into YAML files and shell scripts.
	if strings.ContainsAny(abs, "'\"\\\n\r\t`$") {
		return c, fmt.Errorf("%w: %q contains quotes, backslashes, '$' or control characters", ErrBadStateDir, abs)
	}
	c.StateDir = abs
	for _, p := range []*string{&c.FabricBin, &c.ChaincodeDir, &c.ChaincodeBin} {
		if *p == "" {
			continue
		}
		if *p, err = filepath.Abs(*p); err != nil {
			return c, err
		}
	}
	if c.PortBase != 0 && (c.PortBase < 1024 || c.PortBase+portSpan > 65535) {
		return c, fmt.Errorf("port base %d out of range (1024..%d)", c.PortBase, 65535-portSpan)
	}
	switch c.Topology {
	case "", TopologySingle, TopologyConsortium:
	default:
		return c, fmt.Errorf("%w: %q (want %s or %s)", ErrBadTopology, c.Topology, TopologySingle, TopologyConsortium)
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return c, nil
}

// Network is a running local network.
type Network struct {
	// StateDir is the network's state directory (empty for a network reused
	// from a connection profile only).
	StateDir string
	// ProfilePath is the connection profile (connection.json) for the
	// ledger client.
	ProfilePath string
	// Profile is the connection profile's content.
	Profile Profile
	// Ports are the network's ports (zero for a reused profile).
	Ports Ports
	// Topology is TopologySingle or TopologyConsortium ("" for a reused
	// profile).
	Topology string
	// Members are, on the consortium, each member's peer (gateway) port
	// by role.
	Members map[string]int
}

// Up starts the network in cfg.StateDir, creating it on first use, and
// returns when the chaincode is committed and its server runs.
func Up(ctx context.Context, cfg Config) (*Network, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadStateDir, err)
	}
	var n *Network
	err = withLock(ctx, cfg.StateDir, func() error {
		var err error
		n, err = up(ctx, cfg)
		return err
	})
	return n, err
}

// Down stops the network in stateDir: it sends SIGTERM to each process named
// by a pid file, then SIGKILL to any still running after a grace period. A
// directory without a network is not an error.
func Down(ctx context.Context, stateDir string, log io.Writer) error {
	cfg, err := Config{StateDir: stateDir, Log: log}.normalize()
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.StateDir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return withLock(ctx, cfg.StateDir, func() error { return down(ctx, cfg) })
}

// Remove stops the network and deletes its state directory (its ledgers,
// keys and logs). It refuses a directory that does not hold a network.
func Remove(ctx context.Context, stateDir string, log io.Writer) error {
	cfg, err := Config{StateDir: stateDir, Log: log}.normalize()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(cfg.StateDir, stateFile)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if _, err := os.Stat(cfg.StateDir); errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("%w: %s (not removing it)", ErrNotCreated, cfg.StateDir)
		}
		return err
	}
	if err := withLock(ctx, cfg.StateDir, func() error { return down(ctx, cfg) }); err != nil {
		return err
	}
	if err := os.RemoveAll(cfg.StateDir); err != nil {
		return fmt.Errorf("remove %s: %w", cfg.StateDir, err)
	}
	fmt.Fprintf(cfg.Log, "removed %s\n", cfg.StateDir)
	return nil
}
