package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

// run runs a command with the data folder in env and returns its exit
// status, standard output and standard error.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

func TestDataDir(t *testing.T) {
	cases := []struct {
		name, flag string
		env        map[string]string
		want       string
		wantErr    bool
	}{
		{"flag wins", "/f", map[string]string{envData: "/e", "HOME": "/h"}, "/f", false},
		{"env", "", map[string]string{envData: "/e", "HOME": "/h"}, "/e", false},
		{"xdg", "", map[string]string{"XDG_DATA_HOME": "/x", "HOME": "/h"}, "/x/medtrace", false},
		{"home", "", map[string]string{"HOME": "/h"}, "/h/.local/share/medtrace", false},
		{"relative xdg ignored", "", map[string]string{"XDG_DATA_HOME": "rel", "HOME": "/h"}, "/h/.local/share/medtrace", false},
		{"nothing", "", map[string]string{}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DataDir(c.flag, func(k string) string { return c.env[k] })
			if (err != nil) != c.wantErr || got != c.want {
				t.Errorf("DataDir = %q, %v; want %q (error %v)", got, err, c.want, c.wantErr)
			}
		})
	}
}

// TestQueuePackChildren: pack and unpack take their children in every form
// a scanner or a person gives, and queue them in the one canonical form the
// ledger checks; a child that is not a pack or a case queues nothing.
func TestQueuePackChildren(t *testing.T) {
	env := map[string]string{envData: filepath.Join(t.TempDir(), "data")}
	const (
		sscc = "(00)340123450000000017"
		gln  = "4012345000009"
	)
	cases := []struct {
		name     string
		args     []string
		code     int
		children []string // the queued event's children, when queued
		stderr   string
	}{
		{"every form", []string{"--event", "pack", "--code", sscc,
			"--child", "(01)09506000134352(21)A1",
			"--child", "0109506000134352" + "21A2",
			"--child", "https://id.gs1.org/01/09506000134352/21/A3",
			"--child", "09506000134352/A4",
			"--child", "(00)340123450000000024",
			"--child", "340123450000000031"}, ExitOK,
			[]string{"09506000134352/A1", "09506000134352/A2", "09506000134352/A3", "09506000134352/A4", "340123450000000024", "340123450000000031"}, ""},
		{"unpack some", []string{"--event", "unpack", "--code", sscc, "--child", "09506000134352/A1"}, ExitOK, []string{"09506000134352/A1"}, ""},
		{"unpack all", []string{"--event", "unpack", "--code", sscc}, ExitOK, nil, ""},
		{"a child with a bad check digit", []string{"--event", "pack", "--code", sscc, "--child", "(01)09506000134353(21)A1"}, ExitInvalid, nil, "check digit"},
		{"a child that is only a product", []string{"--event", "pack", "--code", sscc, "--child", "(01)09506000134352(10)B1"}, ExitInvalid, nil, "neither a pack"},
		{"a child twice", []string{"--event", "pack", "--code", sscc, "--child", "09506000134352/A1", "--child", "(01)09506000134352(21)A1"}, ExitInvalid, nil, "listed twice"},
		{"a pack without children", []string{"--event", "pack", "--code", sscc}, ExitInvalid, nil, "needs children"},
		{"children on a dispense", []string{"--event", "dispense", "--code", "(01)09506000134352(21)A1", "--child", "09506000134352/A2"}, ExitUsage, nil, "--child is for pack and unpack"},
	}
	queued := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"queue", "add", "--location", gln}, c.args...)
			code, out, errs := run(t, env, args...)
			if code != c.code || !strings.Contains(errs, c.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stderr with %q", code, out, errs, c.code, c.stderr)
			}
			if code != ExitOK {
				return
			}
			queued++
			code, out, _ = run(t, env, "queue", "list", "--json")
			var items []queueItem
			if code != ExitOK || json.Unmarshal([]byte(out), &items) != nil || len(items) != queued {
				t.Fatalf("exit %d, %d items, want %d: %q", code, len(items), queued, out)
			}
			ev := items[len(items)-1].Event
			if ev.SSCC != "340123450000000017" || !slices.Equal(ev.Children, c.children) {
				t.Fatalf("queued %s of %s with children %q, want %q", ev.Kind, ev.SSCC, ev.Children, c.children)
			}
			if a, bad := trace.CheckEvent(ev); bad {
				t.Fatalf("queued an event the ledger would refuse: %s", a.Message)
			}
		})
	}
}

func TestQueueCommands(t *testing.T) {
	env := map[string]string{envData: filepath.Join(t.TempDir(), "data")}
	const pack = "(01)09506000134352(21)ABC123(10)B1(17)271231"
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of standard output
		stderr string // a substring of standard error
	}{
		{"commission", []string{"queue", "add", "--event", "commission", "--code", pack, "--location", "4012345000009"}, ExitOK, "queued commission", ""},
		{"same pack flagged", []string{"queue", "add", "--event", "commission", "--code", pack, "--location", "4012345000016"}, ExitOK, "already scanned in session", ""},
		{"element string with escapes", []string{"queue", "add", "--event", "dispense", "--code", `0109506000134352211234\x1d10B1`, "--location", "4012345000009"}, ExitOK, "queued dispense", ""},
		{"a dispense needs its place", []string{"queue", "add", "--event", "dispense", "--code", pack}, ExitInvalid, "", "location: GLN"},
		{"recall by batch", []string{"queue", "add", "--event", "recall", "--code", "(01)09506000134352(10)B1"}, ExitOK, "queued recall", ""},
		{"invalid code kept, not queued", []string{"queue", "add", "--event", "dispense", "--code", "(01)09506000134353(21)X"}, ExitInvalid, "", "check digit"},
		{"dispense needs a serial", []string{"queue", "add", "--event", "dispense", "--code", "(01)09506000134352(10)B1"}, ExitInvalid, "", "needs a code with a GTIN and a serial"},
		{"unknown kind", []string{"queue", "add", "--event", "sell", "--code", pack}, ExitUsage, "", "not an event kind"},
		{"bad GLN", []string{"queue", "add", "--event", "receive", "--code", pack, "--location", "4012345000008"}, ExitUsage, "", "not a GLN"},
		{"no code", []string{"queue", "add", "--event", "receive"}, ExitUsage, "", "--code is required"},
		{"list", []string{"queue", "list"}, ExitOK, "4 pending, 0 in flight", ""},
		{"list pending", []string{"queue", "list", "--state", "recorded"}, ExitOK, "4 pending", ""},
		{"bad state", []string{"queue", "list", "--state", "done"}, ExitUsage, "", "unknown sync state"},
		{"no subcommand", []string{"queue"}, ExitUsage, "", "Usage"},
		{"sync without a ledger", []string{"sync", "--once", "--ledger", "/nonexistent/connection.json"}, exitFailure, "", "4 events waiting"},
		{"verify without a copy", []string{"verify", "--offline", pack}, exitFailure, "", "no local copy"},
		{"verify a bad code", []string{"verify", "--offline", "(01)09506000134353(21)X"}, ExitInvalid, "", "does not identify a pack"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, env, c.args...)
			if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errs, c.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, out, errs, c.code, c.stdout, c.stderr)
			}
		})
	}
	t.Run("list json", func(t *testing.T) {
		code, out, _ := run(t, env, "queue", "list", "--json", "--state", "pending")
		var items []queueItem
		if code != ExitOK || json.Unmarshal([]byte(out), &items) != nil || len(items) != 4 {
			t.Fatalf("exit %d, %q", code, out)
		}
		if items[0].Event.GTIN != "09506000134352" || items[0].Event.Serial != "ABC123" || items[0].Event.Batch != "B1" ||
			items[0].Event.Expiry != "2027-12-31" || items[0].Event.Location != "4012345000009" || items[0].State != store.StatePending {
			t.Errorf("first item %+v", items[0])
		}
	})
	t.Run("invalid scans are kept", func(t *testing.T) {
		s, err := store.Open(context.Background(), env[envData], store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Close() }() // the test checks what the store held, not its close
		scans, _ := s.Scans(context.Background(), store.ScanFilter{})
		if len(scans) != 7 || scans[5].Valid || len(scans[5].Problems) == 0 {
			t.Errorf("%d scans kept, want 7 with the invalid one and its problems", len(scans))
		}
	})
}

func TestVerifyOfflineAnswerSaysAsOf(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	s, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 4, 2, 9, 30, 0, 0, time.UTC)
	if _, err := s.ApplyChanges(ctx, store.Changes{Block: 77, Time: at, Packs: []store.PackCopy{
		{GTIN: "09506000134352", Serial: "OK1", Status: trace.PackActive, Batch: "B1", Expiry: "2099-12-31", Block: 70},
		{GTIN: "09506000134352", Serial: "GONE", Status: trace.PackDispensed, Batch: "B1", Expiry: "2099-12-31", Block: 71},
	}}, store.Apply{Checkpoint: "ledger-events"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{envData: dir}
	cases := []struct {
		name, code string
		exit       int
		status     trace.PackStatus
	}{
		{"fine", "(01)09506000134352(21)OK1(10)B1", ExitOK, trace.PackActive},
		{"dispensed", "(01)09506000134352(21)GONE", ExitInvalid, trace.PackDispensed},
		{"unknown", "(01)09506000134352(21)NOPE", ExitInvalid, trace.PackUnknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, env, "verify", "--offline", "--json", c.code)
			var v verifyJSON
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("exit %d %q %q: %v", code, out, errs, err)
			}
			if code != c.exit || v.Status != c.status || !v.Offline || v.Block != 77 || !v.AsOf.Equal(at) {
				t.Errorf("exit %d answer %+v", code, v)
			}
			code, out, _ = run(t, env, "verify", "--offline", c.code)
			if code != c.exit || !strings.Contains(out, "(block 77)") || !strings.Contains(out, "as of 2026-04-02") {
				t.Errorf("human answer without its as-of: %q", out)
			}
		})
	}
}

func TestBackupCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{envData: dir}
	run(t, env, "queue", "add", "--event", "receive", "--code", "(01)09506000134352(21)A", "--location", "4012345000009")
	code, out, errs := run(t, env, "backup")
	path := strings.TrimSpace(out)
	if code != ExitOK || !strings.HasPrefix(path, filepath.Join(dir, "backups")) {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errs := run(t, env, "backup", "--to", to); code != ExitOK {
		t.Fatal(errs)
	}
	if code, _, errs := run(t, env, "backup", "--to", to); code != exitFailure || !strings.Contains(errs, "already exists") {
		t.Errorf("overwriting a backup: exit %d %q", code, errs)
	}
	for _, p := range []string{path, to} {
		d := t.TempDir()
		if err := os.Link(p, filepath.Join(d, store.FileName)); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := run(t, map[string]string{envData: d}, "queue", "list"); code != ExitOK || !strings.Contains(out, "1 pending") {
			t.Errorf("backup %s: %q", p, out)
		}
	}
}

// TestCorruptDatabaseCommand checks a damaged database is named with the
// newest backup and left as it was.
func TestCorruptDatabaseCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{envData: dir}
	run(t, env, "queue", "add", "--event", "receive", "--code", "(01)09506000134352(21)A", "--location", "4012345000009")
	_, out, _ := run(t, env, "backup")
	db := filepath.Join(dir, store.FileName)
	if err := os.WriteFile(db, []byte("garbage garbage garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, env, "queue", "list")
	if code != exitFailure || !strings.Contains(errs, db) || !strings.Contains(errs, strings.TrimSpace(out)) || !strings.Contains(errs, "corrupt") {
		t.Errorf("exit %d %q", code, errs)
	}
	if b, _ := os.ReadFile(db); string(b) != "garbage garbage garbage" {
		t.Error("the damaged database was changed")
	}
}

// epcisSchema is the EPCIS 2.0 JSON schema beside the project, if present.
const epcisSchema = "../../shared/epcis/EPCIS-JSON-Schema.json"

func TestExportEPCIS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{envData: dir}
	ctx := context.Background()
	s, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	no := false
	for _, ev := range []trace.Event{
		{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: "A/1 x", Batch: "B1", Expiry: "2027-12-31", Location: "4012345000009"},
		{Kind: trace.KindPack, SSCC: "106141411234567897", Children: []string{"09506000134352/A", "106141411234567880"}, Location: "4012345000009"},
		{Kind: trace.KindUnpack, SSCC: "106141411234567897"},
		{Kind: trace.KindShip, SSCC: "106141411234567897", Location: "4012345000009", Counterparty: "4012345000016"},
		{Kind: trace.KindReceive, GTIN: "09506000134352", Serial: "A", Location: "4012345000016", Counterparty: "4012345000009"},
		{Kind: trace.KindDispense, GTIN: "09506000134352", Serial: "A"},
		{Kind: trace.KindUndoDispense, GTIN: "09506000134352", Serial: "A"},
		{Kind: trace.KindDestroy, GTIN: "09506000134352", Serial: "B"},
		{Kind: trace.KindStolen, GTIN: "09506000134352", Serial: "C"},
		{Kind: trace.KindRecall, GTIN: "09506000134352", Batch: "B1", Note: "contamination"},
		{Kind: trace.KindSample, GTIN: "09506000134352", Serial: "D"},
		{Kind: trace.KindExport, GTIN: "09506000134352", Serial: "E", Counterparty: "4012345000016"},
		{Kind: trace.KindInspect, GTIN: "09506000134352", Serial: "F", Conformant: &no},
	} {
		if _, err := s.Enqueue(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "events.jsonld")
	if code, _, errs := run(t, env, "export", "--epcis", file); code != ExitOK {
		t.Fatal(errs)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Body struct {
			Events []map[string]any `json:"eventList"`
		} `json:"epcisBody"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.Body.Events) != 13 {
		t.Fatalf("%d events, %v", len(doc.Body.Events), err)
	}
	if got := doc.Body.Events[0]["epcList"].([]any)[0]; got != "https://id.gs1.org/01/09506000134352/21/A%2F1%20x" {
		t.Errorf("serial not escaped: %v", got)
	}
	if _, err := os.Stat(epcisSchema); err != nil {
		t.Skipf("EPCIS schema not present beside the project (%v): document written but not validated", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(lookaheadRegexp)
	sch, err := c.Compile(epcisSchema)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("the export is not valid EPCIS 2.0: %v", err)
	}
	// The validator does catch a broken document.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(string(raw), `"action": "ADD"`, `"action": "CREATE"`, 1)))
	if err := sch.Validate(bad); err == nil {
		t.Error("an invalid action passed the schema: the check proves nothing")
	}
}

// lookaheadRegexp compiles the schema's patterns with Go's regexp, plus
// the one construct Go lacks that the EPCIS schema uses: a whole pattern of
// the form ^(?!(X)) ("does not start with X"), matched as the negation of ^(X).
func lookaheadRegexp(pattern string) (jsonschema.Regexp, error) {
	if inner, ok := strings.CutPrefix(pattern, "^(?!("); ok && strings.HasSuffix(inner, "))") {
		re, err := regexp.Compile("^(" + strings.TrimSuffix(inner, "))") + ")")
		if err != nil {
			return nil, err
		}
		return notRegexp{re: re, src: pattern}, nil
	}
	return regexp.Compile(pattern)
}

// notRegexp matches what re does not.
type notRegexp struct {
	re  *regexp.Regexp
	src string
}

func (n notRegexp) MatchString(s string) bool { return !n.re.MatchString(s) }
func (n notRegexp) String() string            { return n.src }

func TestLookaheadRegexp(t *testing.T) {
	re, err := lookaheadRegexp(`^(?!(urn:epcglobal:cbv|https?:\/\/ns\.gs1\.org/cbv\/))`)
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{"urn:epcglobal:cbv:bizstep:x": false, "https://ns.gs1.org/cbv/x": false, "https://example.com/x": true} {
		if re.MatchString(s) != want {
			t.Errorf("%q: %v, want %v", s, !want, want)
		}
	}
}
