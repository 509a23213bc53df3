package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the test binary act as the medtrace command when
// MEDTRACE_CLI_AS_MAIN is set, so tests can run it as a real process.
func TestMain(m *testing.M) {
	if os.Getenv("MEDTRACE_CLI_AS_MAIN") == "1" {
		os.Exit(Run(context.Background(), os.Args[1:], Stdio()))
	}
	os.Exit(m.Run())
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, IO{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" },
	})
	return code, out.String(), errb.String()
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		contains []string // in stdout
		errHas   string   // in stderr
	}{
		{"valid-datamatrix", []string{"parse", `]d20109506000134352172612311012345\x1d21ABC123`}, "", ExitOK,
			[]string{"Valid:          yes", "GTIN:           09506000134352", "Serial:         ABC123", "Batch:          12345", "Expiry:         2026-12-31", "(01) GTIN", "Digital Link:   https://id.gs1.org/01/09506000134352/10/12345/21/ABC123?17=261231", "Element string: 0109506000134352172612311012345<GS>21ABC123"}, ""},
		{"invalid-check-digit", []string{"parse", `]d20109506000134353`}, "", ExitInvalid,
			[]string{"Valid:          no", "error check-digit at byte"}, ""},
		{"flags-after-code", []string{"parse", `010950600013435210ABC~21XYZ`, "--gs-substitute", "~"}, "", ExitOK,
			[]string{"Batch:          ABC", "Serial:         XYZ"}, ""},
		{"substitute-escape", []string{"parse", "--gs-substitute", `\x1c`, "010950600013435210ABC\x1c21XYZ"}, "", ExitOK,
			[]string{"Serial:         XYZ"}, ""},
		{"cn-code", []string{"parse", "81234561234567890123"}, "", ExitOK,
			[]string{"cn-drugcode", "[not-possible] check digits"}, ""},
		{"ifa", []string{"parse", `[)>\x1e06\x1d9N110375286414\x1d1TABC\x1dD261200\x1dS123\x1e\x04`}, "", ExitOK,
			[]string{"Scheme:         ifa", "PZN:            03752864", "day 00: end of the month", "Data:           [)><RS>06<GS>9N", "HRI:            (9N) 110375286414  (1T) ABC"}, ""},
		{"bracketed-escaped-paren", []string{"parse", `(01)09506000134352(10)A\(B`}, "", ExitOK,
			[]string{"Batch:          A(B"}, ""},
		{"double-backslash", []string{"parse", `(01)09506000134352(10)A\\(B`}, "", ExitOK,
			[]string{"Batch:          A(B"}, ""},
		{"not-a-code", []string{"parse", "hello"}, "", ExitInvalid, []string{"not-pack-code"}, ""},
		{"help", []string{"parse", "-h"}, "", ExitOK, []string{"Usage: medtrace parse"}, ""},
		{"no-code", []string{"parse"}, "", ExitUsage, nil, "want exactly one CODE"},
		{"two-codes", []string{"parse", "a", "b"}, "", ExitUsage, nil, "want exactly one CODE"},
		{"bad-flag", []string{"parse", "--nope", "x"}, "", ExitUsage, nil, "flag provided but not defined"},
		{"bad-escape", []string{"parse", `01\xZZ`}, "", ExitUsage, nil, "bad escape"},
		{"short-escape", []string{"parse", `01\x1`}, "", ExitUsage, nil, "bad escape"},
		{"substitute-letter", []string{"parse", "--gs-substitute", "A", "x"}, "", ExitUsage, nil, "--gs-substitute"},
		{"substitute-two-chars", []string{"parse", "--gs-substitute", "~~", "x"}, "", ExitUsage, nil, "one character"},
		{"dash-dash-code", []string{"parse", "--", "-03752864"}, "", ExitInvalid, []string{"not-pack-code"}, ""},
		{"stdin-all-valid", []string{"parse", "-"}, "]d20109506000134352\r\n\n81234561234567890123\n", ExitOK,
			[]string{"09506000134352", "8123456"}, ""},
		{"stdin-raw-gs", []string{"parse", "-"}, "]d2010950600013435210AB\x1d21CD\n", ExitOK,
			[]string{"Batch:          AB", "Serial:         CD"}, ""},
		{"stdin-one-invalid", []string{"parse", "-"}, "]d20109506000134352\nhello", ExitInvalid,
			[]string{"09506000134352", "not-pack-code"}, ""},
		{"stdin-empty", []string{"parse", "-"}, "\n\n", ExitInvalid, nil, "no code"},
		{"stdin-too-long-line", []string{"parse", "-"}, strings.Repeat("9", 100000) + "\n]d20109506000134352\n", ExitInvalid,
			[]string{"input-too-long", "GTIN:           09506000134352"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, c := range tc.contains {
				if !strings.Contains(out, c) {
					t.Errorf("stdout lacks %q:\n%s", c, out)
				}
			}
			if tc.errHas != "" && !strings.Contains(errOut, tc.errHas) {
				t.Errorf("stderr lacks %q:\n%s", tc.errHas, errOut)
			}
		})
	}
}

func TestParseCommandJSON(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		exit   int
		check  func(t *testing.T, m map[string]any)
		scheme string
	}{
		{"gs1", `]d20109506000134352172602001012345\x1d21ABC123`, ExitOK, func(t *testing.T, m map[string]any) {
			want := map[string]any{"valid": true, "gtin": "09506000134352", "serial": "ABC123", "batch": "12345",
				"expiry": "2026-02-28", "expiry_raw": "260200", "expiry_day_unspecified": true, "expired": true, "sscc": ""}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("%s = %#v, want %#v", k, m[k], v)
				}
			}
			ais, _ := m["ais"].([]any)
			if len(ais) != 4 || ais[0].(map[string]any)["ai"] != "01" || ais[3].(map[string]any)["value"] != "ABC123" {
				t.Errorf("ais = %#v", m["ais"])
			}
			if hri, _ := m["hri"].([]any); len(hri) != 4 || hri[0] != "(01) 09506000134352" {
				t.Errorf("hri = %#v", m["hri"])
			}
			if errs, _ := m["errors"].([]any); errs == nil || len(errs) != 0 {
				t.Errorf("errors = %#v, want []", m["errors"])
			}
		}, "gs1"},
		{"invalid", `]d20109506000134353`, ExitInvalid, func(t *testing.T, m map[string]any) {
			errs, _ := m["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors = %#v", m["errors"])
			}
			e := errs[0].(map[string]any)
			if e["ai"] != "01" || e["code"] != "check-digit" || e["class"] != "check-digit" || e["message"] == "" {
				t.Errorf("error = %#v", e)
			}
			if m["expiry"] != nil {
				t.Errorf("expiry = %#v, want null", m["expiry"])
			}
		}, "gs1"},
		{"cn", "81234561234567890123", ExitOK, func(t *testing.T, m map[string]any) {
			cn, _ := m["cn_drugcode"].(map[string]any)
			if cn["code"] != "81234561234567890123" || cn["product"] != "8123456" || cn["serial"] != "123456789" || cn["check"] != "0123" {
				t.Errorf("cn_drugcode = %#v", m["cn_drugcode"])
			}
		}, "cn-drugcode"},
		{"ifa", `[)>\x1e06\x1d9N110375286414\x1dS1\x1e\x04`, ExitOK, func(t *testing.T, m map[string]any) {
			ppn, _ := m["ppn"].(map[string]any)
			if ppn["value"] != "110375286414" || ppn["agency_code"] != "11" || ppn["product_number"] != "03752864" || ppn["check_digits"] != "14" {
				t.Errorf("ppn = %#v", m["ppn"])
			}
			if m["pzn"] != "03752864" || m["serial"] != "1" {
				t.Errorf("pzn = %v, serial = %v", m["pzn"], m["serial"])
			}
		}, "ifa"},
		{"unknown", "hello", ExitInvalid, func(t *testing.T, m map[string]any) {
			errs, _ := m["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["class"] != "not-pack-code" {
				t.Errorf("errors = %#v", m["errors"])
			}
		}, "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "parse", "--json", tc.code)
			if code != tc.exit {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.exit, errOut)
			}
			if strings.Count(out, "\n") != 1 {
				t.Errorf("want one JSON line, got %q", out)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			for _, k := range []string{"valid", "scheme", "gtin", "serial", "batch", "expiry", "sscc", "ais", "hri", "errors"} {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON lacks %q", k)
				}
			}
			if m["scheme"] != tc.scheme {
				t.Errorf("scheme = %v, want %s", m["scheme"], tc.scheme)
			}
			tc.check(t, m)
		})
	}
}

func TestParseCommandJSONLines(t *testing.T) {
	code, out, _ := runCLI(t, "]d20109506000134352\nhello\n", "parse", "--json", "-")
	if code != ExitInvalid {
		t.Errorf("exit %d, want %d", code, ExitInvalid)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	for i, want := range []bool{true, false} {
		var m struct{ Valid bool }
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil || m.Valid != want {
			t.Errorf("line %d: valid=%v err=%v, want %v", i, m.Valid, err, want)
		}
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{`abc`, "abc", false},
		{`\x1d`, "\x1d", false},
		{`\x1D\x1e`, "\x1d\x1e", false},
		{`a\\b`, `a\b`, false},
		{`\\x1d`, `\x1d`, false},
		{`\(`, `\(`, false},
		{`end\`, `end\`, false},
		{`\x`, "", true},
		{`\x1`, "", true},
		{`\xg0`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := unescape(tc.in)
			if tc.bad {
				if !errors.Is(err, errBadEscape) {
					t.Errorf("unescape(%q) = %q, %v; want errBadEscape", tc.in, got, err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("unescape(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestParseProcess runs the command as a real process (this test binary
// acting as medtrace) to check exit codes and standard streams end to end.
func TestParseProcess(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		exit  int
		out   string
	}{
		{"valid", []string{"parse", `]d20109506000134352`}, "", 0, "GTIN:           09506000134352"},
		{"invalid", []string{"parse", "--json", "hello"}, "", 1, `"scheme":"unknown"`},
		{"usage", []string{"parse"}, "", 2, ""},
		{"stdin", []string{"parse", "-"}, "]d20109506000134352\n", 0, "09506000134352"},
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), exe, tc.args...)
			cmd.Env = append(os.Environ(), "MEDTRACE_CLI_AS_MAIN=1")
			cmd.Stdin = strings.NewReader(tc.stdin)
			var out bytes.Buffer
			cmd.Stdout = &out
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.exit {
				t.Errorf("exit %d, want %d; stdout:\n%s", code, tc.exit, out.String())
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Errorf("stdout lacks %q:\n%s", tc.out, out.String())
			}
		})
	}
}
