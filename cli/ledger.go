package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
)

const ledgerUsage = `Usage: medtrace ledger up|down|status|join-member|seed [flags]

Runs MedTrace's local Hyperledger Fabric network (one orderer, one peer, the
medtrace chaincode; native processes, TLS everywhere) from one state folder:

  up      start it, creating it on first use; writes STATE/connection.json
  down    stop every process of it (--purge also deletes the state folder)
  status  show what runs and the block height (exit 1 when not running)
  join-member
          admit a new member organisation to a consortium network (up
          --topology consortium) and join its peer from a ledger snapshot
  seed    record the demo data set (20 products, 10,000 packs, a recalled
          and an expired batch, dispensed packs) once

The state folder is --state, else $MEDTRACE_LEDGER_STATE, else the ledger
folder in MedTrace's data folder. Run 'medtrace ledger COMMAND -h' for flags.
`

// seededMarker, beside a connection profile, records a finished seed.
const seededMarker = "seeded.json"

// runLedger implements "medtrace ledger".
func runLedger(ctx context.Context, sio IO, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(sio.Stderr, ledgerUsage)
		return ExitUsage
	}
	getenv := ledgerEnv(sio.Getenv)
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(sio.Stdout, ledgerUsage)
		return ExitOK
	case "seed":
		return runLedgerSeed(ctx, sio, getenv, args[1:])
	case "up", "down", "status", "join-member":
		return network.Command(ctx, args, sio.Stdout, sio.Stderr, getenv)
	}
	fmt.Fprintf(sio.Stderr, "medtrace ledger: unknown command %q (want up, down, status, join-member or seed)\n", args[0])
	return ExitUsage
}

// ledgerEnv makes the local network's state folder default to the ledger
// folder inside MedTrace's data folder, where the other commands look for
// connection.json.
func ledgerEnv(getenv func(string) string) func(string) string {
	return func(k string) string {
		v := getenv(k)
		if k == network.EnvState && v == "" {
			if dir, err := DataDir("", getenv); err == nil {
				return filepath.Join(dir, "ledger")
			}
		}
		return v
	}
}

// seedRecord is what seededMarker holds.
type seedRecord struct {
	At     time.Time         `json:"at"`
	Report ledger.SeedReport `json:"report"`
}

func runLedgerSeed(ctx context.Context, sio IO, getenv func(string) string, args []string) int {
	fs := flag.NewFlagSet("ledger seed", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	state := fs.String("state", getenv(network.EnvState), "state folder of the local network (its connection.json is used)")
	profile := fs.String("profile", "", "a connection.json to seed instead (overrides --state)")
	products := fs.Int("products", 0, "distinct products (default 20)")
	packs := fs.Int("packs", 0, "packs in all (default 10,000)")
	force := fs.Bool("force", false, "seed even if this network was seeded before (events already there count as duplicates)")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprint(sio.Stderr, "Usage: medtrace ledger seed [flags]\n\nConfigures the ledger (roles, company prefixes, locations) as the regulator and\nrecords the demo data set. Safe to repeat: the events have fixed IDs.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if exit, ok := parseFlags(fs, args, sio, false); !ok {
		return exit
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(sio.Stderr, "medtrace ledger seed: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	if *products < 0 || *packs < 0 {
		fmt.Fprintln(sio.Stderr, "medtrace ledger seed: --products and --packs must not be negative")
		return ExitUsage
	}
	path := *profile
	if path == "" {
		if *state == "" {
			fmt.Fprintln(sio.Stderr, "medtrace ledger seed: no state folder (use --state or --profile)")
			return ExitUsage
		}
		path = filepath.Join(*state, "connection.json")
	}
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace ledger seed: %v (is the network up? run 'medtrace ledger up')\n", err)
		return exitFailure
	}
	marker := filepath.Join(filepath.Dir(path), seededMarker)
	if !*force {
		if b, err := os.ReadFile(marker); err == nil {
			var rec seedRecord
			if json.Unmarshal(b, &rec) == nil {
				fmt.Fprintf(sio.Stdout, "already seeded on %s (%d packs); --force seeds again\n",
					rec.At.Format(time.RFC3339), rec.Report.Packs)
				return ExitOK
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	fmt.Fprintf(sio.Stdout, "seeding the demo data set through %s (a while for 10,000 packs)\n", path)
	rep, err := ledger.SeedProfile(ctx, path, ledger.SeedOptions{Products: *products, Packs: *packs, Log: sio.Stdout})
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace ledger seed: %v\n", err)
		return exitFailure
	}
	printSeedReport(sio, rep)
	b, err := json.MarshalIndent(seedRecord{At: time.Now().UTC(), Report: rep}, "", "  ")
	if err == nil {
		err = os.WriteFile(marker, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace ledger seed: seeded, but could not record it: %v\n", err)
		return exitFailure
	}
	return ExitOK
}

func printSeedReport(sio IO, rep ledger.SeedReport) {
	fmt.Fprintf(sio.Stdout, "seeded %d products, %d packs in %s: %d events recorded, %d already there\n",
		rep.Products, rep.Packs, rep.Took.Round(time.Millisecond), rep.Accepted, rep.Duplicates)
	fmt.Fprintf(sio.Stdout, "  recalled batch: GTIN %s batch %s\n", rep.Recalled.GTIN, rep.Recalled.Batch)
	fmt.Fprintf(sio.Stdout, "  expired batch:  GTIN %s batch %s (expiry %s)\n", rep.Expired.GTIN, rep.Expired.Batch, rep.Expired.Expiry)
	fmt.Fprintf(sio.Stdout, "  dispensed packs: %d; stolen pack: GTIN %s serial %s\n", len(rep.Dispensed), rep.Stolen.GTIN, rep.Stolen.Serial)
}
