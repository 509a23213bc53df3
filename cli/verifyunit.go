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
	// Offline says the local copy answered, as of AsOf and Block.
	Offline     bool      `json:"offline"`
	AsOf        time.Time `json:"asOf"`
	Block       uint64    `json:"block,omitempty"`
	OnlineError string    `json:"onlineError,omitempty"` // why the ledger did not answer
}

// verifyUnit answers "verify SSCC": the unit, its cases and packs and each
// pack's status, from the ledger, else (or with offline) from the local
// copy as of its block. Exit 0 when the unit is known and every pack in it
// is active, 1 otherwise, 3 when neither can answer.
func verifyUnit(ctx context.Context, sio IO, df *dataFlags, sscc string, offline, jsonOut bool, timeout time.Duration) int {
	ws, done, connErr, err := df.openStation(ctx, sio, !offline, station.Options{VerifyTimeout: timeout, DialTimeout: timeout})
	if err != nil {
		return printStoreErr(sio, "verify", err)
	}
	defer done()
	uc, err := ws.UnitContents(ctx, sscc, offline)
	online := uc.Online
	if connErr != nil {
		online = connErr
	}
	if err != nil {
		if online != nil {
			fmt.Fprintf(sio.Stderr, "medtrace verify: the ledger did not answer: %v\n", online)
		}
		return printStoreErr(sio, "verify", err)
	}
	c := uc.Contents
	t := c.Tally()
	out := unitJSON{Contents: c, Packs: t.Packs, Active: t.Active, OK: c.Sound(), Offline: uc.Offline, AsOf: uc.AsOf, Block: uc.Block}
	if online != nil {
		out.OnlineError = online.Error()
	}
	if jsonOut {
		enc := json.NewEncoder(sio.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return printStoreErr(sio, "verify", err)
		}
	} else {
		switch {
		case c.Status == trace.PackUnknown && uc.Offline:
			fmt.Fprintf(sio.Stdout, "UNKNOWN: SSCC %s is not in the local copy; check it on the ledger\n", sscc)
		case c.Status == trace.PackUnknown:
			fmt.Fprintf(sio.Stdout, "UNKNOWN: SSCC %s was never packed on the ledger\n", sscc)
		default:
			fmt.Fprintf(sio.Stdout, "SSCC %s is %s with %d packs (%d active)\n", sscc, c.Status, out.Packs, out.Active)
			printUnit(sio, c, "  ")
		}
		if uc.Offline {
			fmt.Fprintf(sio.Stdout, "  answered from the local copy %s\n", asOf(uc.AsOf, uc.Block))
			if online != nil {
				fmt.Fprintf(sio.Stdout, "  (the ledger did not answer: %v)\n", online)
			}
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
