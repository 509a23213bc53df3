package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// deniedFeed is the feed of an identity the channel does not let read
// blocks: Follow is refused (ledger.ErrPermissionDenied); Snapshot serves a
// scoped page of one pack, stamped with the next block, failing the first
// fail calls as an outage. Each call reports the copy's checkpoint as it
// starts: the previous snapshot's stamp.
type deniedFeed struct {
	st      *store.Store
	follows atomic.Int32
	block   atomic.Uint64
	fail    atomic.Int32
	calls   chan uint64 // the checkpoint each Snapshot call starts from
}

func (f *deniedFeed) Follow(context.Context, uint64, func(store.Changes) error) error {
	f.follows.Add(1)
	return fmt.Errorf("follow the ledger: %w", ledger.ErrPermissionDenied)
}

func (f *deniedFeed) Snapshot(ctx context.Context, page func(store.Changes, int, int) error) error {
	cp, err := f.st.Checkpoint(ctx, outbox.Checkpoint)
	if err != nil {
		return err
	}
	f.calls <- cp
	if f.fail.Add(-1) >= 0 {
		return fmt.Errorf("snapshot: %w", ledger.ErrUnavailable)
	}
	b := f.block.Add(1)
	p := store.PackCopy{GTIN: "09506000134352", Serial: fmt.Sprintf("R%d", b), Status: trace.PackActive, Block: b}
	return page(store.Changes{Block: b, Time: time.Now(), Packs: []store.PackCopy{p}}, 1, 1)
}

// TestRefreshWithoutBlocks: an engine whose identity may not read blocks
// keeps its copy by scoped snapshots, at once, after its own committed
// batches and every RefreshEvery; the refusal is asked once, never shown
// or retried as an outage; a failed snapshot is retried.
func TestRefreshWithoutBlocks(t *testing.T) {
	tests := []struct {
		name       string
		every, gap time.Duration
		fail       int32
		commit     bool     // enqueue an event once the first snapshot is in
		want       []uint64 // the checkpoint each snapshot call starts from
	}{
		{name: "at once, then after its own batch", every: time.Hour, gap: 20 * time.Millisecond, commit: true, want: []uint64{0, 1}},
		{name: "every RefreshEvery", every: 30 * time.Millisecond, gap: time.Hour, want: []uint64{0, 1, 2}},
		{name: "a failed snapshot is tried again", every: 30 * time.Millisecond, gap: time.Hour, fail: 2, want: []uint64{0, 0, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, l := setup(t, store.Options{})
			feed := &deniedFeed{st: s, calls: make(chan uint64, 16)}
			feed.fail.Store(tc.fail)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			eng := outbox.New(outbox.Config{Store: s, Ledger: l, Feed: feed, RefreshEvery: tc.every, RefreshGap: tc.gap,
				MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- eng.Run(runCtx) }()
			for i, want := range tc.want {
				select {
				case got := <-feed.calls:
					if got != want {
						t.Errorf("snapshot call %d starts from checkpoint %d, want %d", i+1, got, want)
					}
				case <-ctx.Done():
					t.Fatalf("snapshot call %d of %d did not come", i+1, len(tc.want))
				}
				if i == 0 && tc.commit {
					if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: "C1",
						Batch: "B1", Expiry: "2030-12-31", Location: "4012345000009"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// The last call started from the snapshot before it: that one is in the copy.
			last := tc.want[len(tc.want)-1]
			lp, err := s.LookupPack(ctx, "09506000134352", fmt.Sprintf("R%d", last), "")
			if err != nil || !lp.Found {
				t.Errorf("snapshot %d's pack is not in the copy: %+v %v", last, lp, err)
			}
			st := eng.Status()
			stop()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("run: %v", err)
			}
			if n := feed.follows.Load(); n != 1 {
				t.Errorf("Follow asked %d times, want once (a refusal is no outage)", n)
			}
			if st.Err != nil {
				t.Errorf("status error %v, want none", st.Err)
			}
			if tc.commit && st.Recorded != 1 {
				t.Errorf("recorded %d, want the enqueued event", st.Recorded)
			}
		})
	}
}
