package ledger_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// TestUnitsOnTheNetwork: a case the distributor packs reaches offline
// copies as a unit record, from the block's write set (Events, Changes)
// and from the snapshot of those whose read scope takes it in (its
// holder's, the regulator's; not a pharmacy's).
func TestUnitsOnTheNetwork(t *testing.T) {
	e := setup(t)
	ctx := ctxT(t)
	gtin := e.gtin(106)
	h, err := e.c["regulator"].Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := e.stock(t, gtin, "L1", "2030-01-31", 2)
	e.bring(t, gtin, "dist", s...)
	box := e.sscc()
	kids := []string{trace.PackKey(gtin, s[0]), trace.PackKey(gtin, s[1])}
	packed := e.ok(t, "distributor", trace.Event{ID: e.id(), Kind: trace.KindPack, Time: time.Now().Add(-time.Second),
		Location: e.glns["distributor"], SSCC: box, Children: kids})
	boxOK := func(u trace.UnitChange) bool {
		return u.SSCC == box && u.Status == trace.PackActive && slices.Equal(u.Children, kids) &&
			u.Holder != nil && u.Holder.MSP == e.p.Identities["distributor"].MSPID && u.Holder.GLN == e.glns["distributor"]
	}
	t.Run("from the block", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		ch, err := e.c["regulator"].Events(ctx, packed.Block) // blocks are the regulator's
		if err != nil {
			t.Fatal(err)
		}
		be, ok := <-ch
		if !ok || be.Block != packed.Block {
			t.Fatalf("block %d: got %+v", packed.Block, be)
		}
		i := slices.IndexFunc(be.Txs, func(tx trace.TxEvents) bool { return tx.TxID == packed.TxID })
		if i < 0 || len(be.Txs[i].Units) != 1 || !boxOK(be.Txs[i].Units[0]) {
			t.Fatalf("the pack transaction's units: %+v", be.Txs)
		}
	})
	t.Run("in the changes since a block", func(t *testing.T) {
		c, err := e.c["regulator"].Changes(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(c.Units, boxOK) {
			t.Fatalf("changes since block %d: units %+v", h, c.Units)
		}
	})
	t.Run("in the snapshots of its read scope", func(t *testing.T) {
		for _, tc := range []struct {
			role string
			want bool
		}{{"distributor", true}, {"regulator", true}, {"pharmacy", false}} {
			t.Run(tc.role, func(t *testing.T) {
				got := false
				_, err := e.c[tc.role].Snapshot(ctx, 1000, func(p ledger.Page) error {
					got = got || slices.ContainsFunc(p.Units, boxOK)
					return nil
				})
				if err != nil || got != tc.want {
					t.Fatalf("the case in the snapshot: %v, want %v (%v)", got, tc.want, err)
				}
			})
		}
	})
}
