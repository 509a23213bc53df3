package outbox_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/sync/outbox/fakeledger"
	"github.com/medtrace/medtrace/trace"
)

// childEnv makes the test binary act as the crash test's child process.
const childEnv = "MEDTRACE_OUTBOX_CRASH_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(crashChild(spec))
	}
	os.Exit(m.Run())
}

// crashChild captures scans with events as fast as it can while its sync
// engine sends them, printing "durable ID" after each capture returned,
// until it is killed. spec is "fake|DATA|LEDGERDB|SEED" (the fake ledger)
// or "net|DATA|PROFILE|GTIN|GLN|BATCH|RUN|SEED" (the real network).
func crashChild(spec string) int {
	parts := strings.Split(spec, "|")
	mode, dataDir := parts[0], parts[1]
	var seed uint64
	if _, err := fmt.Sscan(parts[len(parts)-1], &seed); err != nil {
		fmt.Println("error seed:", err)
		return 3
	}
	rnd := rand.New(rand.NewPCG(seed, seed))
	ctx := context.Background()
	s, err := store.Open(ctx, dataDir, store.Options{})
	if err != nil {
		fmt.Println("error", err)
		return 3
	}
	var l outbox.Ledger
	event := func(serial string) trace.Event {
		return trace.Event{Kind: trace.KindReceive, GTIN: gtin, Serial: serial, Location: "4012345000009"}
	}
	switch mode {
	case "fake":
		fl, err := fakeledger.Open(ctx, parts[2])
		if err != nil {
			fmt.Println("error", err)
			return 3
		}
		fl.SetDelay(time.Duration(rnd.IntN(3000)) * time.Microsecond)
		l = fl
	case "net":
		prof, err := ledger.LoadProfile(parts[2])
		if err != nil {
			fmt.Println("error", err)
			return 3
		}
		c, err := prof.DialRole(ctx, "manufacturer")
		if err != nil {
			fmt.Println("error", err)
			return 3
		}
		l = outbox.NewClient(c)
		g, gln, batch, run := parts[3], parts[4], parts[5], parts[6]
		event = func(serial string) trace.Event {
			return trace.Event{Kind: trace.KindCommission, Location: gln, GTIN: g, Serial: "K" + run + "-" + serial, Batch: batch, Expiry: "2031-06-30"}
		}
	}
	e := outbox.New(outbox.Config{Store: s, Ledger: l, BatchSize: 1 + rnd.IntN(20), InFlight: 1 + rnd.IntN(4), Lease: 300 * time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, Idle: 20 * time.Millisecond})
	// The engine runs until the parent kills this process: if it stops
	// before, the child says why and stops too, and the parent fails.
	engineDone := make(chan error, 1)
	go func() { engineDone <- e.Run(ctx) }()
	out := os.Stdout // unbuffered: one write per line, whole or not at all
	for i := 0; ; i++ {
		select {
		case err := <-engineDone:
			fmt.Println("error engine stopped:", err)
			return 3
		default:
		}
		serial := fmt.Sprintf("%d-%d", seed, i)
		if i%5 == 4 {
			// A caller's own transaction holding two events.
			tx, err := s.BeginTx(ctx)
			if err != nil {
				fmt.Println("error", err)
				return 3
			}
			a, err1 := s.EnqueueTx(ctx, tx, event(serial))
			b, err2 := s.EnqueueTx(ctx, tx, event(serial+"b"))
			if err1 != nil || err2 != nil || tx.Commit() != nil {
				fmt.Println("error", err1, err2)
				return 3
			}
			s.Notify()
			fmt.Fprintf(out, "durable %s\ndurable %s\n", a.ID, b.ID)
			continue
		}
		ev := event(serial)
		_, ev, err := s.Capture(ctx, store.Scan{Session: "crash", Raw: []byte(serial), Valid: true, GTIN: ev.GTIN, Serial: ev.Serial, Source: "test"}, ev)
		if err != nil {
			fmt.Println("error", err)
			return 3
		}
		fmt.Fprintf(out, "scan %s\n", ev.ID) // the scan and its event, durable together
	}
}

// killCycles starts the crash child cycles times, kills it with SIGKILL
// after a random minMs..maxMs of work, and after each crash checks the
// database opens cleanly and holds every event reported durable. It
// returns the durable event IDs. A "scan ID" line reports a durable scan
// together with its event.
func killCycles(t *testing.T, dataDir string, cycles, minMs, maxMs int, specFor func(cycle int) string) map[string]bool {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	durable, durableScans := map[string]bool{}, map[string]bool{}
	ctx := context.Background()
	for c := 0; c < cycles; c++ {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+specFor(c))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var got, gotScans []string
		var childErr string
		first := make(chan struct{})
		readDone := make(chan struct{})
		go func() {
			defer close(readDone)
			sc := bufio.NewScanner(stdout)
			once := sync.Once{}
			for sc.Scan() {
				line := sc.Text()
				once.Do(func() { close(first) })
				mu.Lock()
				if id, ok := strings.CutPrefix(line, "durable "); ok {
					got = append(got, id)
				} else if id, ok := strings.CutPrefix(line, "scan "); ok {
					got = append(got, id)
					gotScans = append(gotScans, id)
				} else {
					childErr = line
				}
				mu.Unlock()
			}
			once.Do(func() { close(first) })
		}()
		select {
		case <-first:
		case <-time.After(60 * time.Second):
			killErr := cmd.Process.Kill()
			<-readDone
			_ = cmd.Wait() // killed here: its status says only that
			t.Fatalf("cycle %d: the child never started (kill: %v)", c, killErr)
		}
		time.Sleep(time.Duration(minMs+rnd.IntN(maxMs-minMs)) * time.Millisecond) // a random moment to crash at
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-readDone
		waitErr := cmd.Wait()
		if childErr != "" {
			t.Fatalf("cycle %d: child: %s", c, childErr)
		}
		if !killedBySIGKILL(cmd.ProcessState) {
			t.Fatalf("cycle %d: the child did not end by the kill: %v", c, waitErr)
		}
		for _, id := range got {
			durable[id] = true
		}
		for _, id := range gotScans {
			durableScans[id] = true
		}
		// The database opens cleanly and holds every event reported durable.
		s, err := store.Open(ctx, dataDir, store.Options{})
		if err != nil {
			t.Fatalf("cycle %d: reopen: %v", c, err)
		}
		if c%10 == 9 || c == cycles-1 {
			if err := s.Check(ctx); err != nil {
				t.Fatalf("cycle %d: %v", c, err)
			}
		}
		evs, err := s.Events(ctx, store.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		scans, err := s.Scans(ctx, store.ScanFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("cycle %d: close: %v", c, err)
		}
		have, haveScan := map[string]bool{}, map[string]bool{}
		for _, e := range evs {
			have[e.Event.ID] = true
		}
		for _, sc := range scans {
			haveScan[sc.EventID] = true
		}
		for id := range durable {
			if !have[id] {
				t.Fatalf("cycle %d: event %s was reported durable but is missing", c, id)
			}
		}
		for id := range durableScans {
			if !haveScan[id] {
				t.Fatalf("cycle %d: the scan of event %s was reported durable but is missing", c, id)
			}
		}
	}
	if len(durable) < cycles || len(durableScans) == 0 {
		t.Errorf("only %d events (%d scans) captured in %d cycles: the crashes did not happen mid-work", len(durable), len(durableScans), cycles)
	}
	return durable
}

// TestKillNine kills a capturing and syncing process with SIGKILL 100 times
// at random moments. After each crash the database must open cleanly and
// hold every event reported durable; at the end every event is on the
// ledger exactly once. The ledger here is the FAKE in fakeledger (its own
// SQLite file, exactly-once semantics); TestOnTheNetwork repeats this
// against Fabric.
func TestKillNine(t *testing.T) {
	const cycles = 100
	dir := t.TempDir()
	dataDir, ledgerPath := filepath.Join(dir, "data"), filepath.Join(dir, "fake-ledger.db")
	durable := killCycles(t, dataDir, cycles, 5, 65, func(c int) string {
		return fmt.Sprintf("fake|%s|%s|%d", dataDir, ledgerPath, c)
	})
	ctx := context.Background()
	// Drain what is left, with a clock past every lease, and check the ledger.
	s, err := store.Open(ctx, dataDir, store.Options{Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	l, err := fakeledger.Open(ctx, ledgerPath)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, l)
	if _, err := outbox.New(outbox.Config{Store: s, Ledger: l}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(evs))
	for _, e := range evs {
		ids = append(ids, e.Event.ID)
	}
	scans, err := s.Scans(ctx, store.ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	dups := exactlyOnce(t, s, l, ids)
	t.Logf("%d cycles: %d events reported durable, %d stored, %d scans; the fake ledger holds each once; %d resends answered as duplicates; %d transactions",
		cycles, len(durable), len(ids), len(scans), dups, countTxs(t, ledgerPath))
}

// killedBySIGKILL tells whether a process ended by SIGKILL (and not on its
// own before the kill).
func killedBySIGKILL(st *os.ProcessState) bool {
	if st == nil {
		return false
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// countTxs counts the fake ledger's transactions.
func countTxs(t *testing.T, path string) int {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, db)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM txs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
