// Package cli implements medtrace's headless subcommands.
//
// Every command follows one table of exit codes (ExitOK, ExitInvalid,
// ExitUsage, ExitIO; docs/exit-codes.md), prints its help on standard
// output when asked for it (-h, --help, or 'medtrace help COMMAND') and its
// errors on standard error, and logs to the data folder's rotating log
// (internal/applog); 'medtrace --verbose COMMAND' also logs at debug level
// to standard error.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/medtrace/medtrace/internal/applog"
)

// Version is MedTrace's release version; FyneApp.toml carries the same number.
const Version = "0.1.0"

// Exit codes shared by every subcommand (docs/exit-codes.md).
const (
	ExitOK      = 0 // success; for the commands that answer a question, the answer is yes (e.g. the code is valid)
	ExitInvalid = 1 // the command ran but the answer is negative (an invalid code, a pack not to hand out, no symbol found)
	ExitUsage   = 2 // bad arguments: nothing was done
	ExitIO      = 3 // the command could not do its work: a file, device, the database or the ledger failed
)

// IO is what a subcommand reads from and writes to.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Log receives the command's log records; nil discards them. Run sets
	// it to the data folder's log (and standard error with --verbose).
	Log *slog.Logger
}

// logger returns sio.Log, or a logger that discards.
func (sio IO) logger() *slog.Logger {
	if sio.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return sio.Log
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
		{"help", "show this help, or a command's ('help COMMAND')", runHelp},
		{"parse", "read a pack code and say what it is", runParse},
		{"version", "print the version and what it was built from", runVersion},
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

// Run runs the subcommand named by args (after the global flags) and
// returns the process exit code. The global flag --verbose (or -v) before
// the command logs at debug level to standard error.
func Run(ctx context.Context, args []string, sio IO) int {
	verbose := false
	for len(args) > 0 && (args[0] == "--verbose" || args[0] == "-verbose" || args[0] == "-v") {
		verbose = true
		args = args[1:]
	}
	if len(args) == 0 {
		usage(sio.Stderr)
		return ExitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		name = "help"
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(sio.Stderr, "medtrace: unknown command %q (see 'medtrace help')\n", args[0])
		return ExitUsage
	}
	lg := openLog(sio, verbose, args[1:])
	sio.Log = lg.With("command", c.name)
	start := time.Now()
	sio.logger().Debug("start", "args", len(args)-1, "log", lg.Path())
	code := runCommand(ctx, c, sio, args[1:])
	lv := slog.LevelDebug
	if code == ExitIO {
		lv = slog.LevelWarn
	}
	sio.logger().Log(ctx, lv, "done", "exit", code, "took", time.Since(start).Round(time.Microsecond))
	closeErr := lg.Close()
	if err := errors.Join(lg.Err(), closeErr); err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace: the log could not be written: %v\n", err)
	}
	return code
}

// lookup finds a command by name.
func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// openLog opens the log of the data folder the command uses: its --data
// flag, else $MEDTRACE_DATA, else the per-user folder. Without a data
// folder (no HOME) it logs to the terminal only, with --verbose.
func openLog(sio IO, verbose bool, args []string) *applog.Log {
	var opt applog.Options
	if verbose {
		opt.Terminal, opt.TerminalLevel = sio.Stderr, slog.LevelDebug
	}
	getenv := sio.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	dir, err := DataDir(dataFlagValue(args), getenv)
	if err != nil {
		dir = ""
	}
	return applog.Open(dir, opt)
}

// dataFlagValue returns the value of a --data flag in args (before "--"),
// "" when there is none.
func dataFlagValue(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		for _, f := range []string{"--data", "-data"} {
			if a == f && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				return v
			}
		}
	}
	return ""
}

// helpCap bounds what a command asked for help may write before its exit
// code is known; past it the output goes to standard error as it comes.
const helpCap = 1 << 16

// runCommand runs c. When args ask for help (-h, -help or --help before
// any "--"), what the command writes to standard error is held back and
// printed on standard output if the command exits ExitOK (it printed its
// help), else on standard error (the flag was a mistake, e.g. after a
// positional argument). So help goes to standard output for every command
// without each command doing it.
func runCommand(ctx context.Context, c command, sio IO, args []string) int {
	if !helpRequested(args) {
		return c.run(ctx, sio, args)
	}
	hw := &heldWriter{spill: sio.Stderr}
	hio := sio
	hio.Stderr = hw
	code := c.run(ctx, hio, args)
	dst := sio.Stderr
	if code == ExitOK && !hw.spilled {
		dst = sio.Stdout
	}
	if _, err := dst.Write(hw.buf.Bytes()); err != nil {
		return ExitIO
	}
	return code
}

// helpRequested reports whether args hold a help flag before any "--".
func helpRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help", "--h":
			return true
		}
	}
	return false
}

// heldWriter holds up to helpCap bytes, then writes everything to spill.
type heldWriter struct {
	buf     bytes.Buffer
	spill   io.Writer
	spilled bool
}

func (w *heldWriter) Write(p []byte) (int, error) {
	if !w.spilled && w.buf.Len()+len(p) <= helpCap {
		return w.buf.Write(p)
	}
	if !w.spilled {
		w.spilled = true
		if _, err := w.spill.Write(w.buf.Bytes()); err != nil {
			return 0, err
		}
		w.buf.Reset()
	}
	return w.spill.Write(p)
}

// usage prints the list of commands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "MedTrace: read, check and trace the codes on medicine packs.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  medtrace                          open the desktop app")
	fmt.Fprintln(w, "  medtrace [--verbose] COMMAND ...  run a command headless")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'medtrace help COMMAND' (or 'medtrace COMMAND -h') for a command's options.")
	fmt.Fprintln(w, "--verbose logs at debug level to standard error; every command also logs to")
	fmt.Fprintln(w, "logs/medtrace.log in the data folder (rotated at 5 MiB, 3 old files kept).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit status, for every command: 0 ok (or yes), 1 a negative answer (an invalid")
	fmt.Fprintln(w, "code, a pack not to hand out, no symbol found), 2 usage error, 3 a file, device,")
	fmt.Fprintln(w, "the database or the ledger failed.")
}

// runHelp implements "medtrace help [COMMAND]".
func runHelp(ctx context.Context, sio IO, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(sio.Stdout)
		return ExitOK
	}
	if len(args) > 1 {
		fmt.Fprintln(sio.Stderr, "medtrace help: want at most one COMMAND")
		return ExitUsage
	}
	if args[0] == "help" {
		usage(sio.Stdout)
		return ExitOK
	}
	c, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(sio.Stderr, "medtrace help: unknown command %q (see 'medtrace help')\n", args[0])
		return ExitUsage
	}
	return runCommand(ctx, c, sio, []string{"-h"})
}

const versionUsage = `Usage: medtrace version

Prints MedTrace's release version and what the binary was built from (the
Go module version, the version control revision and time, whether the tree
had uncommitted changes, the Go version), from the binary's build info.

Exit status: 0.
`

// runVersion implements "medtrace version".
func runVersion(_ context.Context, sio IO, args []string) int {
	if len(args) > 0 {
		w, code := sio.Stderr, ExitUsage
		if helpRequested(args) {
			w, code = sio.Stdout, ExitOK
		} else {
			fmt.Fprintf(sio.Stderr, "medtrace version: unexpected argument %q\n", args[0])
		}
		fmt.Fprint(w, versionUsage)
		return code
	}
	bi, ok := debug.ReadBuildInfo()
	fmt.Fprintln(sio.Stdout, versionLine(bi, ok))
	return ExitOK
}

// versionLine describes the build: "medtrace 0.1.0 (module v..., revision
// abc123def456 2026-12-05T22:00:00Z, modified, go1.26.8)". Fields the build
// info lacks (no VCS stamp in tests, or with -buildvcs=false) are left out.
func versionLine(bi *debug.BuildInfo, ok bool) string {
	line := "medtrace " + Version
	if !ok || bi == nil {
		return line + " (no build info)"
	}
	var parts []string
	if v := bi.Main.Version; v != "" {
		parts = append(parts, "module "+v)
	}
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		r := "revision " + rev
		if at != "" {
			r += " " + at
		}
		parts = append(parts, r)
	}
	if modified {
		parts = append(parts, "modified")
	}
	if bi.GoVersion != "" {
		parts = append(parts, bi.GoVersion)
	}
	if len(parts) == 0 {
		return line
	}
	return line + " (" + strings.Join(parts, ", ") + ")"
}

// parseFlags parses a command's flags. It returns false, with the exit
// status, when the command ends here: -h (ExitOK), a bad flag (ExitUsage;
// the flag package said why) or, with noArgs, an argument the command does
// not take (ExitUsage).
func parseFlags(fs *flag.FlagSet, args []string, sio IO, noArgs bool) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	if noArgs && fs.NArg() != 0 {
		fmt.Fprintf(sio.Stderr, "medtrace %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return ExitUsage, false
	}
	return ExitOK, true
}
