package trace

import "time"

// Expired reports whether a pack expiring on expiry (YYYY-MM-DD) is expired
// at t. The one rule, everywhere (on the ledger, offline, on screen): a pack
// is usable through its expiry date, and that date ends at 24:00 UTC. A
// ledger shared across time zones needs one clock; UTC is the ledger's.
// GS1's day 00 (end of month) is resolved when the code is read.
func Expired(expiry string, t time.Time) bool {
	return expiry != "" && t.UTC().Format(time.DateOnly) > expiry
}

// Scan is a pack as read from its code: what a verification asks about.
type Scan struct {
	GTIN, Serial string
	Batch        string // as printed, "" if not read
	Expiry       string // YYYY-MM-DD as printed, "" if not read
}

// ScanMismatches compares the batch and expiry as scanned (either may be
// empty) with those the manufacturer declared.
func ScanMismatches(p PackFacts, batch, expiry string) []Alert {
	var out []Alert
	if batch != "" && batch != p.Batch {
		out = append(out, Alertf(ReasonBatchMismatch, "the scanned batch %s is not the batch %s the manufacturer declared", batch, p.Batch))
	}
	if expiry != "" && expiry != p.Expiry {
		out = append(out, Alertf(ReasonExpiryMismatch, "the scanned expiry %s is not the expiry %s the manufacturer declared", expiry, p.Expiry))
	}
	return out
}

// Judge is the verdict rule: "may I hand out this pack?". The chaincode runs
// it on-chain, the offline check on the local copy, and the app shows its
// answer. p is what is known of the pack (nil: never commissioned), recall
// the recall of its batch or of the batch as scanned (nil: none), s the pack as scanned, now the time
// of the answer. The status is the stored one, then recalled, then expired
// (a recall or expiry does not hide that a pack was dispensed or stolen);
// the alerts are every reason not to hand it out, most serious first. The
// pack may be handed out exactly when there are no alerts.
func Judge(p *PackFacts, recall *Recall, s Scan, now time.Time) (PackStatus, []Alert) {
	if p == nil {
		alerts := []Alert{unknownAlert(s)}
		if recall != nil { // the batch as scanned is recalled
			alerts = append(alerts, recallAlert(recall))
		}
		return PackUnknown, alerts
	}
	status := p.Status
	var alerts []Alert
	if p.Status != PackActive {
		alerts = append(alerts, StateAlert(*p, KindDispense))
	}
	if recall != nil {
		alerts = append(alerts, recallAlert(recall))
		if status == PackActive || status == PackInTransit {
			status = PackRecalled
		}
	}
	if Expired(p.Expiry, now) {
		alerts = append(alerts, Alertf(ReasonExpired, "expired on %s", p.Expiry))
		if status == PackActive || status == PackInTransit {
			status = PackExpired
		}
	}
	if p.Nonconformant != "" {
		alerts = append(alerts, Alertf(ReasonNonconformant, "a regulator's inspection (event %s) found it not conformant", p.Nonconformant))
	}
	alerts = append(alerts, ScanMismatches(*p, s.Batch, s.Expiry)...)
	return status, alerts
}

// unknownAlert says a pack was never commissioned. For a China drug code it
// says that the ledger is the authority: the code's check digits follow an
// algorithm that is not public, so only a commissioning can vouch for them.
func unknownAlert(s Scan) Alert {
	if code, ok := CNCodeOf(s.GTIN, s.Serial); ok {
		return Alertf(ReasonUnknownPack, "drug code %s was never commissioned on the ledger: its check digits cannot be checked anywhere else (their algorithm is not public), so it may be counterfeit or mistyped", code)
	}
	return Alertf(ReasonUnknownPack, "pack %s serial %s was never commissioned: it may be counterfeit", s.GTIN, s.Serial)
}

func recallAlert(r *Recall) Alert {
	return Alertf(ReasonRecalledBatch, "batch %s is recalled since %s%s", r.Batch, r.Time.UTC().Format(time.DateOnly), because(r.Reason))
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}
