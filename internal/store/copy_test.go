package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

func TestLocalCopy(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	if _, err := s.LookupPack(ctx, "1", "2", ""); !errors.Is(err, ErrNoCopy) {
		t.Fatalf("empty copy: %v, want ErrNoCopy", err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	applied, err := s.ApplyChanges(ctx, Changes{Block: 10, Time: t0,
		Packs: []PackCopy{
			{GTIN: "09506000134352", Serial: "A", Status: trace.PackActive, Batch: "B1", Expiry: "2027-01-31", LastEvent: "e1", LastKind: trace.KindReceive, LastTime: t0, Block: 9},
			{GTIN: "09506000134352", Serial: "B", Status: trace.PackDispensed, Batch: "B2", Block: 10},
		},
		Recalls: []RecallCopy{{GTIN: "09506000134352", Batch: "B2", Reason: "contamination", Block: 10, Time: t0}},
	}, Apply{Checkpoint: "events"})
	if err != nil || !applied {
		t.Fatalf("apply: %v %v", applied, err)
	}
	// The same block again is skipped; an older state never overwrites a newer one.
	if applied, err := s.ApplyChanges(ctx, Changes{Block: 10, Packs: []PackCopy{{GTIN: "09506000134352", Serial: "A", Status: trace.PackStolen, Block: 10}}}, Apply{Checkpoint: "events"}); err != nil || applied {
		t.Fatalf("replayed block applied=%v err=%v", applied, err)
	}
	if _, err := s.ApplyChanges(ctx, Changes{Block: 11, Time: t0.Add(time.Minute), Packs: []PackCopy{{GTIN: "09506000134352", Serial: "B", Status: trace.PackActive, Block: 3}}}, Apply{Checkpoint: "events"}); err != nil {
		t.Fatal(err)
	}
	if cp, _ := s.Checkpoint(ctx, "events"); cp != 11 {
		t.Errorf("checkpoint %d, want 11", cp)
	}
	cases := []struct {
		name, gtin, serial, batch string
		found                     bool
		status                    trace.PackStatus
		recall                    string
	}{
		{"active pack", "09506000134352", "A", "", true, trace.PackActive, ""},
		{"dispensed pack of a recalled batch", "09506000134352", "B", "", true, trace.PackDispensed, "B2"},
		{"unknown pack", "09506000134352", "Z", "", false, "", ""},
		{"unknown pack printed with a recalled batch", "09506000134352", "Z", "B2", false, "", "B2"},
		{"other gtin", "04012345000009", "A", "", false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lp, err := s.LookupPack(ctx, c.gtin, c.serial, c.batch)
			if err != nil {
				t.Fatal(err)
			}
			if lp.Found != c.found || lp.Pack.Status != c.status {
				t.Errorf("found=%v status=%q, want %v %q", lp.Found, lp.Pack.Status, c.found, c.status)
			}
			got := ""
			if lp.Recall != nil {
				got = lp.Recall.Batch
			}
			if got != c.recall {
				t.Errorf("recall %q, want %q", got, c.recall)
			}
			if lp.Stamp.Block != 11 || !lp.Stamp.AsOf.Equal(t0.Add(time.Minute)) {
				t.Errorf("stamp %v", lp.Stamp)
			}
		})
	}
	// A partial snapshot page writes rows but moves neither stamp nor checkpoint.
	if _, err := s.ApplyChanges(ctx, Changes{Block: 50, Time: t0.Add(time.Hour), Packs: []PackCopy{{GTIN: "09506000134352", Serial: "C", Status: trace.PackActive, Block: 50}}}, Apply{Checkpoint: "events", Partial: true}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stamp(ctx); st.Block != 11 {
		t.Errorf("partial page moved the stamp to %d", st.Block)
	}
	if p, r, _ := s.CopySize(ctx); p != 3 || r != 1 {
		t.Errorf("size %d packs %d recalls", p, r)
	}
	if err := s.ClearCopy(ctx, "events"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stamp(ctx); !errors.Is(err, ErrNoCopy) {
		t.Errorf("after clear: %v", err)
	}
}

// TestRecallWithdrawn: a withdrawal forgets the batch's recall made at or
// before its block; a batch recalled again after it keeps its new recall.
func TestRecallWithdrawn(t *testing.T) {
	const g = "09506000134352"
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	rec := func(batch string, block uint64, withdrawn bool) RecallCopy {
		return RecallCopy{GTIN: g, Batch: batch, Reason: "r", Block: block, Time: t0, Withdrawn: withdrawn}
	}
	tests := []struct {
		name    string
		changes []Changes
		want    []string // the batches still recalled
	}{
		{"withdrawn in a later block", []Changes{{Block: 10, Recalls: []RecallCopy{rec("B1", 10, false), rec("B2", 10, false)}},
			{Block: 11, Recalls: []RecallCopy{rec("B1", 11, true)}}}, []string{"B2"}},
		{"recalled and withdrawn in one block", []Changes{{Block: 10, Recalls: []RecallCopy{rec("B1", 10, false), rec("B1", 10, true)}}}, nil},
		{"recalled again after the withdrawal", []Changes{{Block: 10, Recalls: []RecallCopy{rec("B1", 10, false)}},
			{Block: 11, Recalls: []RecallCopy{rec("B1", 11, true), rec("B1", 11, false)}}}, []string{"B1"}},
		{"a replayed older withdrawal keeps a newer recall", []Changes{{Block: 12, Recalls: []RecallCopy{rec("B1", 12, false)}},
			{Block: 11, Recalls: []RecallCopy{rec("B1", 11, true)}}}, []string{"B1"}},
		{"withdrawal of a recall the copy never had", []Changes{{Block: 10, Recalls: []RecallCopy{rec("B1", 10, true)}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, Options{})
			ctx := context.Background()
			for _, c := range tc.changes {
				if _, err := s.ApplyChanges(ctx, c, Apply{Checkpoint: "events", Partial: true}); err != nil {
					t.Fatal(err)
				}
			}
			rs, err := s.Recalls(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.Batch)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Fatalf("recalled %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMigrationMarksCopyStale: a copy from before the units table (schema
// 8) loses its stamp and checkpoint on opening, so it is followed again
// from the first block; its rows stay.
func TestMigrationMarksCopyStale(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old, err := open(ctx, dir, Options{}, 8)
	must(t, err)
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, err := old.ApplyChanges(ctx, Changes{Block: 40, Time: t0,
		Packs: []PackCopy{{GTIN: "09506000134352", Serial: "A", Status: trace.PackActive, Block: 40}}}, Apply{Checkpoint: "events"}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, old)
	s, err := Open(ctx, dir, Options{})
	must(t, err)
	defer mustClose(t, s)
	if _, err := s.Stamp(ctx); !errors.Is(err, ErrNoCopy) {
		t.Fatalf("stamp after migration: %v, want ErrNoCopy", err)
	}
	if cp, err := s.Checkpoint(ctx, "events"); err != nil || cp != 0 {
		t.Fatalf("checkpoint %d %v, want 0", cp, err)
	}
	if p, _, err := s.CopySize(ctx); err != nil || p != 1 {
		t.Fatalf("rows after migration: %d %v", p, err)
	}
	// Following again from block 1 stamps it, and an older state of the
	// pack does not replace the newer row.
	if _, err := s.ApplyChanges(ctx, Changes{Block: 1, Time: t0, Packs: []PackCopy{{GTIN: "09506000134352", Serial: "A", Status: trace.PackInTransit, Block: 1}}}, Apply{Checkpoint: "events"}); err != nil {
		t.Fatal(err)
	}
	lp, err := s.LookupPack(ctx, "09506000134352", "A", "")
	if err != nil || lp.Stamp.Block != 1 || lp.Pack.Status != trace.PackActive {
		t.Fatalf("after block 1: %+v %v", lp, err)
	}
}

// TestDropRecallsBefore: after a snapshot, a recall it did not list (one
// withdrawn meanwhile) is forgotten; one it listed stays.
func TestDropRecallsBefore(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	const g = "09506000134352"
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, err := s.ApplyChanges(ctx, Changes{Block: 10, Time: t0, Recalls: []RecallCopy{{GTIN: g, Batch: "B1", Block: 10}, {GTIN: g, Batch: "B2", Block: 10}}},
		Apply{Checkpoint: "events"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyChanges(ctx, Changes{Block: 20, Time: t0, Recalls: []RecallCopy{{GTIN: g, Batch: "B2", Block: 20}}},
		Apply{Checkpoint: "events", Partial: true}); err != nil {
		t.Fatal(err)
	}
	n, err := s.DropRecallsBefore(ctx, 20)
	if err != nil || n != 1 {
		t.Fatalf("dropped %d: %v, want 1", n, err)
	}
	lp1, err1 := s.LookupPack(ctx, g, "X", "B1")
	lp2, err2 := s.LookupPack(ctx, g, "X", "B2")
	if err1 != nil || err2 != nil || lp1.Recall != nil || lp2.Recall == nil {
		t.Fatalf("B1 recall %+v (%v), B2 recall %+v (%v): want B1 forgotten, B2 kept", lp1.Recall, err1, lp2.Recall, err2)
	}
}
