package record

import (
	"slices"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// maxBatchPast bounds the withdrawn recalls and withdrawals a batch's
// record keeps for its packs' history (batchRec.Past): a withdrawal that
// would keep more is refused (too-large), a recall never is.
const maxBatchPast = 64

// brandOwnersOnly reports whether an event of kind k is only the brand
// owner's (its GTIN under the submitter's prefixes): a commission, a
// recall, and a recall's withdrawal unless the regulator withdraws it.
func (r *recorder) brandOwnersOnly(k Kind) bool {
	switch k {
	case KindCommission, KindRecall:
		return true
	case KindWithdrawRecall:
		return r.org.Role != RoleRegulator
	}
	return false
}

// batchRefusal says why a recall or a withdrawal (ev) may not be recorded
// for batch b (nil: never recalled), or nil when it may
// (trace.RecallRefusal, plus the bound on what b keeps).
func batchRefusal(b *batchRec, ev *Event) *rejection {
	recalled := b != nil && b.Recalled
	var since time.Time
	if recalled {
		since = b.Time
	}
	if a, refused := trace.RecallRefusal(ev.GTIN, ev.Batch, recalled, since, ev.Kind); refused {
		return refusal(a)
	}
	if ev.Kind == KindWithdrawRecall && len(b.Past)+2 > maxBatchPast {
		return reject(ReasonTooLarge, "batch %s of %s was recalled and its recall withdrawn %d times: no more withdrawals are kept", ev.Batch, ev.GTIN, len(b.Past)/2)
	}
	return nil
}

// recallStep records the recall of ev's batch, or its withdrawal. A
// withdrawal leaves the batch's packs what they were before the recall (a
// recall changes no pack record); the recall and its withdrawal stay in
// their history (batchRec.Past). Offline copies learn both from the
// emission (a withdrawal is a Recall marked Withdrawn).
func (r *recorder) recallStep(ev *Event) (*rejection, error) {
	b, err := r.ov.batch(ev.GTIN, ev.Batch)
	if err != nil {
		return nil, err
	}
	if rej := batchRefusal(b, ev); rej != nil {
		return rej, nil
	}
	nb := &batchRec{GTIN: ev.GTIN, Batch: ev.Batch, Recalled: ev.Kind == KindRecall, Event: ev.ID, Time: ev.Time, By: r.tx.MSP,
		Note: ev.Note, TxTime: r.tx.Time}
	switch {
	case !nb.Recalled: // batchRefusal: b is recalled
		nb.Past = append(slices.Clone(b.Past), b.Event, ev.ID)
	case b != nil:
		nb.Past = b.Past // the recalls withdrawn before, and their withdrawals
	}
	r.ov.putBatch(nb)
	r.recalls = append(r.recalls, Recall{GTIN: ev.GTIN, Batch: ev.Batch, EventID: ev.ID, Time: ev.Time, Reason: ev.Note, Withdrawn: !nb.Recalled})
	return nil, nil
}

// historyEntries are the batch's recall events its packs' history shows:
// the withdrawn recalls and their withdrawals, then the recall in force.
func (b *batchRec) historyEntries() []logEntry {
	if b == nil {
		return nil
	}
	out := make([]logEntry, 0, len(b.Past)+1)
	for _, id := range b.Past {
		out = append(out, logEntry{ID: id})
	}
	if b.Recalled {
		out = append(out, logEntry{ID: b.Event})
	}
	return out
}
