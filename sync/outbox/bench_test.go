package outbox_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// BenchmarkDrainFake drains 1000 queued events in batches of 100 to the
// FAKE ledger (an SQLite file, no Fabric): it measures the engine's and the
// store's own cost per event (claim, tx ID first, settle), not the ledger's.
func BenchmarkDrainFake(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	events := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		s, l := setup(b, store.Options{})
		tx, err := s.BeginTx(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < n; j++ {
			if _, err := s.EnqueueTx(ctx, tx, trace.Event{Kind: trace.KindCommission, GTIN: gtin, Serial: fmt.Sprintf("%d-%d", i, j), Batch: "B1", Expiry: "2030-12-31", Location: "4012345000009"}); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		e := outbox.New(outbox.Config{Store: s, Ledger: l, BatchSize: 100})
		b.StartTimer()
		st, err := e.Drain(ctx)
		if err != nil || st.Pending != 0 {
			b.Fatal(err, st)
		}
		events += n
		b.StopTimer()
		mustClose(b, s)
		mustClose(b, l)
		b.StartTimer()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDrainNetwork drains queued commissioning events to the real
// network in batches of 100 with 4 and 20 batches in flight (the ledger's
// BenchmarkRecord/batch-100 keeps 20 in flight): events/s to compare with it.
// The events get their content IDs from the store, as in the app.
func BenchmarkDrainNetwork(b *testing.B) {
	e := netSetupB(b)
	for _, inflight := range []int{4, 20} {
		b.Run(fmt.Sprintf("inflight-%d", inflight), func(b *testing.B) {
			ctx := context.Background()
			const n = 10000 // 100 batches: the pipeline's fill and drain are a small part
			events := 0
			for b.Loop() {
				b.StopTimer()
				s, err := store.Open(ctx, b.TempDir(), store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				tx, err := s.BeginTx(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for range n {
					if _, err := s.EnqueueTx(ctx, tx, e.commission()); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				eng := outbox.New(outbox.Config{Store: s, Ledger: outbox.NewClient(e.c["manufacturer"]), BatchSize: 100, InFlight: inflight})
				b.StartTimer()
				st, err := eng.Drain(ctx)
				if err != nil || st.Pending != 0 {
					b.Fatal(err, st)
				}
				events += n
				b.StopTimer()
				mustClose(b, s)
				b.StartTimer()
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
