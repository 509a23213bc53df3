package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// TestEngineSendsOnlyItsIdentity: two identities' events share one store
// (a demo machine); each engine sends only the events queued for the
// identity it signs as, and shows the others as waiting, by identity.
func TestEngineSendsOnlyItsIdentity(t *testing.T) {
	ctx := context.Background()
	s, l := setup(t, store.Options{})
	queue := func(signer string, n int) []string {
		t.Helper()
		var ids []string
		for i := range n {
			ev, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352",
				Serial: fmt.Sprintf("%s%03d", signer, i), Batch: "B1", Expiry: "2030-12-31", Location: "4012345000009"}, store.SignedBy(signer))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ev.ID)
		}
		return ids
	}
	man := queue("manufacturer", 30)
	other := queue("manufacturer-b", 20)

	tests := []struct {
		signer       string
		wantRecorded int
		wantWaiting  map[string]int
		sent         []string
	}{
		{"pharmacy", 0, map[string]int{"manufacturer": 30, "manufacturer-b": 20}, nil},
		{"", 0, map[string]int{"manufacturer": 30, "manufacturer-b": 20}, nil},
		{"manufacturer", 30, map[string]int{"manufacturer-b": 20}, man},
		{"manufacturer-b", 20, map[string]int{}, append(append([]string{}, man...), other...)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("as %q", tt.signer), func(t *testing.T) {
			e := outbox.New(outbox.Config{Store: s, Ledger: l, Signer: tt.signer, BatchSize: 7})
			st, err := e.Drain(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Recorded != tt.wantRecorded || len(st.Waiting) != len(tt.wantWaiting) {
				t.Fatalf("status %+v, want %d recorded, waiting %v", st, tt.wantRecorded, tt.wantWaiting)
			}
			for who, n := range tt.wantWaiting {
				if st.Waiting[who] != n {
					t.Fatalf("waiting %v, want %v", st.Waiting, tt.wantWaiting)
				}
			}
			acc, _, err := l.Deliveries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(acc) != len(tt.sent) {
				t.Fatalf("the ledger holds %d events, want %d", len(acc), len(tt.sent))
			}
			for _, id := range tt.sent {
				if acc[id] != 1 {
					t.Fatalf("event %s delivered %d times", id, acc[id])
				}
			}
			evs, err := s.Events(ctx, store.EventFilter{States: []store.State{store.StatePending}})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range evs {
				var se *store.SignerError
				if err := q.WaitsFor(tt.signer); !errors.As(err, &se) || se.Signer != q.Signer {
					t.Fatalf("pending event %s of %q: WaitsFor(%q) = %v", q.Event.ID, q.Signer, tt.signer, err)
				}
			}
		})
	}
}
