package trace

import (
	"strconv"
	"time"
)

// Party is an organisation (its MSP ID on the ledger) at one of its
// locations (GLN): who holds a pack or logistic unit, or is to receive it.
type Party struct {
	MSP string `json:"msp"`
	GLN string `json:"gln"`
}

// String is "MSP at GLN".
func (p Party) String() string {
	if p.GLN == "" {
		return p.MSP
	}
	return p.MSP + " at " + p.GLN
}

// Actor is who records an event, and where: the submitter's organisation,
// the event's location, and what the ledger's configuration says of it.
type Actor struct {
	MSP        string
	GLN        string // the event's location
	Regulator  bool   // a regulator: samples and inspects any pack, wherever it is
	BrandOwner bool   // owns the company prefix of the pack's GTIN: may report it stolen
}

// CustodyRefusal is the custody rule: who may record an event of kind k
// about something (subject names it in the sentence, "pack G serial S" or
// "SSCC X") held by holder and, while in transit, to be received by
// consignee. refused is false when a may.
//
//   - ship, pack, unpack, dispense, export, destroy and sample (but a
//     regulator samples anywhere): only the holder, at the place it holds it;
//   - undo-dispense: only the holder (the place is the dispense's, checked
//     apart: undo-other-location);
//   - stolen: the holder (from any of its places) or the brand owner;
//   - receive: only the consignee the ship named, at the place it named;
//   - commission, recall, its withdrawal and inspect have no holder to check.
//
// The state machine (StepRefusal) is checked first: a receive of a pack
// nobody shipped is not-shipped, whoever sends it.
func CustodyRefusal(subject string, holder, consignee Party, k Kind, a Actor) (Alert, bool) {
	switch k {
	case KindCommission, KindRecall, KindWithdrawRecall, KindInspect:
		return Alert{}, false
	case KindReceive:
		switch {
		case consignee.MSP == "":
			return Alertf(ReasonNotShipped, "%s was not shipped to anyone: an unannounced delivery is refused; the sender records the ship first", subject), true
		case a.MSP != consignee.MSP:
			return Alertf(ReasonNotConsignee, "%s is in transit to %s, not to %s: only the consignee may receive it", subject, consignee, a.MSP), true
		case a.GLN != consignee.GLN:
			return Alertf(ReasonNotConsignee, "%s was shipped to %s, not to %s: receive it there", subject, consignee.GLN, a.GLN), true
		}
		return Alert{}, false
	case KindStolen:
		if a.MSP == holder.MSP || a.BrandOwner {
			return Alert{}, false
		}
		return Alertf(ReasonNotHolder, "%s is held by %s: only its holder or its brand owner may report it stolen", subject, holder), true
	case KindSample:
		if a.Regulator {
			return Alert{}, false
		}
	}
	if a.MSP != holder.MSP {
		return Alertf(ReasonNotHolder, "%s is held by %s, not by %s: only its holder may record a %s", subject, holder, a.MSP, k), true
	}
	if k != KindUndoDispense && a.GLN != holder.GLN {
		return Alertf(ReasonOtherSite, "%s is held at %s, not at %s: record the %s where it is", subject, holder.GLN, a.GLN, k), true
	}
	return Alert{}, false
}

// CustodyRefusal is the custody rule (the package's CustodyRefusal) for
// pack p.
func (p PackFacts) CustodyRefusal(k Kind, a Actor) (Alert, bool) {
	return CustodyRefusal(Sentence("%s", packWords(p.GTIN, p.Serial)), p.Holder, p.Consignee, k, a)
}

// Ledger time. Every transaction carries a timestamp its endorsing peers
// check against their own clocks (within the ledger's clock skew); that is
// the ledger time of everything the transaction records. An event's own time
// is the time its site says it happened: it may lag the ledger time (work
// done offline and synced later) by up to the ledger's event lag, and lead
// it by no more than the clock skew.
const (
	DefaultMaxEventLag = 72 * time.Hour  // how long an event may wait offline
	DefaultClockSkew   = 5 * time.Minute // how far clocks may disagree
)

// EventTimeRefusal says why an event dated at may not be recorded by a
// transaction of ledger time tx, given the ledger's limits (zero: the
// defaults); refused is false when it may.
func EventTimeRefusal(at, tx time.Time, maxLag, skew time.Duration) (Alert, bool) {
	if maxLag <= 0 {
		maxLag = DefaultMaxEventLag
	}
	if skew <= 0 {
		skew = DefaultClockSkew
	}
	const f = "2006-01-02 15:04:05 MST"
	if at.After(tx.Add(skew)) {
		return Alertf(ReasonInFuture, "the event is dated %s, after the ledger time %s: check the clock of the device that recorded it",
			at.UTC().Format(f), tx.UTC().Format(f)), true
	}
	if at.Before(tx.Add(-maxLag)) {
		return Alertf(ReasonTooOld, "the event is dated %s, more than %s before the ledger time %s: the ledger accepts events at most %s after they happened",
			at.UTC().Format(f), hours(maxLag), tx.UTC().Format(f), hours(maxLag)), true
	}
	return Alert{}, false
}

// hours is d in whole hours ("72 h"), or as Go writes it when not whole.
func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.Itoa(int(d/time.Hour)) + " h"
	}
	return d.String()
}
