package cli

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
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
		{"join-member help", []string{"ledger", "join-member", "-h"}, ExitOK, "join its peer from a ledger snapshot", "", false},
		{"join-member without a network", []string{"ledger", "join-member", "--state", state}, exitFailure, "", "ledger join-member:", true},
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
	b, err := os.ReadFile(filepath.Join("..", "ledger", "network", "testdata", "profile-valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "connection.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, seededMarker), []byte(`{"at":"2026-01-02T03:04:05Z","report":{"Packs":10000}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, nil, "ledger", "seed", "--state", dir)
	if code != ExitOK || !strings.Contains(out, "already seeded on 2026-01-02T03:04:05Z (10000 packs)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestLedgerOnAPrivateNetwork drives a network of its own through the
// commands: up, status, seed (twice), down. A private network keeps the demo
// events away from the shared test network, whose tests configure and use
// the same organisations concurrently.
func TestLedgerOnAPrivateNetwork(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	checkout, err := network.FindCheckout(wd)
	if err != nil {
		t.Fatal(err)
	}
	fabricBin := os.Getenv(network.EnvFabricBin)
	if fabricBin == "" {
		fabricBin = filepath.Join(checkout, "bin", "fabric")
	}
	if _, err := os.Stat(filepath.Join(fabricBin, "peer")); err != nil {
		t.Fatalf("Fabric binaries missing in %s: run `make fabric` (%v)", fabricBin, err)
	}
	state := filepath.Join(t.TempDir(), "ledger")
	flags := []string{"--state", state, "--fabric-bin", fabricBin, "--chaincode", filepath.Join(checkout, "chaincode")}
	env := map[string]string{"HOME": t.TempDir()}
	t.Cleanup(func() { run(t, env, append([]string{"ledger", "down"}, flags...)...) })

	base := freePortBase(t)
	code, out, errOut := run(t, env, append([]string{"ledger", "up", "--port-base", strconv.Itoa(base)}, flags...)...)
	if code != ExitOK || !strings.Contains(out, "connection profile: "+filepath.Join(state, "connection.json")) {
		t.Fatalf("up: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = run(t, env, append([]string{"ledger", "status"}, flags...)...)
	if code != ExitOK || !strings.Contains(out, "chaincode  running") || !strings.Contains(out, "blocks") {
		t.Fatalf("status: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	seed := []string{"ledger", "seed", "--state", state, "--products", "5", "--packs", "200"}
	code, out, errOut = run(t, env, seed...)
	if code != ExitOK || !strings.Contains(out, "seeded 5 products, 200 packs") ||
		!strings.Contains(out, "recalled batch: GTIN 0401234500") {
		t.Fatalf("seed: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, _ = run(t, env, seed...)
	if code != ExitOK || !strings.Contains(out, "already seeded") {
		t.Errorf("second seed: exit %d, stdout %q", code, out)
	}
	code, out, errOut = run(t, env, append([]string{"ledger", "down"}, flags...)...)
	if code != ExitOK || !strings.Contains(out, "orderer: stopped") {
		t.Fatalf("down: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, _ = run(t, env, append([]string{"ledger", "status"}, flags...)...)
	if code != 1 || strings.Contains(out, "running") {
		t.Errorf("status after down: exit %d, stdout %q", code, out)
	}
}

// freePortBase finds a block of 30 free ports for a private network.
func freePortBase(t *testing.T) int {
	t.Helper()
	for base := 33000 + (os.Getpid()%50)*100; base < 60000; base += 100 {
		free := true
		for p := base; p < base+30 && free; p++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				free = false
				continue
			}
			_ = ln.Close() // only probing that the port is free
		}
		if free {
			return base
		}
	}
	t.Fatal("no free block of ports")
	return 0
}
