package outbox

import (
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

// JudgeUnit turns what the local copy knows about a case or pallet into
// its contents as the ledger's contents query gives them: each pack's
// status by the trace core's verdict rule (trace.Judge, as the chaincode
// judges them), on the copy, with its batch's recall and its expiry as of
// now. A pack the copy lacks stays unknown; so does a unit.
func JudgeUnit(lu store.LocalUnit, now time.Time) trace.Contents {
	recalls := make(map[[2]string]*trace.Recall, len(lu.Recalls))
	for _, r := range lu.Recalls {
		recalls[[2]string{r.GTIN, r.Batch}] = &trace.Recall{GTIN: r.GTIN, Batch: r.Batch, Time: r.Time, Reason: r.Reason}
	}
	var judge func(c trace.Contents) trace.Contents
	judge = func(c trace.Contents) trace.Contents {
		out := c
		out.Packs = make([]trace.PackRef, len(c.Packs))
		for i, p := range c.Packs {
			if p.Status != trace.PackUnknown {
				facts := trace.PackFacts{GTIN: p.GTIN, Serial: p.Serial, Batch: p.Batch, Expiry: p.Expiry, Status: p.Status}
				p.Status, _ = trace.Judge(&facts, recalls[[2]string{p.GTIN, p.Batch}], trace.Scan{GTIN: p.GTIN, Serial: p.Serial}, now)
			}
			out.Packs[i] = p
		}
		if len(c.Packs) == 0 {
			out.Packs = nil
		}
		if len(c.Units) > 0 {
			out.Units = make([]trace.Contents, len(c.Units))
			for i, u := range c.Units {
				out.Units[i] = judge(u)
			}
		}
		return out
	}
	return judge(lu.Contents)
}
