package trace

import (
	"strings"
	"testing"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// rule is one row of testdata/rules.tsv.
type rule struct {
	state PackStatus
	kind  Kind
	want  string // "ok" or the refusal code
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var out []rule
	for _, c := range tracetest.Table(t, "testdata/rules.tsv", 3, 50) {
		out = append(out, rule{PackStatus(c[0]), Kind(c[1]), c[2]})
	}
	return out
}

// TestRules runs the state machine table the chaincode's tests run too.
func TestRules(t *testing.T) {
	for _, r := range loadRules(t) {
		t.Run(string(r.state)+"/"+string(r.kind), func(t *testing.T) {
			p := PackFacts{GTIN: "04012345000016", Serial: "S1", Status: r.state}
			a, refused := StepRefusal(p, r.kind)
			got := "ok"
			if refused {
				got = a.Code
				if a.Message == "" || !strings.Contains(a.Message, "S1") {
					t.Fatalf("refusal %q without a sentence naming the pack", a.Message)
				}
			}
			if got != r.want {
				t.Fatalf("got %s, want %s", got, r.want)
			}
			if CanStart(r.kind, r.state) != (r.want == "ok") {
				t.Fatalf("CanStart disagrees with StepRefusal")
			}
		})
	}
}

// TestTarget: the state each kind leaves a pack in.
func TestTarget(t *testing.T) {
	want := map[Kind]PackStatus{KindShip: PackInTransit, KindReceive: PackActive, KindDispense: PackDispensed,
		KindUndoDispense: PackActive, KindDestroy: PackDestroyed, KindStolen: PackStolen, KindSample: PackSample, KindExport: PackExported}
	for k, st := range want {
		if got := Target(k); got != st {
			t.Errorf("Target(%s) = %s, want %s", k, got, st)
		}
	}
}
