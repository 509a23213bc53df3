package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// sscc completes a 17-digit body with its GS1 check digit.
func sscc(body string) string {
	for d := '0'; d <= '9'; d++ {
		if s := body + string(d); trace.CheckDigitOK(s) {
			return s
		}
	}
	panic("no check digit for " + body)
}

// unitWorld is a copy as of block 12 with a pallet of two cases (one
// holding a pack of a recalled batch and a pack the copy lacks) and a
// pack packed on the pallet directly.
func unitWorld(t *testing.T) (*Store, string, string, string) {
	t.Helper()
	s := openTest(t, Options{})
	ctx := context.Background()
	pal, c1, c2 := sscc("34020000000000009"), sscc("34020000000000001"), sscc("34020000000000002")
	g := "09506000134352"
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	_, err := s.ApplyChanges(ctx, Changes{Block: 12, Time: t0,
		Packs: []PackCopy{
			{GTIN: g, Serial: "A", Status: trace.PackActive, Batch: "B1", Expiry: "2027-01-31", Block: 9},
			{GTIN: g, Serial: "B", Status: trace.PackActive, Batch: "B2", Expiry: "2027-01-31", Block: 9},
			{GTIN: g, Serial: "C", Status: trace.PackActive, Batch: "B1", Expiry: "2027-01-31", Block: 9},
		},
		Units: []UnitCopy{
			{SSCC: pal, Status: trace.PackInTransit, Location: "4012345000009", Children: []string{c1, c2, g + "/C"}, Block: 11},
			{SSCC: c1, Status: trace.PackInTransit, Location: "4012345000009", Parent: pal, Children: []string{g + "/A", g + "/B"}, Block: 11},
			{SSCC: c2, Status: trace.PackInTransit, Location: "4012345000009", Parent: pal, Children: []string{g + "/Z"}, Block: 11},
		},
		Recalls: []RecallCopy{{GTIN: g, Batch: "B2", Reason: "contamination", Block: 12, Time: t0}},
	}, Apply{Checkpoint: "events"})
	if err != nil {
		t.Fatal(err)
	}
	return s, pal, c1, c2
}

func TestLookupUnit(t *testing.T) {
	ctx := context.Background()
	t.Run("no copy", func(t *testing.T) {
		s := openTest(t, Options{})
		if _, err := s.LookupUnit(ctx, sscc("34020000000000009")); !errors.Is(err, ErrNoCopy) {
			t.Fatalf("err %v, want ErrNoCopy", err)
		}
	})
	t.Run("pallet tree", func(t *testing.T) {
		s, pal, c1, c2 := unitWorld(t)
		lu, err := s.LookupUnit(ctx, pal)
		if err != nil {
			t.Fatal(err)
		}
		c := lu.Contents
		if !lu.Found || lu.Stamp.Block != 12 || c.SSCC != pal || c.Status != trace.PackInTransit || c.Location != "4012345000009" {
			t.Fatalf("unit %+v", lu)
		}
		if len(c.Units) != 2 || c.Units[0].SSCC != c1 || c.Units[1].SSCC != c2 || len(c.Packs) != 1 || c.Packs[0].Serial != "C" {
			t.Fatalf("children %+v", c)
		}
		a, b := c.Units[0].Packs[0], c.Units[0].Packs[1]
		if a.Status != trace.PackActive || a.Batch != "B1" || b.Batch != "B2" {
			t.Fatalf("case 1 packs %+v", c.Units[0].Packs)
		}
		if z := c.Units[1].Packs[0]; z.Serial != "Z" || z.Status != trace.PackUnknown {
			t.Fatalf("a pack the copy lacks: %+v", z)
		}
		if lu.Nodes != 6 || len(lu.Recalls) != 1 || lu.Recalls[0].Batch != "B2" || lu.Recalls[0].Reason != "contamination" {
			t.Fatalf("nodes %d recalls %+v", lu.Nodes, lu.Recalls)
		}
	})
	t.Run("unknown unit", func(t *testing.T) {
		s, _, _, _ := unitWorld(t)
		lu, err := s.LookupUnit(ctx, sscc("34020000000000007"))
		if err != nil || lu.Found || lu.Contents.Status != trace.PackUnknown || lu.Stamp.Block != 12 {
			t.Fatalf("%+v %v", lu, err)
		}
	})
	t.Run("newer state wins", func(t *testing.T) {
		s, pal, c1, _ := unitWorld(t)
		// Block 13 unpacks case 1 from the pallet; a stale record of block 5 changes nothing.
		_, err := s.ApplyChanges(ctx, Changes{Block: 13, Units: []UnitCopy{
			{SSCC: pal, Status: trace.PackInTransit, Children: []string{sscc("34020000000000002")}, Block: 13},
			{SSCC: c1, Status: trace.PackDestroyed, Block: 5},
		}}, Apply{Checkpoint: "events"})
		if err != nil {
			t.Fatal(err)
		}
		lu, err := s.LookupUnit(ctx, pal)
		if err != nil || len(lu.Contents.Units) != 1 || len(lu.Contents.Packs) != 0 || lu.Stamp.Block != 13 {
			t.Fatalf("%+v %v", lu, err)
		}
		if lu, _ := s.LookupUnit(ctx, c1); lu.Contents.Status != trace.PackInTransit {
			t.Fatalf("a stale record replaced a newer one: %+v", lu.Contents)
		}
	})
	t.Run("cleared with the copy", func(t *testing.T) {
		s, pal, _, _ := unitWorld(t)
		if err := s.ClearCopy(ctx, "events"); err != nil {
			t.Fatal(err)
		}
		must(t, applyEmpty(s))
		if lu, err := s.LookupUnit(ctx, pal); err != nil || lu.Found {
			t.Fatalf("after clearing: %+v %v", lu, err)
		}
	})
}

// applyEmpty stamps an empty copy at block 1.
func applyEmpty(s *Store) error {
	_, err := s.ApplyChanges(context.Background(), Changes{Block: 1}, Apply{Checkpoint: "events"})
	return err
}

func TestLookupUnitBounded(t *testing.T) {
	ctx := context.Background()
	g := "09506000134352"
	t.Run("too many children", func(t *testing.T) {
		s := openTest(t, Options{})
		ch := make([]string, trace.MaxChildren+1)
		for i := range ch {
			ch[i] = fmt.Sprintf("%s/S%d", g, i)
		}
		_, err := s.ApplyChanges(ctx, Changes{Block: 2, Units: []UnitCopy{{SSCC: sscc("34020000000000009"), Status: trace.PackActive, Children: ch, Block: 2}}}, Apply{Checkpoint: "events"})
		if !errors.Is(err, ErrUnitTooLarge) {
			t.Fatalf("err %v, want ErrUnitTooLarge", err)
		}
	})
	t.Run("too many in all", func(t *testing.T) {
		// Two cases of MaxChildren/2+1 packs each on one pallet.
		s := openTest(t, Options{})
		pal, c1, c2 := sscc("34020000000000009"), sscc("34020000000000001"), sscc("34020000000000002")
		half := make([]string, trace.MaxChildren/2)
		for i := range half {
			half[i] = fmt.Sprintf("%s/S%d", g, i)
		}
		_, err := s.ApplyChanges(ctx, Changes{Block: 2, Units: []UnitCopy{
			{SSCC: pal, Status: trace.PackActive, Children: []string{c1, c2}, Block: 2},
			{SSCC: c1, Status: trace.PackActive, Children: half, Block: 2},
			{SSCC: c2, Status: trace.PackActive, Children: half, Block: 2},
		}}, Apply{Checkpoint: "events"})
		must(t, err)
		if _, err := s.LookupUnit(ctx, pal); !errors.Is(err, ErrUnitTooLarge) {
			t.Fatalf("err %v, want ErrUnitTooLarge", err)
		}
		if lu, err := s.LookupUnit(ctx, c1); err != nil || lu.Nodes != trace.MaxChildren/2 {
			t.Fatalf("one case: %d nodes, %v", lu.Nodes, err)
		}
	})
	t.Run("too deep", func(t *testing.T) {
		s := openTest(t, Options{})
		var units []UnitCopy
		for i := 0; i <= MaxUnitDepth+1; i++ {
			units = append(units, UnitCopy{SSCC: sscc(fmt.Sprintf("3402000000000%04d", i)), Status: trace.PackActive,
				Children: []string{sscc(fmt.Sprintf("3402000000000%04d", i+1))}, Block: 2})
		}
		_, err := s.ApplyChanges(ctx, Changes{Block: 2, Units: units}, Apply{Checkpoint: "events"})
		must(t, err)
		if _, err := s.LookupUnit(ctx, units[0].SSCC); !errors.Is(err, ErrUnitTooLarge) {
			t.Fatalf("err %v, want ErrUnitTooLarge", err)
		}
		if lu, err := s.LookupUnit(ctx, units[3].SSCC); err != nil || !lu.Found {
			t.Fatalf("a shallower unit: %+v %v", lu, err)
		}
	})
	t.Run("a cycle ends", func(t *testing.T) {
		s := openTest(t, Options{})
		a, b := sscc("34020000000000001"), sscc("34020000000000002")
		_, err := s.ApplyChanges(ctx, Changes{Block: 2, Units: []UnitCopy{
			{SSCC: a, Status: trace.PackActive, Children: []string{b}, Block: 2},
			{SSCC: b, Status: trace.PackActive, Children: []string{a}, Block: 2},
		}}, Apply{Checkpoint: "events"})
		must(t, err)
		lu, err := s.LookupUnit(ctx, a)
		if err != nil || len(lu.Contents.Units) != 1 || len(lu.Contents.Units[0].Units) != 0 {
			t.Fatalf("%+v %v", lu, err)
		}
	})
	t.Run("a bad SSCC is refused", func(t *testing.T) {
		s := openTest(t, Options{})
		_, err := s.ApplyChanges(ctx, Changes{Block: 2, Units: []UnitCopy{{SSCC: "340200000000000000", Block: 2}}}, Apply{Checkpoint: "events"})
		if err == nil {
			t.Fatal("a unit with a bad check digit was stored")
		}
	})
}

// BenchmarkLookupUnit rebuilds a pallet of 20 cases of 500 packs each
// (10,000 packs, half the bound) from the copy: what an inspector waits for
// when scanning a full pallet offline.
func BenchmarkLookupUnit(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	}()
	g := "09506000134352"
	pal := sscc("34020000000009999")
	c := Changes{Block: 2, Units: []UnitCopy{{SSCC: pal, Status: trace.PackActive, Block: 2}}}
	for i := range 20 {
		cs := sscc(fmt.Sprintf("340200000000%05d", i))
		c.Units[0].Children = append(c.Units[0].Children, cs)
		u := UnitCopy{SSCC: cs, Status: trace.PackActive, Parent: pal, Block: 2}
		for j := range 500 {
			serial := fmt.Sprintf("S%02d%03d", i, j)
			u.Children = append(u.Children, g+"/"+serial)
			c.Packs = append(c.Packs, PackCopy{GTIN: g, Serial: serial, Status: trace.PackActive, Batch: fmt.Sprintf("B%d", i), Expiry: "2030-01-31", Block: 2})
		}
		c.Units = append(c.Units, u)
	}
	if _, err := s.ApplyChanges(ctx, c, Apply{Checkpoint: "events"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		lu, err := s.LookupUnit(ctx, pal)
		if err != nil || lu.Nodes != 20+20*500 {
			b.Fatalf("%d nodes, %v", lu.Nodes, err)
		}
	}
}
