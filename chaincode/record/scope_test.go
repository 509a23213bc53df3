package record

import (
	"errors"
	"testing"
)

// TestReadScope: verifying one pack is open to every member; a pack's
// history and an SSCC's contents only to the regulator, the brand owner
// (packs) and those who hold, held or are to receive them.
func TestReadScope(t *testing.T) {
	w := newWorld(t)
	w.stock("S1", "S2", "S3", "S4")
	w.toPhar("S1")                              // held by the distributor, now the pharmacy's
	w.ok(mspMan, w.ship(glnMan, "S3", glnDist)) // in transit to the distributor
	w.toDist("S4")
	w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S4")))
	type read struct {
		what string
		f    func(st State, tx Tx) error
	}
	history := func(serial string) read {
		return read{"history of " + serial, func(st State, tx Tx) error { _, err := History(st, tx, gtinA, serial); return err }}
	}
	verify := func(serial string) read {
		return read{"verify " + serial, func(st State, tx Tx) error { _, err := Verify(st, tx, gtinA, serial, "", ""); return err }}
	}
	contents := read{"contents of the case", func(st State, tx Tx) error { _, err := UnitContents(st, tx, ssccCase); return err }}
	tests := []struct {
		msp  string
		read read
		ok   bool
	}{
		{mspReg, history("S1"), true}, {mspReg, history("S2"), true}, {mspReg, contents, true},
		{mspMan, history("S1"), true}, {mspMan, history("S2"), true}, {mspMan, contents, false},
		{mspMan2, history("S1"), false}, {mspMan2, history("S2"), false},
		{mspDist, history("S1"), true}, {mspDist, history("S2"), false}, {mspDist, history("S3"), true}, {mspDist, contents, true},
		{mspPhar, history("S1"), true}, {mspPhar, history("S2"), false}, {mspPhar, history("S3"), false}, {mspPhar, contents, false},
		{mspPhar2, history("S1"), false}, {mspPhar2, contents, false},
		{mspPhar2, verify("S1"), true}, {mspPhar, verify("S2"), true}, {mspMan2, verify("S3"), true},
	}
	for _, tt := range tests {
		t.Run(tt.msp+" "+tt.read.what, func(t *testing.T) {
			st, tx := w.tx(tt.msp)
			err := tt.read.f(st, tx)
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrAccessDenied) {
				t.Fatalf("err = %v, want ErrAccessDenied", err)
			}
		})
	}
	t.Run("the consignee reads the contents of what comes to it", func(t *testing.T) {
		w.ok(mspDist, Event{ID: w.id(), Kind: KindShip, Time: w.now, Location: glnDist, SSCC: ssccCase, Counterparty: glnPhar})
		st, tx := w.tx(mspPhar)
		if _, err := UnitContents(st, tx, ssccCase); err != nil {
			t.Fatal(err)
		}
	})
}
