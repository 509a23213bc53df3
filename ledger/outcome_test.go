package ledger

import (
	"errors"
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// TestReplayOutcome is the rule that turns a replay of a transaction's
// events into its outcome, for identities that may not read blocks.
func TestReplayOutcome(t *testing.T) {
	const tx, other = "tx1", "tx0"
	res := func(id string, st trace.Status, txID string) trace.Result {
		return trace.Result{EventID: id, Status: st, TxID: txID}
	}
	rejected := trace.Result{EventID: "b", Status: trace.StatusRejected, Reason: "already-dispensed", Message: "m"}
	tests := []struct {
		name    string
		replay  []trace.Result
		want    []trace.Result // nil: ErrTxNotFound
		wantErr error
	}{
		{"never sent: every event fresh", []trace.Result{res("a", trace.StatusAccepted, ""), res("b", trace.StatusAccepted, "")}, nil, ErrTxNotFound},
		{"recorded by another transaction", []trace.Result{res("a", trace.StatusDuplicate, other)}, nil, ErrTxNotFound},
		{"recorded by it", []trace.Result{res("a", trace.StatusDuplicate, tx), res("b", trace.StatusDuplicate, tx)},
			[]trace.Result{res("a", trace.StatusAccepted, tx), res("b", trace.StatusAccepted, tx)}, nil},
		{"recorded by it beside an earlier duplicate", []trace.Result{res("a", trace.StatusDuplicate, tx), res("b", trace.StatusDuplicate, other)},
			[]trace.Result{res("a", trace.StatusAccepted, tx), res("b", trace.StatusDuplicate, other)}, nil},
		{"a kept rejection of it", []trace.Result{res("a", trace.StatusDuplicate, tx), {EventID: "b", Status: trace.StatusRejected, Reason: "r", TxID: tx}},
			[]trace.Result{res("a", trace.StatusAccepted, tx), {EventID: "b", Status: trace.StatusRejected, Reason: "r", TxID: tx}}, nil},
		{"a rejection judged again", []trace.Result{res("a", trace.StatusDuplicate, tx), rejected},
			[]trace.Result{res("a", trace.StatusAccepted, tx), {EventID: "b", Status: trace.StatusRejected, Reason: "already-dispensed", Message: "m", TxID: tx}}, nil},
		{"committed without an event now accepted: resend", []trace.Result{res("a", trace.StatusDuplicate, tx), res("b", trace.StatusAccepted, "")}, nil, ErrTxNotFound},
		{"only rejections judged again: resend", []trace.Result{rejected}, nil, ErrTxNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := replayOutcome(tx, trace.BatchResult{Results: tc.replay})
			if tc.wantErr != nil {
				var te *TxError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &te) || te.TxID != tx {
					t.Fatalf("err = %v, want a TxError of %s wrapping %v", err, tx, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.TxID != tx || len(got.Results) != len(tc.want) {
				t.Fatalf("got %+v", got)
			}
			for i := range tc.want {
				if got.Results[i] != tc.want[i] {
					t.Errorf("result %d: %+v, want %+v", i, got.Results[i], tc.want[i])
				}
			}
		})
	}
}
