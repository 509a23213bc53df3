package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// TestQueueAddCNCode: China's 20-digit drug code through "queue add" and
// "verify" without a ledger: a commission names batch and expiry by flag,
// GS1 codes' own batch and expiry win and flags may not contradict them,
// China codes as children of a case, a China recall, what is refused.
func TestQueueAddCNCode(t *testing.T) {
	env := map[string]string{envData: filepath.Join(t.TempDir(), "data")}
	const (
		cn   = "81234561234567890123"
		loc  = "4012345000009"
		gs1  = "(01)09506000134352(21)ABC123(10)B1(17)271231"
		sscc = "(00)340123450000000017"
	)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // a substring of standard error
		want   *trace.Event
	}{
		{"commission a China code", []string{"--event", "commission", "--code", cn, "--batch", "CB1", "--expiry", "2030-12-31", "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindCommission, GTIN: "CN8123456", Serial: "1234567890123", Batch: "CB1", Expiry: "2030-12-31", Location: loc}},
		{"a China commission without batch", []string{"--event", "commission", "--code", cn, "--expiry", "2030-12-31", "--location", loc}, ExitUsage, "carries no batch or expiry", nil},
		{"a China commission without expiry", []string{"--event", "commission", "--code", cn, "--batch", "CB1", "--location", loc}, ExitUsage, "carries no batch or expiry", nil},
		{"a bad --expiry", []string{"--event", "commission", "--code", cn, "--batch", "CB1", "--expiry", "2030-13-01", "--location", loc}, ExitUsage, "--expiry", nil},
		{"a bad --batch", []string{"--event", "commission", "--code", cn, "--batch", "C B1", "--expiry", "2030-12-31", "--location", loc}, ExitUsage, "--batch", nil},
		{"a China code with a scanner's symbology prefix", []string{"--event", "dispense", "--code", "]C0" + cn, "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindDispense, GTIN: "CN8123456", Serial: "1234567890123", Location: loc}},
		{"ship a China code", []string{"--event", "ship", "--code", cn, "--location", loc, "--counterparty", "4054321000016"}, ExitOK, "",
			&trace.Event{Kind: trace.KindShip, GTIN: "CN8123456", Serial: "1234567890123", Location: loc, Counterparty: "4054321000016"}},
		{"a GS1 code's own batch and expiry", []string{"--event", "commission", "--code", gs1, "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: "ABC123", Batch: "B1", Expiry: "2027-12-31", Location: loc}},
		{"flags agreeing with a GS1 code", []string{"--event", "commission", "--code", gs1, "--batch", "B1", "--expiry", "2027-12-31", "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: "ABC123", Batch: "B1", Expiry: "2027-12-31", Location: loc}},
		{"a flag contradicting a GS1 code", []string{"--event", "commission", "--code", gs1, "--batch", "B2", "--location", loc}, ExitUsage, "contradicts the code", nil},
		{"flags filling in what a GS1 code lacks", []string{"--event", "commission", "--code", "(01)09506000134352(21)XYZ", "--batch", "B3", "--expiry", "2029-01-31", "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: "XYZ", Batch: "B3", Expiry: "2029-01-31", Location: loc}},
		{"China codes as children of a case", []string{"--event", "pack", "--code", sscc, "--child", cn, "--child", "]C081234561234567890124", "--child", "09506000134352/ABC123", "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindPack, SSCC: "340123450000000017", Children: []string{cn, "81234561234567890124", "09506000134352/ABC123"}, Location: loc}},
		{"a China child of 19 digits", []string{"--event", "pack", "--code", sscc, "--child", "8123456123456789012", "--location", loc}, ExitInvalid, "child", nil},
		{"recall a China batch", []string{"--event", "recall", "--code", cn, "--batch", "CB1"}, ExitOK, "",
			&trace.Event{Kind: trace.KindRecall, GTIN: "CN8123456", Batch: "CB1"}},
		{"a China recall without a batch", []string{"--event", "recall", "--code", cn}, ExitInvalid, "needs a code with a GTIN (or a China drug code) and a batch", nil},
		{"withdraw a China batch's recall", []string{"--event", "withdraw-recall", "--code", cn, "--batch", "CB1", "--note", "tests passed"}, ExitOK, "",
			&trace.Event{Kind: trace.KindWithdrawRecall, GTIN: "CN8123456", Batch: "CB1"}},
		{"a withdrawal without its reason", []string{"--event", "withdraw-recall", "--code", cn, "--batch", "CB1"}, ExitInvalid, "says why", nil},
		{"a withdrawal without a batch", []string{"--event", "withdraw-recall", "--code", cn, "--note", "ok"}, ExitInvalid, "needs a code with a GTIN (or a China drug code) and a batch", nil},
		{"commission a GS1 pack linking its China code", []string{"--event", "commission", "--code", gs1, "--link", "]C0" + cn, "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: "ABC123", Batch: "B1", Expiry: "2027-12-31", Location: loc, Link: cn}},
		{"commission a China pack linking its GS1 code", []string{"--event", "commission", "--code", cn, "--batch", "B1", "--expiry", "2027-12-31", "--link", gs1, "--location", loc}, ExitOK, "",
			&trace.Event{Kind: trace.KindCommission, GTIN: "CN8123456", Serial: "1234567890123", Batch: "B1", Expiry: "2027-12-31", Location: loc, Link: "09506000134352/ABC123"}},
		{"link on a dispense", []string{"--event", "dispense", "--code", gs1, "--link", cn, "--location", loc}, ExitUsage, "--link is for commission", nil},
		{"link an SSCC", []string{"--event", "commission", "--code", gs1, "--link", sscc, "--location", loc}, ExitUsage, "not a pack's code", nil},
		{"link two GS1 codes", []string{"--event", "commission", "--code", gs1, "--link", "09506000134352/XYZ", "--location", loc}, ExitInvalid, "a GS1 code and a China drug code", nil},
		{"a code not starting with 8 is no China code", []string{"--event", "dispense", "--code", "71234561234567890123", "--location", loc}, ExitInvalid, "", nil},
	}
	queued := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := run(t, env, append([]string{"queue", "add"}, c.args...)...)
			if code != c.code || !strings.Contains(errs, c.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stderr with %q", code, out, errs, c.code, c.stderr)
			}
			if c.want == nil {
				return
			}
			queued++
			_, out, _ = run(t, env, "queue", "list", "--json")
			var items []queueItem
			if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != queued {
				t.Fatalf("%d items, want %d (%v)", len(items), queued, err)
			}
			ev := items[len(items)-1].Event
			w := *c.want
			if ev.Kind != w.Kind || ev.GTIN != w.GTIN || ev.Serial != w.Serial || ev.Batch != w.Batch || ev.Expiry != w.Expiry ||
				ev.Location != w.Location || ev.Counterparty != w.Counterparty || ev.Link != w.Link || ev.SSCC != w.SSCC || strings.Join(ev.Children, " ") != strings.Join(w.Children, " ") {
				t.Fatalf("queued %+v, want %+v", ev, w)
			}
			if a, bad := trace.CheckEvent(ev); bad {
				t.Fatalf("queued an event the ledger would refuse: %s", a.Message)
			}
		})
	}
	t.Run("the list names the China code", func(t *testing.T) {
		_, out, _ := run(t, env, "queue", "list")
		if !strings.Contains(out, "CN "+cn) {
			t.Fatalf("list %q", out)
		}
	})
	t.Run("verify without a copy", func(t *testing.T) {
		code, _, errs := run(t, env, "verify", "--offline", cn)
		if code != exitFailure || !strings.Contains(errs, "no local copy") {
			t.Fatalf("exit %d, %q", code, errs)
		}
	})
}
