package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/sync/outbox/fakeledger"
	"github.com/medtrace/medtrace/trace"
)

// contractLedger is what the sync engine and the verifier need of a
// ledger: the fake and the real network's client both serve it.
type contractLedger interface {
	outbox.Ledger
	outbox.OnlineVerifier
}

// TestLedgerContract runs the same cases over the fake ledger and the real
// network, so the fake cannot agree with something the ledger refuses.
func TestLedgerContract(t *testing.T) {
	t.Run("fake", func(t *testing.T) {
		l, err := fakeledger.Open(context.Background(), filepath.Join(t.TempDir(), "fake.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close() }) // a test's file
		ledgerContract(t, l, "09506000134352", "4012345000009", "F")
	})
	t.Run("network", func(t *testing.T) {
		e := netSetup(t)
		ledgerContract(t, outbox.NewClient(e.c["manufacturer"]), e.gtin, e.p.GLNs["manufacturer"], "N"+e.run)
	})
}

func ledgerContract(t *testing.T, l contractLedger, gtin, gln, run string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	submit := func(t *testing.T, evs ...trace.Event) (string, trace.BatchResult) {
		t.Helper()
		p, err := l.Prepare(ctx, evs)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Submit(ctx)
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		return p.TxID(), res
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	commission := trace.Event{Kind: trace.KindCommission, Time: now, Location: gln, GTIN: gtin,
		Serial: "C" + run + fmt.Sprint(now.UnixNano()%1e6), Batch: "CB1", Expiry: "2031-06-30"}.WithContentID()
	var first string
	t.Run("a new event is accepted, its transaction found", func(t *testing.T) {
		txID, res := submit(t, commission)
		if len(res.Results) != 1 || res.Results[0].Status != trace.StatusAccepted || res.Results[0].EventID != commission.ID || res.Results[0].TxID != txID {
			t.Fatalf("results %+v", res.Results)
		}
		first = txID
		got, err := l.CommitStatus(ctx, txID, []trace.Event{commission})
		if err != nil {
			t.Fatal(err)
		}
		if got.Block == 0 || len(got.Results) != 1 || got.Results[0].Status != trace.StatusAccepted || got.Results[0].EventID != commission.ID {
			t.Fatalf("commit status %+v", got)
		}
	})
	t.Run("the same event again is a duplicate naming the first transaction", func(t *testing.T) {
		_, res := submit(t, commission)
		if len(res.Results) != 1 || res.Results[0].Status != trace.StatusDuplicate || res.Results[0].TxID != first {
			t.Fatalf("results %+v, want duplicate of %s", res.Results, first)
		}
	})
	t.Run("an event the ledger refuses for its form is rejected with its reason", func(t *testing.T) {
		bad := trace.Event{Kind: trace.KindPack, Time: now, Location: gln, SSCC: "340123450000000017",
			Children: []string{"(01)" + gtin + "(21)" + commission.Serial}}.WithContentID()
		_, res := submit(t, bad)
		if len(res.Results) != 1 || res.Results[0].Status != trace.StatusRejected || res.Results[0].Reason != trace.ReasonBadEvent || res.Results[0].Message == "" {
			t.Fatalf("results %+v, want rejected bad-event", res.Results)
		}
	})
	t.Run("a transaction never sent is not found, even with events another recorded", func(t *testing.T) {
		_, err := l.CommitStatus(ctx, uuid.NewString(), []trace.Event{commission})
		if !errors.Is(err, outbox.ErrTxNotFound) {
			t.Fatalf("err %v, want ErrTxNotFound", err)
		}
	})
	t.Run("verify answers from what was recorded", func(t *testing.T) {
		v, err := l.Verify(ctx, gtin, commission.Serial, "CB1", "2031-06-30")
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != trace.PackActive || v.Batch != "CB1" || v.Expiry != "2031-06-30" || len(v.Alerts) != 0 {
			t.Fatalf("verification %+v", v)
		}
		v, err = l.Verify(ctx, gtin, commission.Serial+"X", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != trace.PackUnknown || len(v.Alerts) == 0 || v.Alerts[0].Code != trace.ReasonUnknownPack {
			t.Fatalf("unknown pack: %+v", v)
		}
	})
}
