package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// fakeClock is a settable clock for one goroutine at a time.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// TestMaintainSchedule walks ten days on a fake clock: the full check and
// the backup run at most once a day each, and only the Keep newest backups
// stay.
func TestMaintainSchedule(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	s := openTest(t, Options{Now: clock.now})
	if _, _, err := s.Capture(ctx, Scan{Session: "m", Raw: []byte("x"), GTIN: "09506000134352", Serial: "1"},
		trace.Event{Kind: trace.KindReceive, GTIN: "09506000134352", Serial: "1"}); err != nil {
		t.Fatal(err)
	}
	var got []MaintenanceResult
	m := Maintenance{Keep: 3, Report: func(r MaintenanceResult) { got = append(got, r) }}
	start := clock.t
	steps := []struct {
		name      string
		at        time.Duration // since start
		wantOps   []string
		wantNext  time.Duration // since start
		wantFiles int
	}{
		{"first run checks and backs up", 0, []string{"integrity check", "backup"}, 24 * time.Hour, 1},
		{"an hour later nothing is due", time.Hour, nil, 24 * time.Hour, 1},
		{"a day later both again", 24 * time.Hour, []string{"integrity check", "backup"}, 48 * time.Hour, 2},
		{"day 2", 48 * time.Hour, []string{"integrity check", "backup"}, 72 * time.Hour, 3},
		{"day 3 rotates the oldest out", 72 * time.Hour, []string{"integrity check", "backup"}, 96 * time.Hour, 3},
		{"day 9 after a week off", 9 * 24 * time.Hour, []string{"integrity check", "backup"}, 10 * 24 * time.Hour, 3},
		{"clock set back a day: done again, not skipped", 8 * 24 * time.Hour, []string{"integrity check", "backup"}, 9 * 24 * time.Hour, 3},
		{"an hour later, still behind the newest: nothing", 8*24*time.Hour + time.Hour, nil, 9 * 24 * time.Hour, 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got = nil
			clock.t = start.Add(st.at)
			next := s.Maintain(ctx, m)
			var ops []string
			for _, r := range got {
				if r.Err != nil {
					t.Errorf("%s: %v", r.Op, r.Err)
				}
				ops = append(ops, r.Op)
			}
			if fmt.Sprint(ops) != fmt.Sprint(st.wantOps) {
				t.Errorf("ran %v, want %v", ops, st.wantOps)
			}
			if want := start.Add(st.wantNext); !next.Equal(want) {
				t.Errorf("next due %s, want %s", next, want)
			}
			names := s.backupNames()
			if len(names) != st.wantFiles {
				t.Errorf("%d backups %v, want %d", len(names), names, st.wantFiles)
			}
			for _, r := range got {
				if r.Op != "backup" {
					continue
				}
				if bt, ok := backupTime(filepath.Base(r.Path)); !ok || !bt.Equal(clock.t) {
					t.Errorf("backup %s, want one named for %s", r.Path, clock.t)
				}
				if err := checkFile(ctx, r.Path); err != nil {
					t.Errorf("backup: %v", err)
				}
			}
		})
	}
}

// TestMaintainKeepsOtherFiles checks rotation removes only the backups it
// names itself, never a file a person put in backups/.
func TestMaintainKeepsOtherFiles(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	s := openTest(t, Options{Now: clock.now})
	if err := os.MkdirAll(filepath.Join(s.Dir(), BackupDir), 0o700); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(s.Dir(), BackupDir, "before-upgrade.db")
	if err := os.WriteFile(mine, []byte("a person's copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	for day := range 4 {
		clock.t = clock.t.Add(24 * time.Hour)
		s.Maintain(ctx, Maintenance{Keep: 1, Report: func(r MaintenanceResult) {
			if r.Err != nil {
				t.Errorf("day %d %s: %v", day, r.Op, r.Err)
			}
		}})
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file rotation does not own was touched: %v", err)
	}
	if n := len(s.backupNames()); n != 1 {
		t.Errorf("%d backups kept, want 1", n)
	}
}

// TestMaintainDamagedDatabaseIsNotBackedUp damages a page of the local copy
// under an open store: the scheduled check reports ErrCorrupt and no backup
// is written, so rotation never pushes a good backup out for a bad one.
func TestMaintainDamagedDatabaseIsNotBackedUp(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir, Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	fillCopy(t, s, 5000)
	mustClose(t, s)
	// Zero the second half of the file, the local copy's pages: the schema
	// stays readable (its pages come first: once it outgrew page 1, its
	// leaves were allocated when the schema last changed, before the copy
	// was filled), the tables do not.
	st, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	from := max(3*4096, st.Size()/2/4096*4096)
	writeAt(t, filepath.Join(dir, FileName), from, make([]byte, st.Size()-from))
	s, err = Open(ctx, dir, Options{Now: clock.now, SkipOpenCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	var got []MaintenanceResult
	next := s.Maintain(ctx, Maintenance{Report: func(r MaintenanceResult) { got = append(got, r) }})
	if len(got) != 1 || got[0].Op != "integrity check" || !errors.Is(got[0].Err, ErrCorrupt) {
		t.Fatalf("results %+v, want one failed integrity check", got)
	}
	if n := len(s.backupNames()); n != 0 {
		t.Errorf("%d backups of a damaged database written", n)
	}
	if want := clock.t.Add(DefaultRetryAfter); !next.Equal(want) {
		t.Errorf("next try %s, want %s", next, want)
	}
}

// TestRunOwnsItsLoop runs the maintenance loop: the warm-up and the first
// pass happen at once, and cancelling its context ends it.
func TestRunOwnsItsLoop(t *testing.T) {
	s := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan MaintenanceResult, 4)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, Maintenance{Report: func(r MaintenanceResult) { results <- r }}) }()
	for _, want := range []string{"warm", "integrity check", "backup"} {
		r := <-results
		if r.Op != want || r.Err != nil {
			t.Fatalf("got %s (%v), want %s", r.Op, r.Err, want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if s.lastChecked().IsZero() {
		t.Error("the passing check was not recorded")
	}
}

// TestOpenQuickCheck damages a page in the middle of the file. Scans and
// the outbox (which exist nowhere else) are quick-checked at open: damage
// there is refused by Open itself. The local copy of the ledger is left to
// the scheduled full check, which finds it.
func TestOpenQuickCheck(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name       string
		fill       func(t *testing.T, s *Store)
		openRefuse bool
	}{
		{"scans and outbox", func(t *testing.T, s *Store) {
			for i := range 400 {
				if _, _, err := s.Capture(ctx, Scan{Session: "q", Raw: []byte(strings.Repeat("r", 300)), GTIN: "09506000134352", Serial: fmt.Sprint(i)},
					trace.Event{Kind: trace.KindReceive, GTIN: "09506000134352", Serial: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
		}, true},
		{"local copy", func(t *testing.T, s *Store) { fillCopy(t, s, 5000) }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			c.fill(t, s)
			mustClose(t, s)
			path := filepath.Join(dir, FileName)
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			writeAt(t, path, st.Size()/2/4096*4096, []byte(strings.Repeat("\xff", 4096)))
			s, err = Open(ctx, dir, Options{})
			if !c.openRefuse {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				defer mustClose(t, s)
				err = s.Check(ctx)
			}
			var de *DBError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &de) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			if want := map[bool]string{true: "open (quick check)", false: "check"}[c.openRefuse]; de.Op != want {
				t.Errorf("found by %q, want %q", de.Op, want)
			}
			t.Log(err)
		})
	}
}

// fillCopy puts n packs in the local copy.
func fillCopy(t *testing.T, s *Store, n int) {
	t.Helper()
	page := make([]PackCopy, n)
	for i := range page {
		gtin, serial := benchPack(i)
		page[i] = PackCopy{GTIN: gtin, Serial: serial, Status: trace.PackActive, Batch: "B1", Expiry: "2028-06-30",
			LastEvent: "01a21f68-1c03-78cf-8645-cd6c32285170", LastKind: trace.KindReceive, LastPlace: "4012345000009", Block: 9}
	}
	if _, err := s.ApplyChanges(context.Background(), Changes{Block: 10, Time: time.Now(), Packs: page}, Apply{Checkpoint: "fill"}); err != nil {
		t.Fatal(err)
	}
}

// TestReadErrorIsAnError cuts the database file to a quarter under an open
// store (another process truncating it, or a disk losing its tail), once
// between reads and once in the middle of a read transaction: reads that
// need the missing pages return errors (a *DBError from the store's
// methods), and the process lives on. With the readers' former mmap_size
// (2 GiB) the cut during a read killed the test binary with SIGBUS
// (checked on 2026-12-05 by putting the pragma back).
func TestReadErrorIsAnError(t *testing.T) {
	const packs = 20000
	for _, c := range []struct {
		name string
		read func(t *testing.T, s *Store, cut func()) error
	}{
		{"cut between lookups", func(t *testing.T, s *Store, cut func()) error {
			cut()
			var first error
			for i := 0; i < packs; i += 97 {
				gtin, serial := benchPack(i)
				_, err := s.LookupPack(context.Background(), gtin, serial, "")
				if err == nil {
					continue
				}
				var de *DBError
				if !errors.As(err, &de) || de.Path != s.Path() {
					t.Fatalf("lookup %d: %v, want a *DBError naming the file", i, err)
				}
				if first == nil {
					first = err
				}
			}
			return first
		}},
		{"cut during a scan of the copy", func(t *testing.T, s *Store, cut func()) error {
			rows, err := s.r.QueryContext(context.Background(), `SELECT serial, batch FROM packs`)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = rows.Close() }() // rows.Err is what this case checks
			n := 0
			for rows.Next() {
				if n++; n == 100 {
					cut()
				}
			}
			if n >= packs {
				t.Fatalf("all %d rows read after the cut", n)
			}
			return s.classify("scan local copy", rows.Err())
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "data")
			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			fillCopy(t, s, packs)
			mustClose(t, s) // checkpoints everything into the main file
			s, err = Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, s)
			// Readers in use before the cut (with mmap they had mapped
			// the file at its full size).
			for i := range 8 {
				gtin, serial := benchPack(i * (packs / 8))
				if lp, err := s.LookupPack(ctx, gtin, serial, ""); err != nil || !lp.Found {
					t.Fatalf("lookup before the cut: %v found=%v", err, lp.Found)
				}
			}
			st, err := os.Stat(s.Path())
			if err != nil {
				t.Fatal(err)
			}
			cut := func() {
				if err := os.Truncate(s.Path(), st.Size()/4); err != nil {
					t.Fatal(err)
				}
			}
			err = c.read(t, s, cut)
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrIO) {
				t.Fatalf("got %v, want ErrCorrupt or ErrIO", err)
			}
			t.Log(err)
			if err := s.Check(ctx); err == nil {
				t.Error("the integrity check passed on a file cut to a quarter")
			}
		})
	}
}

// eioLookups is how many lookups the read-error child makes while the
// disk fails.
const eioLookups = 200

// eioChild runs under the shim: lookups in a local copy while every read
// of the database fails with EIO (while the file at trigger exists), then
// again once the disk answers. It writes one line per lookup: "ok",
// "io", "corrupt" or "other <error>".
func eioChild(dir, trigger string, out io.Writer) (err error) {
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	lookup := func(i int) {
		gtin, serial := benchPack(i)
		_, err := s.LookupPack(ctx, gtin, serial, "")
		var de *DBError
		switch {
		case err == nil:
			fmt.Fprintln(out, "ok")
		case errors.Is(err, ErrIO) && errors.As(err, &de) && de.Path == s.Path():
			fmt.Fprintln(out, "io")
		case errors.Is(err, ErrCorrupt) && errors.As(err, &de) && de.Path == s.Path():
			fmt.Fprintln(out, "corrupt")
		default:
			fmt.Fprintln(out, "other", strings.ReplaceAll(err.Error(), "\n", " "))
		}
	}
	for i := range 8 {
		lookup(i * 997)
	}
	fmt.Fprintln(out, "failing")
	if err := os.WriteFile(trigger, nil, 0o600); err != nil {
		return err
	}
	for i := range eioLookups {
		lookup(i*89 + 1)
	}
	if err := os.Remove(trigger); err != nil {
		return err
	}
	fmt.Fprintln(out, "answering")
	for i := range 8 {
		lookup(i*1009 + 3)
	}
	return nil
}

// TestDiskReadError makes the disk fail every read (the power-loss shim's
// POWERLOSS_EIO: read and pread return EIO, as a dying disk does) under an
// open store in a child process: each lookup that needs the disk returns a
// *DBError naming the file, the process lives on, and once the disk
// answers again the same store reads again. SQLite itself reports EIO on
// a read as SQLITE_CORRUPT (SQLITE_IOERR_CORRUPTFS, turned into
// SQLITE_CORRUPT before it reaches the application), so the kind is
// ErrCorrupt; other read and write failures are ErrIO.
func TestDiskReadError(t *testing.T) {
	so := buildShim(t)
	ctx := context.Background()
	work, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "data")
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillCopy(t, s, 20000)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envEIOChild+"="+dir, "LD_PRELOAD="+so, "POWERLOSS_DIR="+dir,
		"POWERLOSS_SHADOW="+t.TempDir(), "POWERLOSS_EIO="+filepath.Join(work, "disk-fails"))
	cmd.ExtraFiles = []*os.File{pw}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	must(t, pw.Close())
	counts := map[string]map[string]int{}
	phase := "before"
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		switch line {
		case "failing", "answering":
			phase = line
			continue
		}
		if counts[phase] == nil {
			counts[phase] = map[string]int{}
		}
		kind, _, _ := strings.Cut(line, " ")
		counts[phase][kind]++
		if kind == "other" {
			t.Errorf("%s: %s", phase, line)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v (a SIGBUS or a crash?)\n%s", err, stderr.String())
	}
	t.Logf("lookups by phase and outcome: %v", counts)
	if counts["before"]["ok"] != 8 || counts["answering"]["ok"] != 8 {
		t.Errorf("lookups with a working disk: %v before, %v after, want 8 ok each", counts["before"], counts["answering"])
	}
	failed := counts["failing"]["io"] + counts["failing"]["corrupt"]
	if failed == 0 || counts["failing"]["ok"]+failed != eioLookups {
		t.Errorf("lookups while the disk failed: %v, want a *DBError for those that read the disk", counts["failing"])
	}
}
