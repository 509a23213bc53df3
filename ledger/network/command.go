package network

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

// Exit codes of Command (the same as medtrace's other commands).
const (
	exitOK         = 0
	exitNotRunning = 1 // status: the network does not run (fully)
	exitUsage      = 2
	exitFailed     = 3 // the command failed; its message says why
	defaultWait    = 5 * time.Minute
)

// Flags are the options shared by the ledger commands, registered on a flag
// set by AddFlags.
type Flags struct {
	State        string        // --state
	PortBase     int           // --port-base
	FabricBin    string        // --fabric-bin
	ChaincodeDir string        // --chaincode
	ChaincodeBin string        // --chaincode-bin
	Timeout      time.Duration // --timeout
	Topology     string        // --topology
}

// AddFlags registers the shared options on fs, with defaults from the
// environment (see the Env* constants).
func AddFlags(fs *flag.FlagSet, getenv func(string) string) *Flags {
	f := &Flags{}
	base := 0
	if v := getenv(EnvPortBase); v != "" {
		base, _ = strconv.Atoi(v) // checked in Config
	}
	fs.StringVar(&f.State, "state", getenv(EnvState), "state directory of the local network (default: the user's data dir …/medtrace/ledger; env "+EnvState+")")
	fs.IntVar(&f.PortBase, "port-base", base, fmt.Sprintf("first port of a new network (default %d; env %s)", DefaultPortBase, EnvPortBase))
	fs.StringVar(&f.FabricBin, "fabric-bin", getenv(EnvFabricBin), "directory of peer, orderer, configtxgen, cryptogen, osnadmin (default: bin/fabric, else PATH; env "+EnvFabricBin+")")
	fs.StringVar(&f.ChaincodeDir, "chaincode", getenv(EnvChaincode), "chaincode module source to build (default: chaincode/ of the checkout; env "+EnvChaincode+")")
	fs.StringVar(&f.ChaincodeBin, "chaincode-bin", "", "prebuilt chaincode binary (instead of building --chaincode)")
	fs.DurationVar(&f.Timeout, "timeout", defaultWait, "give up after this long")
	fs.StringVar(&f.Topology, "topology", getenv(EnvTopology), "topology of a new network: "+TopologySingle+
		" (one orderer, one peer; the default) or "+TopologyConsortium+
		" (a peer per member organisation, three Raft orderers, majority endorsement, mutual TLS); env "+EnvTopology)
	return f
}

// Config turns the flags into a Config, filling in the defaults.
func (f *Flags) Config(getenv func(string) string, log io.Writer) (Config, error) {
	if v := getenv(EnvPortBase); v != "" && f.PortBase == 0 {
		return Config{}, fmt.Errorf("%s=%q is not a port number", EnvPortBase, v)
	}
	state := f.State
	if state == "" {
		var err error
		if state, err = DefaultStateDir(getenv); err != nil {
			return Config{}, err
		}
	}
	cfg := Config{StateDir: state, PortBase: f.PortBase, FabricBin: f.FabricBin,
		ChaincodeDir: f.ChaincodeDir, ChaincodeBin: f.ChaincodeBin, Topology: f.Topology, Log: log}
	if cfg.FabricBin == "" {
		cfg.FabricBin = defaultFabricBin()
	}
	if cfg.ChaincodeDir == "" && cfg.ChaincodeBin == "" {
		cfg.ChaincodeDir = defaultChaincodeDir()
	}
	return cfg.normalize()
}

// Command runs `up`, `down` or `status` (args[0]) with the shared flags and
// returns the exit code: 0 done, 1 status found the network not running,
// 2 usage error, 3 failed.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: ledger up|down|status|join-member [flags]")
		return exitUsage
	}
	name := args[0]
	fs := flag.NewFlagSet("ledger "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := AddFlags(fs, getenv)
	purge, ifUnused := false, false
	asJSON := false
	switch name {
	case "up":
		fs.Usage = usage(fs, "ledger up [flags]", "Start the local ledger network (create it on first use) and write connection.json.")
	case "down":
		fs.BoolVar(&purge, "purge", false, "also delete the state directory (ledgers, keys, logs)")
		fs.BoolVar(&ifUnused, "if-unused", false, "leave it running while tests hold a lease on it (the last one stops it)")
		fs.Usage = usage(fs, "ledger down [flags]", "Stop every process of the local ledger network.")
	case "status":
		fs.BoolVar(&asJSON, "json", false, "print the status as JSON")
		fs.Usage = usage(fs, "ledger status [flags]", "Show what runs and the block height; exit 1 when not running.")
	case "join-member":
		fs.Usage = usage(fs, "ledger join-member [flags]", "Admit a new member ("+Joiner().MSPID+") to a consortium network and join its peer from a ledger snapshot.")
	default:
		fmt.Fprintf(stderr, "ledger: unknown command %q (want up, down, status, join-member or seed)\n", name)
		return exitUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ledger %s: unexpected argument %q\n", name, fs.Arg(0))
		return exitUsage
	}
	cfg, err := f.Config(getenv, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "ledger %s: %v\n", name, err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()

	switch name {
	case "up":
		n, err := Up(ctx, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "ledger up: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "connection profile: %s\n", n.ProfilePath)
	case "down":
		switch {
		case purge && ifUnused:
			fmt.Fprintln(stderr, "ledger down: --purge and --if-unused exclude each other")
			return exitUsage
		case purge:
			err = Remove(ctx, cfg.StateDir, stdout)
		case ifUnused:
			_, err = DownIfUnused(ctx, cfg.StateDir, stdout)
		default:
			err = Down(ctx, cfg.StateDir, stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ledger down: %v\n", err)
			return exitFailed
		}
	case "join-member":
		res, err := JoinMember(ctx, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "ledger join-member: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stdout, "%s: peer %s (%s)\n", Joiner().MSPID, res.Peer.Endpoint, res.Component)
		if res.SnapshotBytes > 0 {
			fmt.Fprintf(stdout, "snapshot: block %d, %d bytes, %s; joined in %s, ran the chaincode %s later\n",
				res.SnapshotBlock, res.SnapshotBytes, res.SnapshotTime.Round(time.Millisecond),
				res.JoinTime.Round(time.Millisecond), res.ReadyTime.Round(time.Millisecond))
		}
	case "status":
		s, err := StatusOf(ctx, cfg)
		if err != nil && !errors.Is(err, ErrNotCreated) {
			fmt.Fprintf(stderr, "ledger status: %v\n", err)
			return exitFailed
		}
		if asJSON {
			b, _ := json.MarshalIndent(s, "", "  ")
			fmt.Fprintln(stdout, string(b))
		} else {
			if err := printStatus(stdout, s); err != nil {
				fmt.Fprintf(stderr, "ledger status: %v\n", err)
				return exitFailed
			}
		}
		if !s.Running() {
			return exitNotRunning
		}
	}
	return exitOK
}

func usage(fs *flag.FlagSet, line, what string) func() {
	return func() {
		fmt.Fprintf(fs.Output(), "usage: medtrace %s\n%s\n\nFlags:\n", line, what)
		fs.PrintDefaults()
	}
}

// printStatus writes s for a person to read; it fails when the table
// cannot be written.
func printStatus(w io.Writer, s Status) error {
	fmt.Fprintf(w, "state:  %s\n", s.StateDir)
	if !s.Created {
		fmt.Fprintln(w, "no network here yet (run `medtrace ledger up`)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range s.Components {
		state := "stopped"
		switch {
		case c.Running:
			state = fmt.Sprintf("running (pid %d)", c.PID)
		case c.Stale:
			state = fmt.Sprintf("not running (stale pid %d)", c.PID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, state, c.Log)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write the status: %w", err)
	}
	if s.Topology == TopologyConsortium {
		fmt.Fprintf(w, "consortium: peers")
		for _, o := range Orgs() {
			fmt.Fprintf(w, " %s 127.0.0.1:%d", o.Role, s.Members[o.Role])
		}
		fmt.Fprintf(w, "; orderers from 127.0.0.1:%d; chaincode server 127.0.0.1:%d\n", s.Ports.Orderer, s.Ports.Chaincode)
	} else {
		fmt.Fprintf(w, "peer:   127.0.0.1:%d   orderer: 127.0.0.1:%d   chaincode server: 127.0.0.1:%d\n",
			s.Ports.Peer, s.Ports.Orderer, s.Ports.Chaincode)
	}
	switch {
	case s.Height > 0:
		fmt.Fprintf(w, "channel %s: %d blocks\n", Channel, s.Height)
	case s.HeightErr != "":
		fmt.Fprintf(w, "channel %s: height unknown: %s\n", Channel, s.HeightErr)
	}
	if s.PackageID != "" {
		fmt.Fprintf(w, "chaincode %s: sequence %d, package %s\n", Chaincode, s.Sequence, s.PackageID)
	}
	if s.Profile != "" {
		fmt.Fprintf(w, "profile: %s\n", s.Profile)
	}
	return nil
}
