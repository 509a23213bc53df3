package store

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// Environment of the power-loss child (see TestMain and TestPowerLoss).
const (
	envPowerLossChild = "MEDTRACE_POWERLOSS_CHILD" // the data folder; set only in the child
	envPowerLossSync  = "MEDTRACE_POWERLOSS_SYNC"  // "NORMAL" weakens the writer (the control run)
	envEIOChild       = "MEDTRACE_EIO_CHILD"       // the data folder; set only in TestDiskReadError's child
)

// powerLossCaptures is how many scans (each with its event) the child
// captures; every 8th capture it also settles a batch as recorded.
const powerLossCaptures = 48

func TestMain(m *testing.M) {
	if dir := os.Getenv(envPowerLossChild); dir != "" {
		if err := powerLossChild(dir, os.NewFile(3, "acks")); err != nil {
			fmt.Fprintln(os.Stderr, "power-loss child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if dir := os.Getenv(envEIOChild); dir != "" {
		if err := eioChild(dir, os.Getenv("POWERLOSS_EIO"), os.NewFile(3, "results")); err != nil {
			fmt.Fprintln(os.Stderr, "read-error child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// powerLossChild is the workload run under the shim: the real store code,
// on a real file, telling the parent on acks (after each call returned)
// which scans and events it acknowledged.
func powerLossChild(dir string, acks io.Writer) error {
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		return err
	}
	if os.Getenv(envPowerLossSync) == "NORMAL" {
		if _, err := s.w.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
			return err
		}
	}
	// Checkpoint often so that crashes land inside checkpoints too.
	if _, err := s.w.ExecContext(ctx, "PRAGMA wal_autocheckpoint=8"); err != nil {
		return err
	}
	fmt.Fprintln(acks, "open")
	for i := range powerLossCaptures {
		serial := fmt.Sprintf("PL%05d", i)
		res, ev, err := s.Capture(ctx, Scan{Session: "power", Raw: []byte("01095060001343522110" + serial), Valid: true,
			Scheme: "gs1", GTIN: "09506000134352", Serial: serial},
			trace.Event{Kind: trace.KindReceive, GTIN: "09506000134352", Serial: serial, Note: strings.Repeat("n", 300)})
		if err != nil {
			return err
		}
		fmt.Fprintf(acks, "scan %d %s %s\n", res.ID, serial, ev.ID)
		if i%8 != 7 {
			continue
		}
		c, err := s.ClaimBatch(ctx, 5, time.Minute)
		if err != nil {
			return err
		}
		res2 := trace.BatchResult{TxID: fmt.Sprintf("tx%d", i), Block: uint64(i)}
		for _, e := range c.Events {
			res2.Results = append(res2.Results, trace.Result{EventID: e.ID, Status: trace.StatusAccepted})
		}
		if err := s.Record(ctx, c.ID, res2); err != nil {
			return err
		}
		for _, e := range c.Events {
			fmt.Fprintf(acks, "recorded %s\n", e.ID)
		}
	}
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Fprintln(acks, "closed")
	return nil
}

// buildShim compiles testdata/powerloss/shim.c (gcc is there: the SQLite
// driver needs cgo).
func buildShim(t *testing.T) string {
	t.Helper()
	so := filepath.Join(t.TempDir(), "powerloss.so")
	out, err := exec.Command("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", so,
		filepath.Join("testdata", "powerloss", "shim.c"), "-ldl", "-lpthread").CombinedOutput()
	if err != nil {
		t.Fatalf("build the power-loss shim: %v\n%s", err, out)
	}
	return so
}

// acked is what a child acknowledged before it died.
type acked struct {
	opened   bool
	closed   bool
	scans    map[int64]string // scan ID -> serial
	events   map[string]bool  // event ID -> true
	recorded map[string]bool  // event IDs settled as recorded
}

// trial is one run of the child, killed before its killAt-th file
// operation (0: never), and the disk as it would be after a power loss.
type trial struct {
	acks      acked
	recovered string // a data folder with only the synced content
	ops       int64  // operations the child made (when counted)
	killed    bool
	// tornSectors counts unsynced sectors that reached the disk (torn runs).
	tornSectors int
}

// runPowerLoss runs the child under the shim and rebuilds the data folder
// as of each file's last sync.
//
// With torn set, each 512-byte sector written since a file's last sync
// also reached the disk with probability 1/2 (its content as the page
// cache held it at the kill), as a disk may write back part of its cache
// before the power goes.
func runPowerLoss(t *testing.T, so string, killAt int64, syncMode string, torn *rand.Rand) trial {
	t.Helper()
	work := t.TempDir()
	work, err := filepath.EvalSymlinks(work)
	if err != nil {
		t.Fatal(err)
	}
	data, shadow, count := filepath.Join(work, "data"), filepath.Join(work, "shadow"), filepath.Join(work, "ops")
	for _, d := range []string{data, shadow} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envPowerLossChild+"="+data, envPowerLossSync+"="+syncMode,
		"LD_PRELOAD="+so, "POWERLOSS_DIR="+data, "POWERLOSS_SHADOW="+shadow,
		"POWERLOSS_COUNT="+count, "POWERLOSS_KILL_AT="+strconv.FormatInt(killAt, 10))
	cmd.ExtraFiles = []*os.File{pw}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	must(t, pw.Close())
	tr := trial{acks: acked{scans: map[int64]string{}, events: map[string]bool{}, recorded: map[string]bool{}}}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 1 && f[0] == "open":
			tr.acks.opened = true
		case len(f) == 1 && f[0] == "closed":
			tr.acks.closed = true
		case len(f) == 4 && f[0] == "scan":
			id, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("ack %q: %v", sc.Text(), err)
			}
			tr.acks.scans[id] = f[2]
			tr.acks.events[f[3]] = true
		case len(f) == 2 && f[0] == "recorded":
			tr.acks.recorded[f[1]] = true
		default:
			// A line cut by the kill is no acknowledgement.
		}
	}
	must(t, pr.Close())
	werr := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL && killAt > 0:
		tr.killed = true
	default:
		t.Fatalf("child (kill at %d): %v\n%s", killAt, werr, stderr.String())
	}
	if b, err := os.ReadFile(count); err == nil && len(b) == 8 {
		tr.ops = int64(binary.NativeEndian.Uint64(b))
	}
	// The disk after the power loss: only what was synced.
	tr.recovered = filepath.Join(work, "recovered")
	if err := os.Mkdir(tr.recovered, 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(shadow)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".pending") {
			continue
		}
		if files[e.Name()], err = os.ReadFile(filepath.Join(shadow, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".pending")
		if !ok || torn == nil {
			continue
		}
		log, err := os.ReadFile(filepath.Join(shadow, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cache, err := os.ReadFile(filepath.Join(data, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		b := files[name]
		for len(log) >= 16 {
			off, n := int64(binary.NativeEndian.Uint64(log)), int64(binary.NativeEndian.Uint64(log[8:]))
			log = log[16:]
			for sec := off &^ 511; sec < off+n && sec < int64(len(cache)); sec += 512 {
				if torn.IntN(2) == 0 {
					continue
				}
				end := min(sec+512, int64(len(cache)))
				if int64(len(b)) < end {
					b = append(b, make([]byte, end-int64(len(b)))...)
				}
				copy(b[sec:end], cache[sec:end])
				tr.tornSectors++
			}
		}
		files[name] = b
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tr.recovered, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// losses opens the recovered folder, runs the full integrity check and
// counts acknowledged scans, events and recorded states that are missing.
func losses(t *testing.T, tr trial, quiet bool) (lost int, problem error) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, tr.recovered, Options{})
	if err != nil {
		return 0, fmt.Errorf("open after power loss: %w", err)
	}
	defer mustClose(t, s)
	if err := s.Check(ctx); err != nil {
		return 0, fmt.Errorf("integrity check after power loss: %w", err)
	}
	for id, serial := range tr.acks.scans {
		var got string
		err := s.r.QueryRowContext(ctx, `SELECT serial FROM scans WHERE id = ?`, id).Scan(&got)
		if err != nil || got != serial {
			if !quiet {
				t.Logf("acknowledged scan %d (%s) lost: %v %q", id, serial, err, got)
			}
			lost++
		}
	}
	for id := range tr.acks.events {
		var state string
		err := s.r.QueryRowContext(ctx, `SELECT state FROM events WHERE id = ?`, id).Scan(&state)
		switch {
		case err != nil:
			if !quiet {
				t.Logf("acknowledged event %s lost: %v", id, err)
			}
			lost++
		case tr.acks.recorded[id] && state != string(StateRecorded):
			t.Logf("event %s acknowledged as recorded is %s", id, state)
			lost++
		}
	}
	// At most one commit can be durable without its acknowledgement
	// (the kill between its sync and the ack); more would mean writes
	// the child never made.
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM scans`).Scan(&n); err != nil {
		return lost, err
	}
	if n > len(tr.acks.scans)+1 {
		return lost, fmt.Errorf("%d scans stored, %d acknowledged", n, len(tr.acks.scans))
	}
	return lost, nil
}

// TestPowerLoss runs the real store code in a child process under an
// LD_PRELOAD shim that keeps each file's content as of its last
// fsync/fdatasync, kills the child before a random file operation, and
// opens what a disk would hold after a power loss at that moment: 120
// trials with every unsynced write dropped, 60 with each unsynced sector
// kept or dropped at random. Every one must open, pass the full integrity
// check and hold every acknowledged scan, event and recorded state. A control run with
// synchronous=NORMAL must lose acknowledged writes, which shows the test
// can see a loss.
func TestPowerLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("200 child processes; run without -short")
	}
	so := buildShim(t)
	calib := runPowerLoss(t, so, 0, "FULL", nil)
	if !calib.acks.closed || len(calib.acks.scans) != powerLossCaptures {
		t.Fatalf("calibration run: closed=%v, %d scans acknowledged", calib.acks.closed, len(calib.acks.scans))
	}
	if calib.ops < 100 {
		t.Fatalf("calibration run made %d file operations: is the shim loaded?", calib.ops)
	}
	if lost, err := losses(t, calib, false); err != nil || lost != 0 {
		t.Fatalf("calibration run: %d lost, %v", lost, err)
	}
	t.Logf("a full run makes %d file operations on watched files", calib.ops)

	for _, c := range []struct {
		name     string
		sync     string
		trials   int
		torn     bool
		wantLoss bool
	}{
		{"unsynced_dropped/synchronous=FULL", "FULL", 120, false, false},
		{"unsynced_partly_written/synchronous=FULL", "FULL", 60, true, false},
		{"control_unsynced_dropped/synchronous=NORMAL", "NORMAL", 20, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(14, 3))
			var torn *rand.Rand
			if c.torn {
				torn = rand.New(rand.NewPCG(14, 5))
			}
			var killed, acks, lostTotal, lossyTrials, sectors int
			for i := range c.trials {
				killAt := 1 + rnd.Int64N(calib.ops)
				tr := runPowerLoss(t, so, killAt, c.sync, torn)
				if tr.killed {
					killed++
				}
				sectors += tr.tornSectors
				acks += len(tr.acks.scans)
				lost, err := losses(t, tr, c.wantLoss)
				if err != nil {
					t.Fatalf("trial %d (kill before operation %d of %d): %v", i, killAt, calib.ops, err)
				}
				if lost > 0 {
					lossyTrials++
					lostTotal += lost
					if !c.wantLoss {
						t.Errorf("trial %d (kill before operation %d): %d acknowledged writes lost", i, killAt, lost)
					}
				}
			}
			t.Logf("%d trials (%d killed mid-run), %d scans acknowledged in all, %d unsynced sectors kept, %d acknowledged writes lost in %d trials",
				c.trials, killed, acks, sectors, lostTotal, lossyTrials)
			if c.wantLoss && lostTotal == 0 {
				t.Errorf("the control run lost nothing: the test cannot see a loss")
			}
		})
	}
}
