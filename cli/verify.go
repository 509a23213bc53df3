package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

const verifyUsage = `Usage: medtrace verify [--offline] [--json] [--timeout D] CODE

Says whether the pack may be handed out: asks the ledger (waiting at most
--timeout) and, when it cannot answer, the local copy of the ledger. An
answer from the local copy says as of which time and block it is true.
For a case or pallet's SSCC it lists what it holds, each pack with its
status (--json: the whole tree): from the ledger, else (or with --offline)
from the local copy, as of its block.

Exit status: 0 the pack is fine (an SSCC: known, every pack in it active),
1 it must not be handed out (or the code is invalid), 2 usage error, 3 no
answer (no ledger and no local copy, or a unit too large to check from it).
`

// verifyJSON is "verify --json"'s output. For a China drug code, the
// verification names the pack as the ledger does (gtin "CN" and the product
// identifier, serial the other 13 digits); drugCode is the 20-digit code
// and drugCodeNote says that the ledger is the authority on it.
type verifyJSON struct {
	trace.Verification
	DrugCode     string `json:"drugCode,omitempty"`
	DrugCodeNote string `json:"drugCodeNote,omitempty"`
	OnlineError  string `json:"onlineError,omitempty"`
}

// runVerify implements "medtrace verify".
func runVerify(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, true)
	offline := fs.Bool("offline", false, "answer from the local copy only")
	jsonOut := fs.Bool("json", false, "print the answer as JSON")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the ledger")
	fs.Usage = func() { fmt.Fprint(sio.Stderr, verifyUsage); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, false); !ok {
		return exit
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(sio.Stderr, "medtrace verify: want exactly one CODE, got %d arguments\n", fs.NArg())
		return ExitUsage
	}
	raw, res, err := parseCode(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace verify: %v\n", err)
		return ExitUsage
	}
	if res.Valid && res.SSCC != "" && res.GTIN == "" {
		return verifyUnit(ctx, sio, &df, res.SSCC, *offline, *jsonOut, *timeout)
	}
	gtin, serial, cn := packOfCode(res)
	if !res.Valid || gtin == "" || serial == "" {
		fmt.Fprintln(sio.Stderr, "medtrace verify: the code does not identify a pack (it needs a GTIN and a serial number, or a China drug code):")
		for _, p := range res.Problems {
			fmt.Fprintf(sio.Stderr, "  %s\n", p.Error())
		}
		return ExitInvalid
	}
	ws, done, connErr, err := df.openStation(ctx, sio, !*offline, station.Options{VerifyTimeout: *timeout, DialTimeout: *timeout})
	if err != nil {
		return printStoreErr(sio, "verify", err)
	}
	defer done()
	a, err := ws.Ask(ctx, station.Parse(raw, 0), *offline)
	ans, online := a.Verification, a.Online
	if connErr != nil {
		online = connErr
	}
	if err != nil {
		if online != nil {
			fmt.Fprintf(sio.Stderr, "medtrace verify: the ledger did not answer: %v\n", online)
		}
		return printStoreErr(sio, "verify", err)
	}
	ok := ans.MayHandOut()
	if *jsonOut {
		out := verifyJSON{Verification: ans}
		if cn != "" {
			out.DrugCode, out.DrugCodeNote = cn, cnAuthority(ans.Status != trace.PackUnknown)
		}
		if online != nil {
			out.OnlineError = online.Error()
		}
		enc := json.NewEncoder(sio.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return printStoreErr(sio, "verify", err)
		}
	} else {
		verdict := "OK to hand out"
		if !ok {
			verdict = "DO NOT HAND OUT"
		}
		fmt.Fprintf(sio.Stdout, "%s: %s is %s\n", verdict, trace.PackName(ans.GTIN, ans.Serial), ans.Status)
		for _, a := range ans.Alerts {
			fmt.Fprintf(sio.Stdout, "  %s: %s\n", a.Code, a.Message)
		}
		if cn != "" {
			fmt.Fprintf(sio.Stdout, "  %s\n", cnAuthority(ans.Status != trace.PackUnknown))
		}
		if ans.Batch != "" || ans.Expiry != "" {
			fmt.Fprintf(sio.Stdout, "  declared batch %s, expiry %s\n", ans.Batch, ans.Expiry)
		}
		if ans.LastKind != "" {
			fmt.Fprintf(sio.Stdout, "  last event: %s at %s on %s\n", ans.LastKind, ans.LastPlace, ans.LastTime.Local().Format("2006-01-02 15:04"))
		}
		if ans.Offline {
			fmt.Fprintf(sio.Stdout, "  answered from the local copy %s\n", asOf(ans.AsOf, ans.Block))
			if online != nil {
				fmt.Fprintf(sio.Stdout, "  (the ledger did not answer: %v)\n", online)
			}
		} else if ans.Block > 0 {
			fmt.Fprintf(sio.Stdout, "  answered by the ledger %s\n", asOf(ans.AsOf, ans.Block))
		} else {
			fmt.Fprintf(sio.Stdout, "  answered by the ledger at %s\n", ans.AsOf.Local().Format("2006-01-02 15:04:05 MST"))
		}
	}
	if !ok {
		return ExitInvalid
	}
	return ExitOK
}
