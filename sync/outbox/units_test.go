package outbox

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// Units in the local copy: what a block's and a snapshot page's unit
// changes become, applied to a real store, and the verdicts the copy
// gives on a pallet's packs.

const (
	unitGTIN = "09506000134352"
	unitPal  = "340200000000000098" // GS1 check digits
	unitCase = "340200000000000012"
)

func TestUnitChangesInTheCopy(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []string{unitPal, unitCase} {
		if err := trace.CheckSSCC(c); err != nil {
			t.Fatal(err)
		}
	}
	pal := trace.UnitChange{SSCC: unitPal, Status: trace.PackActive, Location: "4012345000009", Children: []string{unitCase, unitGTIN + "/C"}}
	cas := trace.UnitChange{SSCC: unitCase, Status: trace.PackActive, Location: "4012345000009", Parent: unitPal,
		Children: []string{unitGTIN + "/A", unitGTIN + "/B", unitGTIN + "/D", unitGTIN + "/Z"}}
	packs := []trace.PackChange{
		{GTIN: unitGTIN, Serial: "A", Batch: "B1", Expiry: "2027-01-31", Status: trace.PackActive},
		{GTIN: unitGTIN, Serial: "B", Batch: "B2", Expiry: "2027-01-31", Status: trace.PackActive}, // recalled below
		{GTIN: unitGTIN, Serial: "C", Batch: "B3", Expiry: "2026-02-28", Status: trace.PackActive}, // expired by t0
		{GTIN: unitGTIN, Serial: "D", Batch: "B1", Expiry: "2027-01-31", Status: trace.PackDispensed},
	}
	recall := trace.Recall{GTIN: unitGTIN, Batch: "B2", Reason: "contamination", Time: t0}
	tests := []struct {
		name    string
		changes store.Changes
	}{
		{"from a block", blockChanges(trace.BlockEvents{Block: 7, Time: t0, Txs: []trace.TxEvents{
			{TxID: "t1", Packs: packs[:2], Units: []trace.UnitChange{cas}},
			{TxID: "t2", Packs: packs[2:], Units: []trace.UnitChange{pal}, Recalls: []trace.Recall{recall}},
		}})},
		{"from a snapshot page", pageChanges(ledger.Page{Packs: packs, Units: []trace.UnitChange{pal, cas}, Recalls: []trace.Recall{recall}}, 7, t0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.changes.Units) != 2 || tt.changes.Units[0].Block != 7 {
				t.Fatalf("units %+v", tt.changes.Units)
			}
			s, err := store.Open(ctx, filepath.Join(t.TempDir(), "data"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
			if _, err := s.ApplyChanges(ctx, tt.changes, store.Apply{Checkpoint: Checkpoint}); err != nil {
				t.Fatal(err)
			}
			lu, err := s.LookupUnit(ctx, unitPal)
			if err != nil {
				t.Fatal(err)
			}
			c := JudgeUnit(lu, t0)
			if !lu.Found || lu.Stamp.Block != 7 || c.Status != trace.PackActive || len(c.Units) != 1 || len(c.Packs) != 1 {
				t.Fatalf("pallet %+v", c)
			}
			want := map[string]trace.PackStatus{"A": trace.PackActive, "B": trace.PackRecalled, "C": trace.PackExpired,
				"D": trace.PackDispensed, "Z": trace.PackUnknown}
			got := map[string]trace.PackStatus{c.Packs[0].Serial: c.Packs[0].Status}
			for _, p := range c.Units[0].Packs {
				got[p.Serial] = p.Status
			}
			for serial, st := range want {
				if got[serial] != st {
					t.Errorf("pack %s: %s, want %s", serial, got[serial], st)
				}
			}
			if tally := c.Tally(); tally.Packs != 5 || tally.Active != 1 || c.Sound() {
				t.Errorf("tally %+v sound %v", tally, c.Sound())
			}
		})
	}
}
