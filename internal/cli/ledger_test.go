package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/ledger/network"
)

func TestLedgerCommandUsage(t *testing.T) {
	state := t.TempDir()
	cases := []struct {
		name    string
		args    []string
		code    int
		stdout  string // substring expected on stdout
		stderr  string // substring expected on stderr
		wantErr bool
	}{
		{"no subcommand", []string{"ledger"}, ExitUsage, "", "Usage: medtrace ledger", true},
		{"help", []string{"ledger", "help"}, ExitOK, "up      start it", "", false},
		{"unknown subcommand", []string{"ledger", "start"}, ExitUsage, "", `unknown command "start"`, true},
		{"unknown flag", []string{"ledger", "up", "--bogus"}, ExitUsage, "", "flag provided but not defined", true},
		{"extra argument", []string{"ledger", "status", "--state", state, "now"}, ExitUsage, "", `unexpected argument "now"`, true},
		{"bad port base", []string{"ledger", "up", "--state", state, "--port-base", "80"}, ExitUsage, "", "port base 80 out of range", true},
		{"bad state path", []string{"ledger", "down", "--state", "/tmp/it's"}, ExitUsage, "", "unusable state directory", true},
		{"status of nothing", []string{"ledger", "status", "--state", state}, 1, "no network here yet", "", false},
		{"down of nothing", []string{"ledger", "down", "--state", filepath.Join(state, "none")}, ExitOK, "", "", false},
		{"seed negative", []string{"ledger", "seed", "--state", state, "--packs", "-1"}, ExitUsage, "", "must not be negative", true},
		{"seed without network", []string{"ledger", "seed", "--state", state}, exitFailure, "", "is the network up?", true},
		{"up without fabric", []string{"ledger", "up", "--state", state, "--fabric-bin", t.TempDir()}, exitFailure, "", "make fabric", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, map[string]string{"HOME": t.TempDir()}, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
				t.Errorf("stdout %q (want %q), stderr %q (want %q)", out, c.stdout, errOut, c.stderr)
			}
			if c.wantErr == (errOut == "") {
				t.Errorf("stderr %q", errOut)
			}
		})
	}
}

func TestLedgerDefaultState(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"data folder", map[string]string{envData: "/d", "HOME": "/h"}, "/d/ledger"},
		{"home", map[string]string{"HOME": "/h"}, "/h/.local/share/medtrace/ledger"},
		{"state env wins", map[string]string{network.EnvState: "/s", envData: "/d"}, "/s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := run(t, c.env, "ledger", "status")
			if code != 1 || !strings.Contains(out, "state:  "+c.want+"\n") {
				t.Errorf("exit %d, stdout %q, stderr %q; want state %s", code, out, errOut, c.want)
			}
		})
	}
}

func TestLedgerSeedAlreadySeeded(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "..", "ledger", "network", "testdata", "profile-valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "connection.json"), b, 0o644)
	os.WriteFile(filepath.Join(dir, seededMarker), []byte(`{"at":"2026-01-02T03:04:05Z","report":{"Packs":10000}}`), 0o644)
	code, out, errOut := run(t, nil, "ledger", "seed", "--state", dir)
	if code != ExitOK || !strings.Contains(out, "already seeded on 2026-01-02T03:04:05Z (10000 packs)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestLedgerSeedOnNetwork seeds a small demo data set on the real network (a
// copy of its profile keeps the seeded marker out of the network's state).
// The sizes are those of the ledger package's seed test, which shares the
// test network: the seed's events depend on the sizes, so other sizes would
// conflict with events already recorded.
func TestLedgerSeedOnNetwork(t *testing.T) {
	n := network.ForTest(t)
	b, err := os.ReadFile(n.ProfilePath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	profile := filepath.Join(dir, "connection.json")
	os.WriteFile(profile, b, 0o644)

	seed := []string{"ledger", "seed", "--profile", profile, "--products", "5", "--packs", "200"}
	code, out, errOut := run(t, nil, seed...)
	if code != ExitOK || !strings.Contains(out, "seeded 5 products, 200 packs") ||
		!strings.Contains(out, "recalled batch: GTIN 0401234500") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, seededMarker)); err != nil {
		t.Errorf("no seeded marker: %v", err)
	}
	code, out, _ = run(t, nil, seed...)
	if code != ExitOK || !strings.Contains(out, "already seeded") {
		t.Errorf("second seed: exit %d, stdout %q", code, out)
	}
}
