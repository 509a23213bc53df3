package ledger_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/trace"
)

// TestWithdrawRecallOnTheNetwork: on the real peer, a pharmacy may not
// withdraw a recall; the regulator withdraws the manufacturer's; the
// batch's pack verifies active again; the blocks tell offline copies the
// recall and then its withdrawal (trace.Recall.Withdrawn).
func TestWithdrawRecallOnTheNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the local Fabric network: not in -short mode")
	}
	_, p, c := networktest.ClientsForTest(t)
	ctx := ctxT(t)
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	run := strings.ToUpper(hex.EncodeToString(b))
	prefix := p.CompanyPrefixes["manufacturer"][0]
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 783))
	batch := "W" + run
	now := time.Now().UTC()
	com := trace.Event{Kind: trace.KindCommission, Time: now, Location: p.GLNs["manufacturer"], GTIN: gtin, Serial: "S" + run,
		Batch: batch, Expiry: "2030-01-31"}.WithContentID()
	rec := trace.Event{Kind: trace.KindRecall, Time: now, GTIN: gtin, Batch: batch, Note: "sterility in doubt"}.WithContentID()
	// The pharmacy's attempt is kept refused under its ID: the regulator's
	// is another event.
	try := trace.Event{Kind: trace.KindWithdrawRecall, Time: now, GTIN: gtin, Batch: batch, Note: "we think it is fine"}.WithContentID()
	wd := trace.Event{Kind: trace.KindWithdrawRecall, Time: now, GTIN: gtin, Batch: batch, Note: "tests passed"}.WithContentID()
	h, err := c["regulator"].Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		role, want string
		ev         trace.Event
	}{
		{"manufacturer", "ok", com},
		{"manufacturer", "ok", rec},
		{"pharmacy", trace.ReasonNotAuthorized, try},
		{"regulator", "ok", wd},
	} {
		res, err := c[step.role].Submit(ctx, []trace.Event{step.ev})
		if err != nil {
			t.Fatalf("%s as %s: %v", step.ev.Kind, step.role, err)
		}
		got := "ok"
		if r := res.Results[0]; r.Status != trace.StatusAccepted {
			got = r.Reason
		}
		if got != step.want {
			t.Fatalf("%s as %s: %s (%+v), want %s", step.ev.Kind, step.role, got, res.Results[0], step.want)
		}
	}
	v, err := c["pharmacy"].Verify(ctx, gtin, com.Serial, "", "")
	if err != nil || v.Status != trace.PackActive || len(v.Alerts) != 0 {
		t.Fatalf("after the withdrawal: %+v %v, want active", v, err)
	}
	ch, err := c["regulator"].Changes(ctx, h) // the blocks (a pharmacy reads its events, not blocks)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range ch.Recalls {
		if r.GTIN == gtin && r.Batch == batch {
			seen = append(seen, fmt.Sprintf("%s/%v", r.EventID, r.Withdrawn))
		}
	}
	if want := []string{rec.ID + "/false", wd.ID + "/true"}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("the blocks' recalls of the batch %v, want %v", seen, want)
	}
}
