package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/station"
)

const snapshotUsage = `Usage: medtrace snapshot [--data DIR] [--ledger PROFILE] [--role ROLE]

Downloads the ledger's current state into the local copy, so that packs can
be verified offline (medtrace verify --offline). Run it before going where
there is no network. An interrupted download keeps the previous copy's stamp.

Exit status: 0 done, 3 the ledger or the database failed.
`

// runSnapshot implements "medtrace snapshot".
func runSnapshot(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("snapshot", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, true)
	fs.Usage = func() { fmt.Fprint(sio.Stderr, snapshotUsage); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, true); !ok {
		return exit
	}
	ws, done, connErr, err := df.openStation(ctx, sio, true, station.Options{})
	if err != nil {
		return printStoreErr(sio, "snapshot", err)
	}
	defer done()
	if connErr != nil {
		return printStoreErr(sio, "snapshot", connErr)
	}
	start := time.Now()
	last := time.Time{}
	info, err := ws.Download(ctx, func(done, total int64) {
		if time.Since(last) < 200*time.Millisecond && done != total {
			return
		}
		last = time.Now()
		if total > 0 {
			fmt.Fprintf(sio.Stderr, "snapshot: %d of %d packs\n", done, total)
		} else {
			fmt.Fprintf(sio.Stderr, "snapshot: %d packs so far\n", done)
		}
	})
	if err != nil {
		return printStoreErr(sio, "snapshot", err)
	}
	packs, recalls, err := ws.Store().CopySize(ctx)
	if err != nil {
		return printStoreErr(sio, "snapshot", err)
	}
	fmt.Fprintf(sio.Stdout, "local copy: %d packs, %d recalled batches, %s; took %s\n", packs, recalls,
		asOf(info.AsOf, info.Block), time.Since(start).Round(time.Millisecond))
	return ExitOK
}
