package applog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/medtrace/medtrace/internal/datadir"
)

// TestRotator writes numbered lines and checks which files exist, that none
// passes the cap, and that the lines kept are the newest, in order.
func TestRotator(t *testing.T) {
	tests := []struct {
		name      string
		max       int64
		keep      int
		lines     int
		wantFiles int // current + old
	}{
		{"fits in one file", 1000, 3, 10, 1},     // 10 lines of 10 bytes
		{"rotates once", 100, 3, 15, 2},          // 10 lines a file
		{"keeps three old files", 100, 3, 95, 4}, // oldest dropped
		{"keeps none", 100, 0, 25, 1},            // only the current file
		{"exactly at the cap", 100, 2, 10, 1},    // 100 bytes is not past 100
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "logs", "x.log")
			r := NewRotator(path, tc.max, tc.keep)
			if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the folder exists before the first write: %v", err)
			}
			for i := range tc.lines {
				if _, err := fmt.Fprintf(r, "line %04d\n", i); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			ents, err := os.ReadDir(filepath.Dir(path))
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != tc.wantFiles {
				t.Fatalf("%d files, want %d", len(ents), tc.wantFiles)
			}
			// Read oldest to newest: the lines must be the last ones written, in order.
			var all []string
			for i := tc.wantFiles - 1; i >= 0; i-- {
				p := path
				if i > 0 {
					p = fmt.Sprintf("%s.%d", path, i)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(b)) > tc.max {
					t.Errorf("%s has %d bytes, cap %d", p, len(b), tc.max)
				}
				all = append(all, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
			}
			first := tc.lines - len(all)
			for i, l := range all {
				if want := fmt.Sprintf("line %04d", first+i); l != want {
					t.Fatalf("line %d is %q, want %q", i, l, want)
				}
			}
		})
	}
}

// TestRotatorAppendsAcrossOpens: a second Rotator on the same file (the
// next command) appends, and counts what is there toward the cap.
func TestRotatorAppendsAcrossOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	for range 2 {
		r := NewRotator(path, 25, 1)
		if _, err := r.Write([]byte("0123456789\n")); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	r := NewRotator(path, 25, 1)
	if _, err := r.Write([]byte("abcdefghij\n")); err != nil { // 33 > 25: rotates
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "0123456789\n0123456789\n" || string(cur) != "abcdefghij\n" {
		t.Fatalf("old %q, current %q", old, cur)
	}
}

// TestRotatorErrors: a log folder that cannot be made is reported by Write
// and kept by Err; writes after Close fail.
func TestRotatorErrors(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "logs")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewRotator(filepath.Join(blocker, "x.log"), 100, 1)
	if _, err := r.Write([]byte("x\n")); err == nil {
		t.Fatal("write under a file succeeded")
	}
	if r.Err() == nil {
		t.Fatal("Err is nil after a failed write")
	}
	r2 := NewRotator(filepath.Join(dir, "ok.log"), 100, 1)
	if err := r2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Write([]byte("x\n")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v, want ErrClosed", err)
	}
}

// TestRotatorConcurrent: writers in parallel lose no line and split none
// (run with -race).
func TestRotatorConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	r := NewRotator(path, 1<<20, 1)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				if _, err := fmt.Fprintf(r, "g%d line %03d\n", g, i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
}

// TestOpenLevels: the file gets Info and above as JSON, the terminal what
// its level lets through; nothing is created before a record.
func TestOpenLevels(t *testing.T) {
	tests := []struct {
		name         string
		termLevel    slog.Level
		wantTerminal []string
	}{
		{"verbose terminal", slog.LevelDebug, []string{"level=DEBUG", "level=INFO"}},
		{"terminal warnings only", slog.LevelWarn, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var term bytes.Buffer
			l := Open(dir, Options{Terminal: &term, TerminalLevel: tc.termLevel})
			if _, err := os.Stat(Dir(dir)); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("log folder made before any record: %v", err)
			}
			l.Debug("details", "n", 1)
			l.Info("done", "command", "parse")
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if l.Err() != nil {
				t.Fatal(l.Err())
			}
			b, err := os.ReadFile(Path(dir))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("file has %d records, want 1 (Info only): %s", len(lines), b)
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
				t.Fatal(err)
			}
			if rec["msg"] != "done" || rec["command"] != "parse" || rec["level"] != "INFO" {
				t.Fatalf("record %v", rec)
			}
			got := term.String()
			for _, w := range tc.wantTerminal {
				if !strings.Contains(got, w) {
					t.Errorf("terminal lacks %q: %q", w, got)
				}
			}
			if tc.wantTerminal == nil && got != "" {
				t.Errorf("terminal got %q, want nothing", got)
			}
			if l.Path() != Path(dir) {
				t.Errorf("Path %q, want %q", l.Path(), Path(dir))
			}
		})
	}
}

// TestOpenNoFolder: without a data folder only the terminal is written.
func TestOpenNoFolder(t *testing.T) {
	var term bytes.Buffer
	l := Open("", Options{Terminal: &term, TerminalLevel: slog.LevelInfo})
	l.Info("hello")
	if l.Path() != "" || l.Close() != nil || !strings.Contains(term.String(), "hello") {
		t.Fatalf("path %q, terminal %q", l.Path(), term.String())
	}
}

func TestUserPath(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"data folder set", map[string]string{EnvData: "/d", "HOME": "/h"}, "/d/logs/medtrace.log", false},
		{"per-user folder", map[string]string{"HOME": "/h"}, filepath.Join(mustUser(t, "/h"), "logs", "medtrace.log"), false},
		{"no home", map[string]string{}, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := UserPath(func(k string) string { return tc.env[k] })
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func mustUser(t *testing.T, home string) string {
	t.Helper()
	dir, err := datadir.Here(func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
