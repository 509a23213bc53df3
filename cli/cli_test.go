package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/internal/applog"
)

// TestHelpOnStdout: every command's help, asked for in each way, goes to
// standard output with exit 0 and nothing on standard error.
func TestHelpOnStdout(t *testing.T) {
	for _, c := range commands() {
		for _, form := range [][]string{{c.name, "-h"}, {c.name, "--help"}, {"help", c.name}} {
			t.Run(strings.Join(form, " "), func(t *testing.T) {
				code, out, errs := runCLI(t, "", form...)
				if code != ExitOK || errs != "" || !strings.Contains(out, "Usage") {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
				}
			})
		}
	}
	for _, form := range [][]string{{"ledger", "up", "-h"}, {"ledger", "seed", "-h"}, {"queue", "add", "-h"}, {"queue", "list", "-h"}, {"-h"}, {"help"}} {
		t.Run(strings.Join(form, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, "", form...)
			if code != ExitOK || errs != "" || out == "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
		})
	}
}

// TestUsageErrorsOnStderr: a usage error exits 2 with its message on
// standard error and nothing on standard output, even when a help flag is
// among the arguments.
func TestUsageErrorsOnStderr(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"unknown command", []string{"frobnicate"}},
		{"unknown flag", []string{"parse", "--nope", "X"}},
		{"help after a positional", []string{"verify", "(01)09506000134352(21)X", "-h"}},
		{"help for an unknown command", []string{"help", "frobnicate"}},
		{"version with an argument", []string{"version", "x"}},
		{"labels without --out", []string{"labels"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tc.args...)
			if code != ExitUsage || out != "" || errs == "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
			}
		})
	}
}

// TestExitCodes: one table for every command (docs/exit-codes.md).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"parse valid", []string{"parse", "(01)09506000134352(21)X"}, ExitOK},
		{"parse invalid", []string{"parse", "(01)09506000134353(21)X"}, ExitInvalid},
		{"labels invalid code", []string{"labels", "--out", filepath.Join(dir, "l.pdf"), "(01)09506000134353(21)X"}, ExitInvalid},
		{"labels unwritable", []string{"labels", "--out", filepath.Join(blocker, "l.pdf"), "(01)09506000134352(21)X"}, ExitIO},
		{"backup unwritable data folder", []string{"backup", "--data", filepath.Join(blocker, "data")}, ExitIO},
		{"version", []string{"version"}, ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errs := runCLI(t, "", tc.args...); code != tc.want {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tc.want, out, errs)
			}
		})
	}
}

// TestVerbose: --verbose logs at debug level to standard error; without
// it, standard error stays clean.
func TestVerbose(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantLog bool
	}{
		{"verbose", []string{"--verbose", "parse", "(01)09506000134352(21)X"}, true},
		{"short", []string{"-v", "parse", "(01)09506000134352(21)X"}, true},
		{"quiet", []string{"parse", "(01)09506000134352(21)X"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, "", tc.args...)
			if code != ExitOK || !strings.Contains(out, "09506000134352") {
				t.Fatalf("exit %d, stdout %q", code, out)
			}
			got := strings.Contains(errs, "level=DEBUG") && strings.Contains(errs, "command=parse") && strings.Contains(errs, "exit=0")
			if got != tc.wantLog || (!tc.wantLog && errs != "") {
				t.Fatalf("stderr %q, want debug log %v", errs, tc.wantLog)
			}
		})
	}
}

// TestLogFile: a command that fails for I/O logs the failure in the data
// folder's log (the folder of its --data flag); one that succeeds quietly
// leaves no log file.
func TestLogFile(t *testing.T) {
	data := t.TempDir()
	if code, _, _ := runCLI(t, "", "parse", "--json", "(01)09506000134352(21)X"); code != ExitOK {
		t.Fatalf("parse: exit %d", code)
	}
	to := filepath.Join(data, "exists.db")
	if err := os.WriteFile(to, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "backup", "--data", data, "--to", to)
	if code != ExitIO {
		t.Fatalf("backup over an existing file: exit %d (%s)", code, errs)
	}
	b, err := os.ReadFile(applog.Path(data))
	if err != nil {
		t.Fatal(err)
	}
	var levels []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct {
			Level, Msg, Command string
			Exit                *int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Command != "backup" {
			t.Errorf("record of command %q", rec.Command)
		}
		levels = append(levels, rec.Level+" "+rec.Msg)
	}
	if strings.Join(levels, ", ") != "ERROR failed, WARN done" {
		t.Fatalf("log records %v, want the failure and the exit", levels)
	}
}

func TestDataFlagValue(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"none", []string{"--json", "X"}, ""},
		{"separate", []string{"--to", "f", "--data", "/d"}, "/d"},
		{"equals", []string{"--data=/d"}, "/d"},
		{"single dash", []string{"-data", "/d"}, "/d"},
		{"after --", []string{"--", "--data", "/d"}, ""},
		{"no value", []string{"--data"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := dataFlagValue(tc.args); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build info", nil, false, "medtrace " + Version + " (no build info)"},
		{"vcs stamped", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261205220000-0123456789ab+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-05T22:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			true, "medtrace " + Version + " (module v0.0.0-20261205220000-0123456789ab+dirty, revision 0123456789ab 2026-12-05T22:00:00Z, modified, go1.26.8)"},
		{"devel without vcs", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true,
			"medtrace " + Version + " (module (devel), go1.26.8)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := versionLine(tc.bi, tc.ok); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestHeldWriterSpills: help output past the cap is not held in memory.
func TestHeldWriterSpills(t *testing.T) {
	var spill bytes.Buffer
	w := &heldWriter{spill: &spill}
	if _, err := w.Write(bytes.Repeat([]byte("a"), helpCap)); err != nil || spill.Len() != 0 {
		t.Fatalf("held %d, spilled %d (%v)", w.buf.Len(), spill.Len(), err)
	}
	if _, err := w.Write([]byte("b")); err != nil || spill.Len() != helpCap+1 || w.buf.Len() != 0 || !w.spilled {
		t.Fatalf("held %d, spilled %d (%v)", w.buf.Len(), spill.Len(), err)
	}
}
