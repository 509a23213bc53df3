// Command growth measures how the ledger's speed changes as it grows: it
// commissions packs on a running local network (`make growth` starts one of
// its own) in batches, several transactions in flight, and prints a row per
// window of packs: packs so far, events/s over the window, the peer's state
// database and block store on disk, the orderer's, the peer's resident
// memory and each process's CPU per event. At the end it asks the peer for a
// snapshot and prints its size. docs/capacity.md holds what it measured.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run parses args and grows the ledger; it returns the exit code: 0 done,
// 2 usage, 3 the network failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("growth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.state, "state", getenv("MEDTRACE_LEDGER_STATE"), "the network's state folder (its connection.json, pids and data); default $MEDTRACE_LEDGER_STATE")
	fs.StringVar(&c.fabricBin, "fabric-bin", getenv("MEDTRACE_FABRIC_BIN"), "Fabric's binaries (the peer CLI asks for the snapshot); default $MEDTRACE_FABRIC_BIN")
	fs.IntVar(&c.packs, "packs", 10_000_000, "stop after this many packs")
	fs.DurationVar(&c.duration, "duration", 50*time.Minute, "stop after this long, whatever the count")
	fs.IntVar(&c.batch, "batch", 100, "events per transaction")
	fs.IntVar(&c.inFlight, "inflight", 20, "transactions in flight")
	fs.IntVar(&c.window, "window", 250_000, "packs per printed row")
	fs.BoolVar(&c.snapshot, "snapshot", true, "ask the peer for a snapshot at the end and print its size")
	fs.StringVar(&c.out, "out", "", "also write the rows to this TSV file")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if err := c.check(); err != nil || fs.NArg() > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		_, _ = fmt.Fprintf(stderr, "growth: %v\n", err) // stderr: nowhere else to report
		return 2
	}
	if err := grow(ctx, c, stdout); err != nil {
		_, _ = fmt.Fprintf(stderr, "growth: %v\n", err) // stderr: nowhere else to report
		return 3
	}
	return 0
}
