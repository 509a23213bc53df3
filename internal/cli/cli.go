// Package cli implements medtrace's headless subcommands.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
)

// Version is MedTrace's release version; FyneApp.toml carries the same number.
const Version = "0.1.0"

// Exit codes shared by every subcommand.
const (
	ExitOK      = 0 // success (for parse: the code is valid)
	ExitInvalid = 1 // the command ran but the answer is negative (e.g. an invalid code)
	ExitUsage   = 2 // bad arguments
)

// IO is what a subcommand reads from and writes to.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// Stdio returns the process's standard streams and environment.
func Stdio() IO {
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io IO, args []string) int
}

// commands lists every subcommand. Each lives in its own file.
func commands() []command {
	return []command{
		{"help", "show this help", runHelp},
		{"parse", "read a pack code and say what it is", runParse},
		{"version", "print the version", runVersion},
		{"queue", "add an event for the ledger, list queued events", runQueue},
		{"sync", "send queued events to the ledger", runSync},
		{"verify", "may this pack be handed out? (online, else the local copy)", runVerify},
		{"snapshot", "download the ledger's state for offline checks", runSnapshot},
		{"backup", "copy the database safely while MedTrace runs", runBackup},
		{"export", "write the local events as an EPCIS 2.0 document", runExport},
		{"decode", "find and decode Data Matrix codes in image files", runDecode},
		{"scan", "read codes from a serial scanner, a camera or replayed images", runScan},
		{"labels", "print a sheet of GS1 DataMatrix labels (PDF or PNG)", runLabels},
		{"ledger", "run the local ledger network: up, down, status, seed", runLedger},
	}
}

// Run runs the subcommand named by args[0] and returns the process exit code.
func Run(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 {
		runHelp(ctx, io, nil)
		return ExitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" {
		name = "help"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, io, args[1:])
		}
	}
	fmt.Fprintf(io.Stderr, "medtrace: unknown command %q (see 'medtrace help')\n", args[0])
	return ExitUsage
}

func runHelp(_ context.Context, io IO, _ []string) int {
	fmt.Fprintln(io.Stdout, "MedTrace: read, check and trace the codes on medicine packs.")
	fmt.Fprintln(io.Stdout)
	fmt.Fprintln(io.Stdout, "Usage:")
	fmt.Fprintln(io.Stdout, "  medtrace              open the desktop app")
	fmt.Fprintln(io.Stdout, "  medtrace COMMAND ...  run a command headless")
	fmt.Fprintln(io.Stdout)
	fmt.Fprintln(io.Stdout, "Commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(io.Stdout, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(io.Stdout)
	fmt.Fprintln(io.Stdout, "Run 'medtrace COMMAND -h' for a command's options.")
	return ExitOK
}

func runVersion(_ context.Context, io IO, _ []string) int {
	fmt.Fprintf(io.Stdout, "medtrace %s\n", Version)
	return ExitOK
}
