package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/medtrace/medtrace/internal/packcode"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/station"

	"github.com/medtrace/medtrace/internal/datadir"
	"github.com/medtrace/medtrace/trace"
)

// exitFailure is the exit status when a command could not do its work (the
// database or the ledger failed); its message says why. It is ExitIO.
const exitFailure = ExitIO

// Environment variables the store commands read.
const (
	envData    = "MEDTRACE_DATA"    // the data folder
	envProfile = network.EnvProfile // the ledger's connection.json
	envRole    = "MEDTRACE_ROLE"    // the identity this computer signs as
)

// dataFlags are the flags every store command shares.
type dataFlags struct {
	data        string
	profile     string
	role        string
	defaultRole string // $MEDTRACE_ROLE, set by newDataFlags
}

// newDataFlags returns the store commands' flags with their defaults from
// the environment.
func newDataFlags(getenv func(string) string) dataFlags {
	return dataFlags{defaultRole: getenv(envRole)}
}

func (f *dataFlags) register(fs *flag.FlagSet, ledgerToo bool) {
	fs.StringVar(&f.data, "data", "", "the data folder (default $"+envData+" or the per-user app data folder + medtrace)")
	if ledgerToo {
		fs.StringVar(&f.profile, "ledger", "", "the ledger's connection.json (default $"+envProfile+" or the local network's)")
		f.registerRole(fs)
	}
}

// registerRole adds --role: the identity this computer signs as (what it
// queues, and what it sends). Its default is $MEDTRACE_ROLE, else pharmacy.
func (f *dataFlags) registerRole(fs *flag.FlagSet) {
	def := f.defaultRole
	if def == "" {
		def = "pharmacy"
	}
	fs.StringVar(&f.role, "role", def, "whose identity signs: manufacturer, distributor, pharmacy or regulator (default $"+envRole+" or pharmacy)")
}

// DataDir returns the data folder: flag, then $MEDTRACE_DATA, then the
// OS's per-user app data folder + "medtrace".
func DataDir(flagValue string, getenv func(string) string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if v := getenv(envData); v != "" {
		return v, nil
	}
	dir, err := datadir.Here(getenv)
	if err != nil {
		return "", fmt.Errorf("%w: use --data DIR or %s", err, envData)
	}
	return dir, nil
}

// openStore opens the store in the chosen data folder.
func (f *dataFlags) openStore(ctx context.Context, sio IO) (*store.Store, error) {
	dir, err := DataDir(f.data, sio.Getenv)
	if err != nil {
		return nil, err
	}
	sio.logger().Debug("open store", "dir", dir)
	return store.Open(ctx, dir, store.Options{})
}

// profilePath returns the ledger profile: the flag, else where every
// workstation looks (station.ProfilePath).
func (f *dataFlags) profilePath(getenv func(string) string) (string, error) {
	if f.profile != "" {
		return f.profile, nil
	}
	dir, err := DataDir("", getenv) // the local network lives in the default data folder, whatever --data says
	if err != nil {
		return "", fmt.Errorf("no ledger profile (use --ledger FILE or %s): %w", network.EnvProfile, err)
	}
	return station.ProfilePath(dir, getenv), nil
}

// parseCode reads a pack code typed on the command line (\xHH escapes allowed).
func parseCode(code string) ([]byte, packcode.Result, error) {
	raw, err := unescape(code)
	if err != nil {
		return nil, packcode.Result{}, fmt.Errorf("code %q: %w", code, err)
	}
	return raw, packcode.Parse(raw, packcode.Options{}), nil
}

// printStoreErr prints a store or ledger failure, logs it and returns
// exitFailure.
func printStoreErr(sio IO, cmd string, err error) int {
	fmt.Fprintf(sio.Stderr, "medtrace %s: %v\n", cmd, err)
	sio.logger().Error("failed", "what", cmd, "err", err)
	return exitFailure
}

// closeLogged closes c and logs a failure. The command's work is committed
// (or has failed on its own) by the time it closes the store or the ledger
// connection, so a failing Close changes nothing it reports; the log keeps it.
func closeLogged(sio IO, what string, c io.Closer) {
	if err := c.Close(); err != nil {
		sio.logger().Warn("close failed", "what", what, "err", err)
	}
}

// asOf formats an offline answer's stamp.
func asOf(t time.Time, block uint64) string {
	return fmt.Sprintf("as of %s (block %d)", t.Local().Format("2006-01-02 15:04:05 MST"), block)
}

// kinds lists the event kinds queue add accepts.
func kinds() []trace.Kind { return trace.Kinds() }
