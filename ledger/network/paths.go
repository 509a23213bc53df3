package network

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/medtrace/medtrace/internal/datadir"
)

// Environment variables the ledger commands and ForTest read.
const (
	EnvState     = "MEDTRACE_LEDGER_STATE"     // state directory
	EnvProfile   = "MEDTRACE_LEDGER_PROFILE"   // connection.json of a running network (ForTest reuses it)
	EnvPortBase  = "MEDTRACE_LEDGER_PORT_BASE" // first port of a new network
	EnvFabricBin = "MEDTRACE_FABRIC_BIN"       // directory of the Fabric binaries
	EnvChaincode = "MEDTRACE_CHAINCODE_DIR"    // chaincode module source
	EnvTopology  = "MEDTRACE_LEDGER_TOPOLOGY"  // topology of a new network (single or consortium)
	// EnvConsortiumState and EnvConsortiumPortBase place the consortium test
	// network (LeaseConsortium).
	EnvConsortiumState    = "MEDTRACE_LEDGER_CONSORTIUM_STATE"
	EnvConsortiumPortBase = "MEDTRACE_LEDGER_CONSORTIUM_PORT_BASE"
)

// modulePath is the project's Go module, used to recognise a checkout.
const modulePath = "github.com/medtrace/medtrace"

// ErrNoCheckout means no MedTrace source checkout was found.
var ErrNoCheckout = errors.New("not inside a MedTrace checkout")

// DefaultStateDir is where a user's local network lives when nothing else is
// configured: the medtrace/ledger directory under the user's data directory
// ($XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support
// on macOS, %LocalAppData% on Windows).
func DefaultStateDir(getenv func(string) string) (string, error) {
	dir, err := datadir.Here(getenv)
	if err != nil {
		return "", fmt.Errorf("%w: use --state", err)
	}
	return filepath.Join(dir, "ledger"), nil
}

// FindCheckout returns the root of the MedTrace checkout that holds dir: the
// nearest directory upwards whose go.mod declares the project's module.
func FindCheckout(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if isCheckout(d) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%w: %s", ErrNoCheckout, dir)
		}
	}
}

func isCheckout(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }() // read only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`) == modulePath
		}
	}
	return false
}

// hasFabric reports whether dir holds a peer binary.
func hasFabric(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "peer"))
	return err == nil && fi.Mode().IsRegular()
}

// defaultFabricBin finds the Fabric binaries: beside the running executable
// (bin/medtrace next to bin/fabric), else in the checkout holding the working
// directory; empty means PATH.
func defaultFabricBin() string {
	if exe, err := os.Executable(); err == nil {
		if d := filepath.Join(filepath.Dir(exe), "fabric"); hasFabric(d) {
			return d
		}
	}
	if wd, err := os.Getwd(); err == nil {
		if root, err := FindCheckout(wd); err == nil {
			return filepath.Join(root, "bin", "fabric")
		}
	}
	return ""
}

// defaultChaincodeDir finds the chaincode source: in the checkout holding the
// working directory, else in the one holding the running executable.
func defaultChaincodeDir() string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		if root, err := FindCheckout(s); err == nil {
			return filepath.Join(root, "chaincode")
		}
	}
	return ""
}
