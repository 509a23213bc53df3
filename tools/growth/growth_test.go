package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/trace"
)

func TestConfigCheck(t *testing.T) {
	good := config{state: "s", fabricBin: "f", packs: 1000, duration: time.Minute, batch: 100, inFlight: 20, window: 250, snapshot: true}
	for _, tc := range []struct {
		name   string
		change func(*config)
		ok     bool
	}{
		{"good", func(*config) {}, true},
		{"no state", func(c *config) { c.state = "" }, false},
		{"no packs", func(c *config) { c.packs = 0 }, false},
		{"no time", func(c *config) { c.duration = 0 }, false},
		{"batch too big", func(c *config) { c.batch = maxBatch + 1 }, false},
		{"no batch", func(c *config) { c.batch = 0 }, false},
		{"too many in flight", func(c *config) { c.inFlight = maxInFlight + 1 }, false},
		{"window under a batch", func(c *config) { c.window = 99 }, false},
		{"snapshot without fabric", func(c *config) { c.fabricBin = "" }, false},
		{"no snapshot, no fabric", func(c *config) { c.fabricBin, c.snapshot = "", false }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			tc.change(&c)
			err := c.check()
			if (err == nil) != tc.ok {
				t.Fatalf("check() = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, errUsage) {
				t.Fatalf("check() = %v, not errUsage", err)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	env := func(string) string { return "" }
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no state", nil, 2},
		{"bad flag", []string{"--nope"}, 2},
		{"extra argument", []string{"--state", "x", "--snapshot=false", "more"}, 2},
		{"bad batch", []string{"--state", "x", "--snapshot=false", "--batch", "0"}, 2},
		{"help", []string{"-h"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if got := run(t.Context(), tc.args, &out, &errOut, env); got != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", got, tc.code, errOut.String())
			}
		})
	}
}

func TestCPUSeconds(t *testing.T) {
	for _, tc := range []struct {
		name string
		stat string
		want float64
		ok   bool
	}{
		{"peer", "21640 (peer) S 1 21640 21640 0 -1 4194560 1000 0 0 0 1234 566 0 0 30 10 20 0 100 0 0", 18.00, true},
		{"command with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 100 50 0 0", 1.5, true},
		{"short", "7 (x) R 1 2 3", 0, false},
		{"no command", "7 x R 1 2 3 4 5 6 7 8 9 10 11 12 13", 0, false},
		{"not numbers", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 a b 0 0", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cpuSeconds([]byte(tc.stat))
			if ok != tc.ok || (ok && (got < tc.want-1e-9 || got > tc.want+1e-9)) {
				t.Fatalf("cpuSeconds = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzCPUSeconds(f *testing.F) {
	f.Add([]byte("21640 (peer) S 1 21640 21640 0 -1 4194560 1000 0 0 0 1234 566 0 0 30 10 20 0 100 0 0"))
	f.Add([]byte("7 (a) b) R"))
	f.Fuzz(func(t *testing.T, stat []byte) {
		if s, ok := cpuSeconds(stat); ok && s != s { // NaN is never a CPU time
			t.Fatalf("cpuSeconds(%q) = NaN", stat)
		}
	})
}

func TestPortBase(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       int
	}{
		{"local network", `{"portBase": 29500, "peerJoined": true}`, 29500},
		{"missing", `{"peerJoined": true}`, 0},
		{"too high", `{"portBase": 65530}`, 0},
		{"not JSON", `portBase=1`, 0},
		{"wrong type", `{"portBase": "29500"}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "network.json"), []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := portBase(dir)
			if (err == nil) != (tc.want != 0) || got != tc.want {
				t.Fatalf("portBase = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	t.Run("no file", func(t *testing.T) {
		if _, err := portBase(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("portBase = %v, want not exist", err)
		}
	})
}

func FuzzPortBase(f *testing.F) {
	f.Add([]byte(`{"portBase": 29500}`))
	f.Add([]byte(`{"portBase": -1}`))
	f.Fuzz(func(t *testing.T, file []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "network.json"), file, 0o600); err != nil {
			t.Fatal(err)
		}
		if n, err := portBase(dir); err == nil && (n <= 0 || n > 65535-peerPortShift) {
			t.Fatalf("portBase(%q) = %d without error", file, n)
		}
	})
}

func TestDirSize(t *testing.T) {
	dir := t.TempDir()
	for name, n := range map[string]int{"a": 10, "sub/b": 32, "sub/deeper/c": 1} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got := dirSize(dir); got != 43 {
		t.Fatalf("dirSize = %d, want 43", got)
	}
	if got := dirSize(filepath.Join(dir, "absent")); got != 0 {
		t.Fatalf("dirSize of an absent folder = %d, want 0", got)
	}
}

func TestSourceBatch(t *testing.T) {
	s := &source{gtins: []string{gs1.AppendCheckDigit("0401234500001"), gs1.AppendCheckDigit("0401234500002")}, gln: "4012345000009", run: "ABCD"}
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for n := range 200 {
		evs := s.batch(n, 100, now)
		for _, ev := range evs {
			if reason, bad := trace.CheckEvent(ev); bad {
				t.Fatalf("batch %d: %+v", n, reason)
			}
			if ev.GTIN != evs[0].GTIN || ev.Batch != evs[0].Batch {
				t.Fatalf("batch %d mixes products or lots", n)
			}
			if ev.ID != trace.ContentID(ev) {
				t.Fatalf("batch %d: ID %s is not the content ID", n, ev.ID)
			}
			if seen[ev.Serial] {
				t.Fatalf("serial %s twice", ev.Serial)
			}
			seen[ev.Serial] = true
		}
	}
	if a, b := s.batch(0, 100, now)[0], s.batch(lotPacks/100, 100, now)[0]; a.Batch == b.Batch || a.GTIN == b.GTIN {
		t.Fatalf("a new lot every %d packs: %s/%s then %s/%s", lotPacks, a.GTIN, a.Batch, b.GTIN, b.Batch)
	}
}

// TestGrowOnTheNetwork grows the test network by a few batches and takes
// a snapshot: every row counts the packs committed, the snapshot exists.
func TestGrowOnTheNetwork(t *testing.T) {
	n, _, _ := networktest.ClientsForTest(t)
	state := n.StateDir
	if state == "" {
		state = filepath.Dir(n.ProfilePath)
	}
	fabricBin := os.Getenv(network.EnvFabricBin)
	if fabricBin == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		root, err := network.FindCheckout(wd)
		if err != nil {
			t.Fatal(err)
		}
		fabricBin = filepath.Join(root, "bin", "fabric")
	}
	var out, errOut bytes.Buffer
	args := []string{"--state", state, "--fabric-bin", fabricBin, "--packs", "500", "--batch", "50", "--inflight", "4", "--window", "200"}
	if code := run(t.Context(), args, &out, &errOut, func(string) string { return "" }); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != header {
		t.Fatalf("first line %q, want the header", lines[0])
	}
	var packs []int
	var snap string
	for _, l := range lines[1:] {
		if rest, ok := strings.CutPrefix(l, "# snapshot at block "); ok {
			snap = rest
			continue
		}
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != len(strings.Split(header, "\t")) {
			t.Fatalf("row %q has %d columns", l, len(f))
		}
		p, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("row %q: %v", l, err)
		}
		if r, err := strconv.ParseFloat(f[1], 64); err != nil || r <= 0 {
			t.Fatalf("row %q: events/s %q", l, f[1])
		}
		packs = append(packs, p)
	}
	if want := []int{200, 400, 500}; !slices.Equal(packs, want) {
		t.Fatalf("rows at %v packs, want %v\n%s", packs, want, out.String())
	}
	_, rest, ok1 := strings.Cut(snap, ": ")
	dir, _, ok2 := strings.Cut(rest, ",")
	if !ok1 || !ok2 {
		t.Fatalf("no snapshot line:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "public_state.data")); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
}
