package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/sync/outbox/fakeledger"
	"github.com/medtrace/medtrace/trace"
)

// failing is a ledger whose next failures Submit calls fail with err
// before anything reaches the fake ledger behind it.
type failing struct {
	*fakeledger.Ledger
	mu       sync.Mutex
	failures int
	class    error // ledger.ErrUnavailable, ErrCommitUnknown or ErrRejected
	err      error // the gRPC status it came with
}

func (f *failing) Prepare(ctx context.Context, evs []trace.Event) (outbox.Pending, error) {
	p, err := f.Ledger.Prepare(ctx, evs)
	if err != nil {
		return nil, err
	}
	return &failingTx{Pending: p, f: f}, nil
}

type failingTx struct {
	outbox.Pending
	f *failing
}

func (p *failingTx) Submit(ctx context.Context) (trace.BatchResult, error) {
	p.f.mu.Lock()
	fail := p.f.failures > 0
	if fail {
		p.f.failures--
	}
	p.f.mu.Unlock()
	if fail {
		return trace.BatchResult{}, &ledger.TxError{TxID: p.TxID(), Class: p.f.class, Err: p.f.err}
	}
	return p.Pending.Submit(ctx)
}

// TestWholeRequestFailuresNeverReject runs every kind of failure of a
// whole request, as the ledger client classifies it, through the engine:
// the events stay pending with the failure as their last error, are sent
// again after a backoff, and end recorded exactly once; none is rejected.
func TestWholeRequestFailuresNeverReject(t *testing.T) {
	tests := []struct {
		name  string
		class error
		code  codes.Code
		want  outbox.Disposition // for a batch of more than one event
	}{
		{"peer unreachable", ledger.ErrUnavailable, codes.Unavailable, outbox.Retry},
		{"TLS handshake failed", ledger.ErrUnavailable, codes.Unavailable, outbox.Retry},
		{"endorsement timeout", ledger.ErrUnavailable, codes.DeadlineExceeded, outbox.Retry},
		{"chaincode could not be launched", ledger.ErrRejected, codes.Aborted, outbox.Split},
		{"chaincode not initialised", ledger.ErrRejected, codes.Aborted, outbox.Split},
		{"unknown MSP", ledger.ErrRejected, codes.FailedPrecondition, outbox.Split},
		{"access denied", ledger.ErrRejected, codes.PermissionDenied, outbox.Split},
		{"orderer unreachable", ledger.ErrUnavailable, codes.Unavailable, outbox.Retry},
		{"orderer timeout", ledger.ErrCommitUnknown, codes.DeadlineExceeded, outbox.LookUp},
		{"commit status lost", ledger.ErrCommitUnknown, codes.Unavailable, outbox.LookUp},
		{"policy failure", ledger.ErrRejected, codes.OK, outbox.Split},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := &ledger.TxError{TxID: "tx", Class: tt.class, Err: status.Error(tt.code, tt.name)}
			if got := outbox.DispositionOf(err, 10); got != tt.want {
				t.Errorf("disposition of a batch: %v, want %v", got, tt.want)
			}
			if got := outbox.DispositionOf(err, 1); tt.want == outbox.Split && got != outbox.Park {
				t.Errorf("disposition of one event: %v, want park", got)
			}
			clk := newClock()
			s, fl := setup(t, clk.opt())
			ids := enq(t, s, 12)
			l := &failing{Ledger: fl, failures: 6, class: tt.class, err: err.Err}
			e := outbox.New(outbox.Config{Store: s, Ledger: l, BatchSize: 4, InFlight: 1, Now: clk.Now,
				MinBackoff: time.Second, MaxBackoff: 4 * time.Second, Lease: time.Hour})
			ctx := context.Background()
			sawLastError := false
			for i := 0; ; i++ {
				if i == 200 {
					t.Fatalf("not drained after %d rounds", i)
				}
				st, derr := e.Drain(ctx)
				evs, lerr := s.Events(ctx, store.EventFilter{})
				if lerr != nil {
					t.Fatal(lerr)
				}
				for _, ev := range evs {
					switch {
					case ev.State == store.StateRejected || ev.State == store.StateConflict:
						t.Fatalf("event %s %s after %v: %s %s", ev.Event.ID, ev.State, derr, ev.Reason, ev.Message)
					case (ev.State == store.StatePending || ev.State == store.StateInFlight) && ev.Message != "":
						sawLastError = true
					}
				}
				if derr == nil && st.Pending == 0 {
					break
				}
				if derr != nil && st.Err == nil {
					t.Fatalf("drain failed with %v, the status says nothing is wrong", derr)
				}
				clk.Add(5 * time.Second) // parked events' backoff (at most 4s) is over
			}
			if !sawLastError {
				t.Error("no pending event ever showed why it was not sent")
			}
			if d := exactlyOnce(t, s, fl, ids); d != 0 {
				t.Errorf("%d duplicates", d)
			}
		})
	}
}

// TestDrainResendsReadConflicts: a batch the peer invalidated for a read
// conflict (another transaction in flight changed what it read) is sent
// again at once by Drain, up to a bound; past it Drain reports the
// conflict and the events stay pending. None is rejected either way.
func TestDrainResendsReadConflicts(t *testing.T) {
	tests := []struct {
		name      string
		conflicts int
		wantErr   bool
	}{
		{"one conflict", 1, false},
		{"as many as it resends", 5, false},
		{"one more than it resends", 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s, fl := setup(t, clk.opt())
			ids := enq(t, s, 4)
			l := &failing{Ledger: fl, failures: tt.conflicts, class: ledger.ErrUnavailable, err: ledger.ErrReadConflict}
			e := outbox.New(outbox.Config{Store: s, Ledger: l, BatchSize: 4, InFlight: 1, Now: clk.Now,
				MinBackoff: time.Second, MaxBackoff: 4 * time.Second, Lease: time.Hour})
			st, err := e.Drain(context.Background())
			if tt.wantErr {
				if !errors.Is(err, ledger.ErrReadConflict) || st.Pending != 4 || st.Rejected != 0 {
					t.Fatalf("drain: %+v %v, want the read conflict and 4 pending", st, err)
				}
				return
			}
			if err != nil || st.Pending != 0 || st.Rejected != 0 {
				t.Fatalf("drain: %+v %v, want everything recorded", st, err)
			}
			if d := exactlyOnce(t, s, fl, ids); d != 0 {
				t.Errorf("%d duplicates", d)
			}
		})
	}
}
