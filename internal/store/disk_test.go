package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// canMount reports whether this test may mount a tmpfs (root with CAP_SYS_ADMIN).
func canMount(t *testing.T) bool {
	if os.Geteuid() != 0 {
		return false
	}
	dir := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).Run(); err != nil {
		return false
	}
	must(t, exec.Command("umount", dir).Run())
	return true
}

// mountTmpfs mounts a tmpfs of the given size on a new folder, unmounted at the end.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { must(t, exec.Command("umount", "-l", dir).Run()) })
	return dir
}

// TestDiskFull fills the disk and checks every write gives ErrDiskFull,
// nothing half-written is left, and what was stored before is intact. As
// root it uses a real 512 KiB tmpfs; otherwise SQLite's max_page_count
// stands in for the full disk (same SQLITE_FULL path).
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	var dir string
	opt := Options{}
	if canMount(t) {
		t.Log("full disk: a real 512 KiB tmpfs")
		dir = filepath.Join(mountTmpfs(t, "512k"), "data")
	} else {
		t.Log("full disk: simulated with PRAGMA max_page_count (not root)")
		dir = filepath.Join(t.TempDir(), "data")
		opt.MaxPageCount = 64
	}
	s, err := Open(ctx, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	big := []byte(strings.Repeat("x", 3000))
	kept := 0
	var fullErr error
	for i := 0; i < 10000; i++ {
		_, _, err := s.Capture(ctx, Scan{Session: "a", Raw: big, GTIN: "09506000134352", Serial: fmt.Sprint(i)}, trace.Event{Kind: trace.KindReceive, Note: string(big)})
		if err != nil {
			fullErr = err
			break
		}
		kept++
	}
	if fullErr == nil {
		t.Fatal("disk never filled")
	}
	var de *DBError
	if !errors.Is(fullErr, ErrDiskFull) || !errors.As(fullErr, &de) || de.Path != s.Path() {
		t.Fatalf("got %v, want ErrDiskFull naming the database", fullErr)
	}
	t.Logf("kept %d captures, then: %v", kept, fullErr)
	scans, err := s.Scans(ctx, ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(ctx, EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(scans) != kept || len(evs) != kept {
		t.Fatalf("%d scans, %d events after the failure, want %d each (no partial write)", len(scans), len(evs), kept)
	}
	mustClose(t, s)
	// Reopening on the full disk works and everything is there.
	s2, err := Open(ctx, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s2)
	if err := s2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s2.Unsent(ctx); n != kept {
		t.Fatalf("after reopen %d events, want %d", n, kept)
	}
}

// TestReadOnly makes the database unwritable: as root by remounting a tmpfs
// read-only, otherwise with file modes.
func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	root := canMount(t)
	var base string
	if root {
		base = mountTmpfs(t, "4m")
	} else {
		base = t.TempDir()
	}
	dir := filepath.Join(base, "data")
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindReceive}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	if root {
		if out, err := exec.Command("mount", "-o", "remount,ro", base).CombinedOutput(); err != nil {
			t.Fatalf("remount ro: %v %s", err, out)
		}
	} else {
		must(t, os.Chmod(filepath.Join(dir, FileName), 0o400))
		must(t, os.Chmod(dir, 0o500))
		t.Cleanup(func() { must(t, os.Chmod(dir, 0o700)) })
	}
	s, err = Open(ctx, dir, Options{})
	if err == nil {
		_, err = s.Enqueue(ctx, trace.Event{Kind: trace.KindReceive})
		mustClose(t, s)
	}
	var de *DBError
	if !errors.As(err, &de) || !(errors.Is(err, ErrReadOnly) || errors.Is(err, ErrUnreadable)) {
		t.Fatalf("got %v, want a read-only error naming the database", err)
	}
	t.Logf("read-only: %v", err)
	if root {
		must(t, exec.Command("mount", "-o", "remount,rw", base).Run())
	} else {
		must(t, os.Chmod(dir, 0o700))
		must(t, os.Chmod(filepath.Join(dir, FileName), 0o600))
	}
	s, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if n, _ := s.Unsent(ctx); n != 1 {
		t.Fatalf("%d events after making it writable again, want 1", n)
	}
}

func TestCorruptDatabase(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"garbage header", func(t *testing.T, path string) {
			writeAt(t, path, 0, []byte("this is not sqlite"))
		}},
		{"zeroed pages", func(t *testing.T, path string) {
			st, _ := os.Stat(path)
			writeAt(t, path, 4096, make([]byte, st.Size()-4096))
		}},
		{"truncated", func(t *testing.T, path string) {
			must(t, os.Truncate(path, 1000))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 300; i++ {
				if _, _, err := s.Capture(ctx, Scan{Session: "a", Raw: []byte(strings.Repeat("r", 200)), GTIN: "1", Serial: fmt.Sprint(i)}, trace.Event{Kind: trace.KindReceive}); err != nil {
					t.Fatal(err)
				}
			}
			backup, err := s.Backup(ctx)
			if err != nil {
				t.Fatal(err)
			}
			mustClose(t, s)
			path := filepath.Join(dir, FileName)
			c.damage(t, path)
			before, _ := os.ReadFile(path)
			s, err = Open(ctx, dir, Options{})
			if err == nil {
				err = s.Check(ctx)
				mustClose(t, s)
			}
			var de *DBError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &de) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			if de.Path != path || de.Backup != backup || !strings.Contains(err.Error(), backup) {
				t.Errorf("error %q does not name the file and the backup %s", err, backup)
			}
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Error("the damaged database was modified")
			}
			t.Logf("%v", err)
		})
	}
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, f)
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// TestBackupWhileWriting copies the database while another goroutine keeps
// capturing; the copy opens cleanly and holds a consistent prefix.
func TestBackupWhileWriting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openTest(t, Options{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if _, _, err := s.Capture(ctx, Scan{Session: "a", Raw: []byte("r"), GTIN: "1", Serial: fmt.Sprint(i)}, trace.Event{Kind: trace.KindReceive}); err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
		}
	}()
	var paths []string
	for i := 0; i < 3; i++ {
		p, err := s.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cancel()
	wg.Wait()
	if s.NewestBackup() != paths[len(paths)-1] {
		t.Errorf("newest backup %q, want %q", s.NewestBackup(), paths[len(paths)-1])
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("backup %s: %v %v", p, st, err)
		}
		d := t.TempDir()
		must(t, os.Link(p, filepath.Join(d, FileName)))
		b, err := Open(context.Background(), d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		scans, _ := b.Scans(context.Background(), ScanFilter{})
		evs, _ := b.Events(context.Background(), EventFilter{})
		if len(scans) != len(evs) {
			t.Errorf("backup %s: %d scans but %d events: not consistent", p, len(scans), len(evs))
		}
		mustClose(t, b)
	}
}
