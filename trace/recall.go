package trace

import "time"

// RecallRefusal says why a recall or a recall's withdrawal (kind k) of
// batch of gtin may not be recorded, the batch being recalled (since the
// recall's date) or not; refused is false when it may. A batch is recalled
// once until the recall is withdrawn; only a recalled batch's recall is
// withdrawn. A withdrawal makes the batch's packs what they were before the
// recall; the recall and its withdrawal stay in the packs' history.
// testdata/recalls.tsv is the table, which the chaincode's tests run on
// its recorder too.
func RecallRefusal(gtin, batch string, recalled bool, since time.Time, k Kind) (a Alert, refused bool) {
	switch {
	case k == KindRecall && recalled:
		return Alertf(ReasonAlreadyRecalled, "batch %s of %s was already recalled on %s", batch, gtin, since.UTC().Format(time.DateOnly)), true
	case k == KindWithdrawRecall && !recalled:
		return Alertf(ReasonNotRecalled, "batch %s of %s is not recalled: there is no recall to withdraw", batch, gtin), true
	case k != KindRecall && k != KindWithdrawRecall:
		return Alertf(ReasonBadEvent, "a %s is not about a batch's recall", k), true
	}
	return Alert{}, false
}
