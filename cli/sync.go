package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/station"
)

const syncUsage = `Usage: medtrace sync [--once] [--data DIR] [--ledger PROFILE] [--role ROLE]

Sends the queued events to the ledger and keeps the local copy of the ledger
fresh. Without --once it runs until interrupted, retrying with backoff while
the ledger is unreachable; with --once it sends what is queued and stops.
Only the chaincode's verdict on an event rejects it; when the ledger cannot
take a request at all (a peer, orderer or chaincode down, access refused)
the events stay pending, with the reason shown by 'medtrace queue list'.
Rejected events go back to the queue with 'medtrace queue requeue'.

Exit status: 0 everything sent, 3 the ledger or the database failed.
`

// statusPrinter prints the sync's progress when it changes.
type statusPrinter struct {
	sio  IO
	last string
}

// report prints a status line unless it repeats the last one.
func (p *statusPrinter) report(s station.SyncReport) {
	line := fmt.Sprintf("%d pending", s.Pending)
	if !s.LastSuccess.IsZero() {
		line += ", last sent " + s.LastSuccess.Local().Format("15:04:05")
	}
	if s.Rejected > 0 {
		line += fmt.Sprintf(", %d rejected (need attention: 'medtrace queue list --state rejected', then 'medtrace queue requeue')", s.Rejected)
	}
	if s.Err != nil {
		line += fmt.Sprintf(", problem: %v (events kept; retry at %s)", s.Err, s.RetryAt.Local().Format("15:04:05"))
	}
	if line != p.last {
		fmt.Fprintln(p.sio.Stderr, "sync: "+line)
		p.last = line
	}
}

// runSync implements "medtrace sync".
func runSync(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, true)
	once := fs.Bool("once", false, "send what is queued, then stop")
	fs.Usage = func() { fmt.Fprint(sio.Stderr, syncUsage); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, true); !ok {
		return exit
	}
	ws, done, connErr, err := df.openStation(ctx, sio, true, station.Options{})
	if err != nil {
		return printStoreErr(sio, "sync", err)
	}
	defer done()
	if connErr != nil {
		n, _ := ws.Store().Unsent(ctx)
		fmt.Fprintf(sio.Stderr, "medtrace sync: %v (%d events waiting)\n", connErr, n)
		return exitFailure
	}
	p := &statusPrinter{sio: sio}
	if *once {
		start := time.Now()
		st, err := ws.Drain(ctx, p.report)
		fmt.Fprintf(sio.Stdout, "sent %d events in %s; %d still waiting; %d rejected\n", st.Recorded, time.Since(start).Round(time.Millisecond), st.Pending, st.Rejected)
		if err != nil {
			return printStoreErr(sio, "sync", err)
		}
		return ExitOK
	}
	if err := ws.Sync(ctx, p.report); err != nil && !errors.Is(err, context.Canceled) {
		return printStoreErr(sio, "sync", err)
	}
	return ExitOK
}
