package trace

import (
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// TestRecallRules runs the recall table (testdata/recalls.tsv) the
// chaincode's tests run too.
func TestRecallRules(t *testing.T) {
	since := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range tracetest.Table(t, "testdata/recalls.tsv", 3, 6) {
		state, kind, want := c[0], Kind(c[1]), c[2]
		t.Run(state+"/"+string(kind), func(t *testing.T) {
			a, refused := RecallRefusal("04012345000016", "L1", state == "recalled", since, kind)
			got := "ok"
			if refused {
				got = a.Code
				if !strings.Contains(a.Message, "L1") {
					t.Fatalf("refusal %q does not name the batch", a.Message)
				}
			}
			if got != want {
				t.Fatalf("got %s, want %s", got, want)
			}
		})
	}
}

// TestRecallRefusalOtherKinds: only a recall and its withdrawal are judged.
func TestRecallRefusalOtherKinds(t *testing.T) {
	for _, k := range []Kind{KindDispense, KindCommission} {
		t.Run(string(k), func(t *testing.T) {
			if a, refused := RecallRefusal("04012345000016", "L1", true, time.Time{}, k); !refused || a.Code != ReasonBadEvent {
				t.Fatalf("got %+v, %v; want bad-event", a, refused)
			}
		})
	}
}
