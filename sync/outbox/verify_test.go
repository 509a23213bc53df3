package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

const gtin = "09506000134352"

func TestJudge(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	stamp := store.CopyStamp{Block: 42, AsOf: now.Add(-time.Hour)}
	active := store.PackCopy{GTIN: gtin, Serial: "A", Status: trace.PackActive, Batch: "B1", Expiry: "2027-01-31"}
	with := func(f func(*store.PackCopy)) store.PackCopy { p := active; f(&p); return p }
	cases := []struct {
		name   string
		lp     store.LocalPack
		q      outbox.Query
		status trace.PackStatus
		alerts []string
	}{
		{"active", store.LocalPack{Found: true, Pack: active}, outbox.Query{Batch: "B1", Expiry: "2027-01-31"}, trace.PackActive, nil},
		{"unknown", store.LocalPack{}, outbox.Query{}, trace.PackUnknown, []string{"unknown-pack"}},
		{"dispensed", store.LocalPack{Found: true, Pack: with(func(p *store.PackCopy) { p.Status = trace.PackDispensed; p.LastPlace = "4012345000009" })}, outbox.Query{}, trace.PackDispensed, []string{"already-dispensed"}},
		{"recalled", store.LocalPack{Found: true, Pack: active, Recall: &store.RecallCopy{Batch: "B1", Reason: "contamination"}}, outbox.Query{}, trace.PackRecalled, []string{"recalled-batch"}},
		{"batch mismatch", store.LocalPack{Found: true, Pack: active}, outbox.Query{Batch: "B9"}, trace.PackActive, []string{"batch-mismatch"}},
		{"expiry mismatch", store.LocalPack{Found: true, Pack: active}, outbox.Query{Expiry: "2027-02-28"}, trace.PackActive, []string{"expiry-mismatch"}},
		{"expired", store.LocalPack{Found: true, Pack: with(func(p *store.PackCopy) { p.Expiry = "2026-05-30" })}, outbox.Query{}, trace.PackExpired, []string{"expired"}},
		{"expires today is fine", store.LocalPack{Found: true, Pack: with(func(p *store.PackCopy) { p.Expiry = "2026-06-01" })}, outbox.Query{}, trace.PackActive, nil},
		{"stolen", store.LocalPack{Found: true, Pack: with(func(p *store.PackCopy) { p.Status = trace.PackStolen })}, outbox.Query{}, trace.PackStolen, []string{"stolen"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.lp.Stamp = stamp
			c.q.GTIN, c.q.Serial = gtin, "A"
			v := outbox.Judge(c.lp, c.q, now)
			var got []string
			for _, a := range v.Alerts {
				got = append(got, a.Code)
				if a.Message == "" {
					t.Errorf("alert %s without a message", a.Code)
				}
			}
			if v.Status != c.status || len(got) != len(c.alerts) || (len(got) > 0 && got[0] != c.alerts[0]) {
				t.Errorf("status %s alerts %v, want %s %v", v.Status, got, c.status, c.alerts)
			}
			if !v.Offline || v.Block != 42 || !v.AsOf.Equal(stamp.AsOf) {
				t.Errorf("offline answer without its as-of: %+v", v)
			}
		})
	}
}

// feedSignal wraps a Feed and signals after each applied block.
type feedSignal struct {
	outbox.Feed
	applied chan uint64
}

func (f feedSignal) Follow(ctx context.Context, from uint64, apply func(store.Changes) error) error {
	return f.Feed.Follow(ctx, from, func(c store.Changes) error {
		err := apply(c)
		f.applied <- c.Block
		return err
	})
}

func TestSnapshotFollowAndVerify(t *testing.T) {
	ctx := context.Background()
	s, l := setup(t, store.Options{})
	v := &outbox.Verifier{Store: s, Online: l, Timeout: time.Second}
	if _, _, err := v.Verify(ctx, outbox.Query{GTIN: gtin, Serial: "S00000"}); err != nil {
		t.Fatalf("online verify: %v", err)
	}
	l.SetDown(true)
	if _, online, err := v.Verify(ctx, outbox.Query{GTIN: gtin, Serial: "S00000"}); !errors.Is(err, store.ErrNoCopy) || !errors.Is(online, ledger.ErrUnavailable) {
		t.Fatalf("offline without a copy: %v (online %v), want ErrNoCopy", err, online)
	}
	l.SetDown(false)
	enq(t, s, 2500)
	e := outbox.New(outbox.Config{Store: s, Ledger: l})
	if _, err := e.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var calls, lastDone, lastTotal int
	stamp, err := outbox.Snapshot(ctx, s, l, func(done, total int) { calls++; lastDone, lastTotal = done, total })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 || lastDone != 2500 || lastTotal != 2500 || stamp.Block != 25 {
		t.Errorf("progress calls=%d %d/%d, stamp %v", calls, lastDone, lastTotal, stamp)
	}
	if p, _, err := s.CopySize(ctx); err != nil || p != 2500 {
		t.Errorf("copy has %d packs (%v)", p, err)
	}
	// Follow: a dispense and a recall reach the local copy with the checkpoint.
	fs := feedSignal{Feed: l, applied: make(chan uint64, 10)}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindDispense, GTIN: gtin, Serial: "S00007", Location: "4012345000009"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindRecall, GTIN: gtin, Batch: "B1", Note: "contamination"}); err != nil {
		t.Fatal(err)
	}
	e = outbox.New(outbox.Config{Store: s, Ledger: l, Feed: fs})
	go func() { done <- e.Run(runCtx) }()
	timeout := time.After(10 * time.Second)
	for cp := uint64(0); cp < 26; {
		select {
		case cp = <-fs.applied:
		case <-timeout:
			t.Fatal("the local copy did not follow the ledger")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}
	if cp, err := s.Checkpoint(ctx, outbox.Checkpoint); err != nil || cp != 26 {
		t.Errorf("checkpoint %d (%v), want 26", cp, err)
	}
	l.SetDown(true)
	ans, online, err := v.Verify(ctx, outbox.Query{GTIN: gtin, Serial: "S00007"})
	if err != nil || online == nil {
		t.Fatal(err, online)
	}
	// The trace core's rule, the ledger's too: a recall does not hide that
	// the pack was dispensed; both are said.
	if !ans.Offline || ans.Block != 26 || ans.AsOf.IsZero() || ans.Status != trace.PackDispensed || len(ans.Alerts) != 2 ||
		ans.Alerts[0].Code != trace.ReasonAlreadyDispensed || ans.Alerts[1].Code != trace.ReasonRecalledBatch {
		t.Errorf("offline answer %+v", ans)
	}
}
