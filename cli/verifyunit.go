package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

// unitJSON is "verify --json SSCC"'s answer.
type unitJSON struct {
	trace.Contents
	Packs  int  `json:"packCount"`   // every pack inside, at any depth
	Active int  `json:"activeCount"` // of which active
	OK     bool `json:"ok"`          // known and active here, not empty, and every pack inside active (trace.Contents.Sound)
}

// verifyUnit answers "verify SSCC" from the ledger: the unit, its cases and
// packs and each pack's status. The local copy holds packs, not units, so
// this needs the ledger. Exit 0 when the unit is known and every pack in it
// is active, 1 otherwise, 3 when the ledger cannot answer.
func verifyUnit(ctx context.Context, sio IO, df *dataFlags, sscc string, jsonOut bool, timeout time.Duration) int {
	ws, done, connErr, err := df.openStation(ctx, sio, true, station.Options{DialTimeout: timeout})
	if err != nil {
		return printStoreErr(sio, "verify", err)
	}
	defer done()
	if connErr != nil {
		fmt.Fprintf(sio.Stderr, "medtrace verify: a case or pallet is checked on the ledger (the local copy holds packs only): %v\n", connErr)
		return exitFailure
	}
	vctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := ws.Contents(vctx, sscc)
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace verify: the ledger did not answer: %v\n", err)
		return exitFailure
	}
	t := c.Tally()
	out := unitJSON{Contents: c, Packs: t.Packs, Active: t.Active, OK: c.Sound()}
	if jsonOut {
		enc := json.NewEncoder(sio.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return printStoreErr(sio, "verify", err)
		}
	} else {
		if c.Status == trace.PackUnknown {
			fmt.Fprintf(sio.Stdout, "UNKNOWN: SSCC %s was never packed on the ledger\n", sscc)
		} else {
			fmt.Fprintf(sio.Stdout, "SSCC %s is %s with %d packs (%d active)\n", sscc, c.Status, out.Packs, out.Active)
			printUnit(sio, c, "  ")
		}
	}
	if !out.OK {
		return ExitInvalid
	}
	return ExitOK
}

func printUnit(sio IO, c trace.Contents, indent string) {
	for _, p := range c.Packs {
		fmt.Fprintf(sio.Stdout, "%s%s: %s (batch %s, expiry %s)\n", indent, trace.PackName(p.GTIN, p.Serial), p.Status, p.Batch, p.Expiry)
	}
	for _, u := range c.Units {
		fmt.Fprintf(sio.Stdout, "%scase %s: %s\n", indent, u.SSCC, u.Status)
		printUnit(sio, u, indent+strings.Repeat(" ", 2))
	}
}
